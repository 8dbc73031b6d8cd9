package plugintest

import (
	"encoding/json"
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
)

// Parse parses a JSON object.
func Parse(t testing.TB, object string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(object), &m); err != nil {
		t.Fatalf("parsing %s: %v", object, err)
	}
	return m
}

// Clone deep-copies a JSON object.
func Clone(m map[string]any) map[string]any {
	data, _ := json.Marshal(m)
	out := map[string]any{}
	_ = json.Unmarshal(data, &out)
	return out
}

// AsCurrent converts a result to the current version.
func AsCurrent(t testing.TB, r types.Result) *current.Result {
	t.Helper()
	res, err := current.NewResultFromResult(r)
	if err != nil {
		t.Fatalf("converting result: %v", err)
	}
	return res
}

// OldVersions are the cniVersions before 0.3.1, which the plugins that
// take every version accept too: 0.1.0 and 0.2.0 print results in the
// ip4/ip6 layout without interfaces, 0.3.0 in the layout of 0.3.1. None of
// them has CHECK, and DEL gets no prevResult.
var OldVersions = []string{"0.1.0", "0.2.0", "0.3.0"}

// AtLeast reports whether cniVersion v is min or later.
func AtLeast(v, min string) bool {
	ok, err := version.GreaterThanOrEqualTo(v, min)
	return err == nil && ok
}

// Normalize parses a printed result and replaces what differs between
// runs and between implementations: MAC addresses other than loopback's
// all-zero one by "<mac>", namespace paths by "<netns>" and veth names by
// "<veth>". The cniVersion is dropped: callers check it on its own.
func Normalize(t testing.TB, printed []byte) any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(printed, &v); err != nil {
		t.Fatalf("result %q: %v", printed, err)
	}
	delete(v, "cniVersion")
	if ifaces, ok := v["interfaces"].([]any); ok {
		for _, i := range ifaces {
			intf := i.(map[string]any)
			if mac, ok := intf["mac"]; ok && mac != "00:00:00:00:00:00" {
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

// WantResult parses want, a result in the layout of cniVersion 1.0.0, and
// converts it to the layout of cniVersion: before 1.0.0 every IP names
// its address family and an empty "dns" is printed; before 0.3.0 the
// layout is the one of ip4 and ip6, without interfaces.
func WantResult(t testing.TB, want, cniVersion string) any {
	t.Helper()
	if !AtLeast(cniVersion, "0.3.0") {
		return want020(t, want, cniVersion)
	}
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

// want020 is WantResult for cniVersion 0.1.0 or 0.2.0, converted by the
// CNI library as a plugin's PrintResult converts.
func want020(t testing.TB, want, cniVersion string) any {
	t.Helper()
	r := &current.Result{}
	if err := json.Unmarshal([]byte(want), r); err != nil {
		t.Fatalf("expected result %q: %v", want, err)
	}
	r.CNIVersion = current.ImplementedSpecVersion
	old, err := r.GetAsVersion(cniVersion)
	if err != nil {
		t.Fatalf("converting the expected result to %s: %v", cniVersion, err)
	}
	data, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	delete(v, "cniVersion")
	return v
}

// SameResult fails t unless printed, normalised, is want.
func SameResult(t testing.TB, printed []byte, want any) {
	t.Helper()
	got := Normalize(t, printed)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("result\n got %s\nwant %s", g, w)
	}
}

// PrintedVersion returns the cniVersion of a printed result.
func PrintedVersion(t testing.TB, printed []byte) string {
	t.Helper()
	var v struct {
		CNIVersion string `json:"cniVersion"`
	}
	if err := json.Unmarshal(printed, &v); err != nil {
		t.Fatalf("result %q: %v", printed, err)
	}
	return v.CNIVersion
}
