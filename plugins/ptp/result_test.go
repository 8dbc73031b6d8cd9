package ptp_test

import (
	"encoding/json"
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/version"
)

// normalize parses a printed result and replaces what differs between
// runs and between implementations: MAC addresses by "<mac>", namespace
// paths by "<netns>" and veth names by "<veth>". The cniVersion is
// dropped: callers check it on its own.
func normalize(t *testing.T, printed []byte) any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(printed, &v); err != nil {
		t.Fatalf("result %q: %v", printed, err)
	}
	delete(v, "cniVersion")
	if ifaces, ok := v["interfaces"].([]any); ok {
		for _, i := range ifaces {
			intf := i.(map[string]any)
			if _, ok := intf["mac"]; ok {
				intf["mac"] = "<mac>"
			}
			if _, ok := intf["sandbox"]; ok {
				intf["sandbox"] = "<netns>"
			}
			if name, _ := intf["name"].(string); strings.HasPrefix(name, "veth") {
				intf["name"] = "<veth>"
			}
		}
	}
	return v
}

// wantResult parses want, a result in the layout of cniVersion 1.0.0, and
// converts it to the layout of cniVersion: before 1.0.0 every IP names
// its address family and an empty "dns" is printed.
func wantResult(t *testing.T, want, cniVersion string) any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(want), &v); err != nil {
		t.Fatalf("expected result %q: %v", want, err)
	}
	if legacy, _ := version.GreaterThanOrEqualTo("0.4.0", cniVersion); legacy {
		if _, ok := v["dns"]; !ok {
			v["dns"] = map[string]any{}
		}
		ips, _ := v["ips"].([]any)
		for _, i := range ips {
			ipc := i.(map[string]any)
			ip, _, _ := net.ParseCIDR(ipc["address"].(string))
			ipc["version"] = "6"
			if ip.To4() != nil {
				ipc["version"] = "4"
			}
		}
	}
	return v
}

// sameResult fails t unless printed, normalised, is want.
func sameResult(t *testing.T, printed []byte, want any) {
	t.Helper()
	got := normalize(t, printed)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("result\n got %s\nwant %s", g, w)
	}
}

// printedVersion returns the cniVersion of a printed result.
func printedVersion(t *testing.T, printed []byte) string {
	t.Helper()
	var v struct {
		CNIVersion string `json:"cniVersion"`
	}
	if err := json.Unmarshal(printed, &v); err != nil {
		t.Fatalf("result %q: %v", printed, err)
	}
	return v.CNIVersion
}
