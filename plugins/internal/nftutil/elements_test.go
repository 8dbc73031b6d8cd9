package nftutil

import (
	"errors"
	"maps"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/cnictl/cnictl/internal/hermetic"
)

// testTable is the table of the tests that change a real ruleset.
var testTable = &nftables.Table{Family: nftables.TableFamilyINet, Name: "cnictl-test"}

// newTestTable creates testTable with a map from address to address and
// an interval set of address pairs, as portmap's maps and masq sets are,
// and deletes it when t ends.
func newTestTable(t *testing.T) (c *Conn, m, intervals *nftables.Set) {
	t.Helper()
	hermetic.Require(t)
	hermetic.CheckLeaks(t)
	c, err := Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.DelTable(testTable)
		if err := c.Flush(); err != nil {
			t.Errorf("deleting table %s: %v", testTable.Name, err)
		}
		c.Close()
	})
	m = &nftables.Set{Table: testTable, Name: "m", ID: 1, IsMap: true, KeyType: nftables.TypeIPAddr, DataType: nftables.TypeIPAddr}
	intervals = &nftables.Set{
		Table: testTable, Name: "intervals", ID: 2, Interval: true, Concatenation: true,
		KeyType: nftables.MustConcatSetType(nftables.TypeIPAddr, nftables.TypeIPAddr),
	}
	c.AddTable(testTable)
	for _, s := range []*nftables.Set{m, intervals} {
		if err := c.AddSet(s, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("creating table %s: %v", testTable.Name, err)
	}
	return c, m, intervals
}

// nft runs nft with args and fails t on error.
func nft(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("nft", args...).CombinedOutput(); err != nil {
		t.Fatalf("nft %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// ip4 is the 4-byte form of an IPv4 address.
func ip4(s string) []byte { return net.ParseIP(s).To4() }

// TestApplyElemsReplacesStale plants an element under the key of one that
// ApplyElems then adds with another value, next to one under a key that
// stays: the kernel refuses the addition (EEXIST here), and ApplyElems
// replaces the stale element and adds the other one.
func TestApplyElemsReplacesStale(t *testing.T) {
	c, m, _ := newTestTable(t)
	nft(t, "add", "element", "inet", testTable.Name, m.Name, "{ 10.0.0.1 : 192.0.2.9 }")
	err := c.ApplyElems([]ElemOp{
		{Set: m, Elem: nftables.SetElement{Key: ip4("10.0.0.1"), Val: ip4("192.0.2.1")}, What: "address 10.0.0.1"},
		{Set: m, Elem: nftables.SetElement{Key: ip4("10.0.0.2"), Val: ip4("192.0.2.2")}, What: "address 10.0.0.2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	elems, err := c.GetSetElements(m)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range elems {
		got[net.IP(e.Key).String()] = net.IP(e.Val).String()
	}
	if len(got) != 2 || got["10.0.0.1"] != "192.0.2.1" || got["10.0.0.2"] != "192.0.2.2" {
		t.Errorf("map holds %v, want 10.0.0.1: 192.0.2.1 and 10.0.0.2: 192.0.2.2", got)
	}
}

// TestApplyElemsOverlap plants an interval element that overlaps one that
// ApplyElems then adds under another key: the kernel refuses the addition
// (EEXIST), nothing has the new element's key to replace, and the error
// says that it overlaps another element, which stays.
func TestApplyElemsOverlap(t *testing.T) {
	c, _, intervals := newTestTable(t)
	nft(t, "add", "element", "inet", testTable.Name, intervals.Name, "{ 10.66.0.0/16 . 10.66.0.0/16 }")
	err := c.ApplyElems([]ElemOp{{
		Set:  intervals,
		Elem: nftables.SetElement{Key: append(ip4("10.66.0.0"), ip4("10.66.0.0")...), KeyEnd: append(ip4("10.66.0.255"), ip4("10.66.0.255")...)},
		What: "masquerading of 10.66.0.0/24",
	}})
	if err == nil || !strings.Contains(err.Error(), "adding masquerading of 10.66.0.0/24 in intervals: it overlaps an element of another key") || !errors.Is(err, unix.EEXIST) {
		t.Errorf("adding an overlapping element: %v", err)
	}
	elems, err := c.GetSetElements(intervals)
	if err != nil {
		t.Fatal(err)
	}
	if len(elems) != 1 || !net.IP(elems[0].Key[:4]).Equal(net.ParseIP("10.66.0.0")) || elems[0].KeyEnd[1] != 66 || elems[0].KeyEnd[2] != 255 {
		t.Errorf("the set holds %+v, want the planted element alone", elems)
	}
}

// fakeKernel answers the element changes of nftables batches for one map,
// whose elements it keeps, as a kernel would: a batch changes the map only
// if each of its messages succeeds. Adding an element whose key the map
// has with another value fails with clash, the errno of the kernel
// emulated; deleting a missing one with ENOENT.
type fakeKernel struct {
	clash syscall.Errno
	// elems are the map's values, by key.
	elems map[string]string
	// batches counts the batches sent.
	batches int
	// replies are the answers not yet received.
	replies []netlink.Message
}

// dial is the nltest.Func of the kernel: a batch sent is answered at once,
// one reply per receive.
func (k *fakeKernel) dial(req []netlink.Message) ([]netlink.Message, error) {
	if req != nil {
		k.batch(req)
	}
	if len(k.replies) == 0 {
		return nil, nil
	}
	reply := k.replies[0]
	k.replies = k.replies[1:]
	return []netlink.Message{reply}, nil
}

// batch applies req, if it succeeds, and queues its replies.
func (k *fakeKernel) batch(req []netlink.Message) {
	k.batches++
	next := maps.Clone(k.elems)
	failed := false
	for _, m := range req {
		typ := m.Header.Type & 0xff
		if typ != unix.NFT_MSG_NEWSETELEM && typ != unix.NFT_MSG_DELSETELEM || m.Header.Type>>8 != unix.NFNL_SUBSYS_NFTABLES {
			continue
		}
		errno := syscall.Errno(0)
		for _, e := range decodeElems(m.Data[4:]) {
			old, ok := next[e[0]]
			switch {
			case typ == unix.NFT_MSG_DELSETELEM && !ok:
				errno = unix.ENOENT
			case typ == unix.NFT_MSG_DELSETELEM:
				delete(next, e[0])
			case ok && old != e[1]:
				errno = k.clash
			default:
				next[e[0]] = e[1]
			}
		}
		failed = failed || errno != 0
		reply, _ := nltest.Error(int(errno), []netlink.Message{m})
		k.replies = append(k.replies, reply...)
	}
	if !failed {
		k.elems = next
	}
}

// decodeElems returns the key and the value of each element of a
// NEWSETELEM or DELSETELEM message, as their undecoded attributes.
func decodeElems(b []byte) [][2]string {
	var out [][2]string
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return nil
	}
	for ad.Next() {
		if ad.Type() != unix.NFTA_SET_ELEM_LIST_ELEMENTS {
			continue
		}
		ad.Nested(func(list *netlink.AttributeDecoder) error {
			for list.Next() {
				var e [2]string
				list.Nested(func(elem *netlink.AttributeDecoder) error {
					for elem.Next() {
						switch elem.Type() {
						case unix.NFTA_SET_ELEM_KEY:
							e[0] = string(elem.Bytes())
						case unix.NFTA_SET_ELEM_DATA:
							e[1] = string(elem.Bytes())
						}
					}
					return nil
				})
				out = append(out, e)
			}
			return nil
		})
	}
	return out
}

// TestApplyElemsClashErrno adds an element under a key that a fake kernel
// holds with another value, as kernels that answer EBUSY and kernels that
// answer EEXIST: either way, ApplyElems replaces it, in a batch of its own
// after the refused ones.
func TestApplyElemsClashErrno(t *testing.T) {
	m := &nftables.Set{Table: testTable, Name: "m", IsMap: true, KeyType: nftables.TypeIPAddr, DataType: nftables.TypeIPAddr}
	op := func(val string) []ElemOp {
		return []ElemOp{{Set: m, Elem: nftables.SetElement{Key: ip4("10.0.0.1"), Val: ip4(val)}, What: "address 10.0.0.1"}}
	}
	for _, clash := range []syscall.Errno{unix.EBUSY, unix.EEXIST} {
		t.Run(clash.Error(), func(t *testing.T) {
			k := &fakeKernel{clash: clash, elems: map[string]string{}}
			nc, err := nftables.New(nftables.WithTestDial(k.dial))
			if err != nil {
				t.Fatal(err)
			}
			c := &Conn{nc}
			if err := c.ApplyElems(op("192.0.2.9")); err != nil {
				t.Fatalf("adding the first element: %v", err)
			}
			stale := k.elems
			if err := c.ApplyElems(op("192.0.2.1")); err != nil {
				t.Fatalf("adding the element that clashes: %v", err)
			}
			if len(k.elems) != 1 || maps.Equal(k.elems, stale) {
				t.Errorf("the element was not replaced: %q, before %q", k.elems, stale)
			}
			// The first element, the refused batch, the refused
			// element alone, the replacement.
			if k.batches != 4 {
				t.Errorf("%d batches, want 4", k.batches)
			}
		})
	}
}
