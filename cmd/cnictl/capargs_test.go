package main

import (
	"crypto/sha512"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseCNIArgs(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    [][2]string
		badPair string
	}{
		{in: "A=1", want: [][2]string{{"A", "1"}}},
		{in: "IP=10.1.1.5;K8S_POD_NAME=web", want: [][2]string{{"IP", "10.1.1.5"}, {"K8S_POD_NAME", "web"}}},
		{in: "A=1;B", badPair: `"B"`},
		{in: "A=1;=2", badPair: `"=2"`},
		{in: "A=", badPair: `"A="`},
		{in: "A=1=2", badPair: `"A=1=2"`},
		{in: "A=1;", badPair: `""`},
		{in: "A=1;;B=2", badPair: `""`},
	} {
		got, err := parseCNIArgs(tc.in)
		if tc.badPair != "" {
			if err == nil || !strings.Contains(err.Error(), "invalid CNI_ARGS pair "+tc.badPair) {
				t.Errorf("parseCNIArgs(%q) error = %v, want one naming pair %s", tc.in, err, tc.badPair)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseCNIArgs(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParsePublish(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want portMapping
	}{
		{"8080:80", portMapping{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}},
		{"8080:80/tcp", portMapping{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}},
		{"53:5353/UDP", portMapping{HostPort: 53, ContainerPort: 5353, Protocol: "udp"}},
		{"9000:9000/sctp", portMapping{HostPort: 9000, ContainerPort: 9000, Protocol: "sctp"}},
		{"127.0.0.1:8080:80", portMapping{HostPort: 8080, ContainerPort: 80, Protocol: "tcp", HostIP: "127.0.0.1"}},
		{"10.0.0.1:443:8443/tcp", portMapping{HostPort: 443, ContainerPort: 8443, Protocol: "tcp", HostIP: "10.0.0.1"}},
		{"[::1]:8080:80/udp", portMapping{HostPort: 8080, ContainerPort: 80, Protocol: "udp", HostIP: "::1"}},
		{"[2001:DB8::1]:80:80", portMapping{HostPort: 80, ContainerPort: 80, Protocol: "tcp", HostIP: "2001:db8::1"}},
	} {
		got, err := parsePublish(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parsePublish(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"", "80", "8080:80:90:100", "8080:80/icmp", "0:80", "8080:65536", "x:80", "8080:",
		"300.1.1.1:80:80", "[10.0.0.1]:80:80", "[::1:80:80", "::1:80:80", "[::1]:8080:80:90",
	} {
		if got, err := parsePublish(in); err == nil {
			t.Errorf("parsePublish(%q) = %+v, want an error", in, got)
		} else if !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("parsePublish(%q) error %q does not name the value", in, err)
		}
	}
}

func TestParseIP(t *testing.T) {
	for _, in := range []string{"10.1.1.5", "10.1.1.5/24", "2001:db8::5", "2001:db8::5/64"} {
		if got, err := parseIP(in); err != nil || got != in {
			t.Errorf("parseIP(%q) = %q, %v; want it unchanged", in, got, err)
		}
	}
	for _, in := range []string{"", "10.1.1", "10.1.1.5/33", "host", "10.1.1.5/"} {
		if _, err := parseIP(in); err == nil {
			t.Errorf("parseIP(%q): want an error", in)
		}
	}
}

func TestParseMAC(t *testing.T) {
	if got, err := parseMAC("02:00:00:00:00:05"); err != nil || got != "02:00:00:00:00:05" {
		t.Errorf("parseMAC = %q, %v", got, err)
	}
	if _, err := parseMAC("02:00:00"); err == nil {
		t.Error("parseMAC(02:00:00): want an error")
	}
}

// cnitoolContainerID is cnitool's derivation, copied from
// containernetworking/cni v1.3.0 cnitool/cnitool.go.
func cnitoolContainerID(t *testing.T, netns string) string {
	t.Helper()
	netns, err := filepath.Abs(netns)
	if err != nil {
		t.Fatal(err)
	}
	s := sha512.Sum512([]byte(netns))
	return fmt.Sprintf("cnitool-%x", s[:10])
}

func TestDefaultContainerIDMatchesCnitool(t *testing.T) {
	for _, netns := range []string{"/var/run/netns/blue", "/proc/1234/ns/net", "/run/netns/a b", "relative/ns", "ns"} {
		got, want := defaultContainerID(netns), cnitoolContainerID(t, netns)
		if got != want {
			t.Errorf("defaultContainerID(%q) = %q, cnitool derives %q", netns, got, want)
		}
	}
	// A value computed independently (first 10 bytes of the SHA-512 of
	// the path), so that a change to both functions is noticed too.
	if got, want := defaultContainerID("/var/run/netns/blue"), "cnitool-296747069b8a02dc4e2a"; got != want {
		t.Errorf("defaultContainerID(/var/run/netns/blue) = %q, want %q", got, want)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if defaultContainerID("ns") != defaultContainerID(filepath.Join(wd, "ns")) {
		t.Error("a relative netns path must be made absolute before hashing, as cnitool does")
	}
}
