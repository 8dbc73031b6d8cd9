package nftutil

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// att makes the attachment of container id on network net1, eth0.
func att(id string) Attachment { return Attachment{Network: "net1", ContainerID: id, IfName: "eth0"} }

// openTemp opens a store in a fresh directory.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "plugin"), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestClaims claims a key three times: the oldest claimant owns it, and
// releasing the owner hands it to the next oldest.
func TestClaims(t *testing.T) {
	s := openTemp(t)
	a, b, c := att("a"), att("b"), att("c")
	const key = "v4,*,tcp,80"
	for _, x := range []Attachment{a, b, c, a} {
		owner, err := s.Claim("dnat", key, x)
		if err != nil {
			t.Fatal(err)
		}
		if owner != a {
			t.Errorf("after %s claims, the owner is %v", x.ContainerID, owner)
		}
	}
	if owner, left, was, _ := s.PeekRelease("dnat", key, a); owner != b || !left || !was {
		t.Errorf("peeking at a's release: %v %t %t", owner, left, was)
	}
	if owner, _, _ := s.Owner("dnat", key); owner != a {
		t.Errorf("peeking changed the owner to %v", owner)
	}
	if owner, left, was, _ := s.Release("dnat", key, b); owner != a || !left || was {
		t.Errorf("releasing b, not the owner: %v %t %t", owner, left, was)
	}
	if owner, left, was, _ := s.Release("dnat", key, a); owner != c || !left || !was {
		t.Errorf("releasing a, the owner: %v %t %t", owner, left, was)
	}
	if owner, _ := s.Claim("dnat", key, b); owner != c {
		t.Errorf("b claims again after c: the owner is %v", owner)
	}
	for _, x := range []Attachment{c, b} {
		if _, _, was, _ := s.Release("dnat", key, x); !was {
			t.Errorf("releasing %s: it was not the owner", x.ContainerID)
		}
	}
	if _, err := os.Stat(filepath.Join(s.dir, "claims")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty claim directories left (%v)", err)
	}
}

// TestHolds holds a key twice: the first hold is first, the last release
// is last, whatever the order.
func TestHolds(t *testing.T) {
	s := openTemp(t)
	a, b := att("a"), att("b")
	const key = "10.0.0.0/8,127.0.0.0/8"
	if first, err := s.Hold("masq", key, a); err != nil || !first {
		t.Errorf("first hold: %t %v", first, err)
	}
	if first, err := s.Hold("masq", key, b); err != nil || first {
		t.Errorf("second hold: %t %v", first, err)
	}
	if last, _ := s.PeekUnhold("masq", key, a); last {
		t.Error("a is not the last holder")
	}
	if err := s.Unhold("masq", key, a); err != nil {
		t.Fatal(err)
	}
	if last, _ := s.PeekUnhold("masq", key, b); !last {
		t.Error("b is the last holder")
	}
	if err := s.Unhold("masq", key, b); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "holds")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty hold directories left (%v)", err)
	}
}

// TestRecords writes records of two networks: Sole is true only for the
// last one, and removing it leaves no directory.
func TestRecords(t *testing.T) {
	s := openTemp(t)
	a, b := att("a"), Attachment{Network: "net2", ContainerID: "b", IfName: "eth1"}
	for _, x := range []Attachment{a, b} {
		if err := s.WriteRecord(x, map[string]string{"id": x.ContainerID}); err != nil {
			t.Fatal(err)
		}
	}
	var got map[string]string
	if ok, err := s.ReadRecord(b, &got); !ok || err != nil || got["id"] != "b" {
		t.Errorf("reading b: %v %v %v", got, ok, err)
	}
	if as, _ := s.Attachments("net2"); len(as) != 1 || as[0] != b {
		t.Errorf("attachments of net2: %v", as)
	}
	if sole, _ := s.Sole(a); sole {
		t.Error("a is not the only record")
	}
	if err := s.RemoveRecord(b); err != nil {
		t.Fatal(err)
	}
	if sole, _ := s.Sole(a); !sole {
		t.Error("a is the only record")
	}
	if err := s.RemoveRecord(a); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.attachmentsDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("attachments directory left (%v)", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none"), false); !errors.Is(err, ErrNoState) {
		t.Errorf("opening a missing store without create: %v", err)
	}
}

// TestValidate rejects identifiers that are unsafe in file names.
func TestValidate(t *testing.T) {
	for _, a := range []Attachment{
		{Network: "../x", ContainerID: "c", IfName: "eth0"},
		{Network: "n", ContainerID: "c:1", IfName: "eth0"},
		{Network: "n", ContainerID: "c", IfName: "eth/0"},
		{Network: "n", ContainerID: "c", IfName: "0123456789abcdef"},
	} {
		if err := a.Validate(); err == nil {
			t.Errorf("%v is valid", a)
		}
	}
	if err := att("c1").Validate(); err != nil {
		t.Error(err)
	}
}
