package main

import (
	"encoding/json"
	"testing"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
)

func TestAddPrevResult(t *testing.T) {
	prev := map[string]any{
		"cniVersion": "1.0.0",
		"interfaces": []any{map[string]any{"name": "br0"}, map[string]any{"name": "veth1", "sandbox": missingNetns}},
		"ips":        []any{map[string]any{"address": "10.0.0.5/24", "interface": 1}},
	}
	conf := netConf("1.0.0", map[string]any{
		"prevResult": prev, "ip": "10.1.2.3/24", "gateway": "10.1.2.1",
		"dns": map[string]any{"nameservers": []string{"10.0.0.53"}},
	})
	res, err := current.NewResult(mustRun(t, "ADD", conf))
	if err != nil {
		t.Fatal(err)
	}
	r := res.(*current.Result)
	if len(r.Interfaces) != 3 || r.Interfaces[1].Name != "veth1" || r.Interfaces[2].Name != "eth0-2" {
		t.Fatalf("interfaces = %v", r.Interfaces)
	}
	if len(r.IPs) != 2 || r.IPs[0].Address.String() != "10.0.0.5/24" || r.IPs[0].Interface == nil || *r.IPs[0].Interface != 1 {
		t.Fatalf("ips = %v", r.IPs)
	}
	ip := r.IPs[1]
	if ip.Address.String() != "10.1.2.3/24" || ip.Gateway.String() != "10.1.2.1" || ip.Interface == nil || *ip.Interface != 2 {
		t.Errorf("added ip = %v", ip)
	}
	if len(r.DNS.Nameservers) != 1 || r.DNS.Nameservers[0] != "10.0.0.53" {
		t.Errorf("dns = %+v", r.DNS)
	}
}

func TestAddFreshResult(t *testing.T) {
	res, err := current.NewResult(mustRun(t, "ADD", netConf("1.1.0", nil)))
	if err != nil {
		t.Fatal(err)
	}
	r := res.(*current.Result)
	if len(r.Interfaces) != 1 || r.Interfaces[0].Name != "eth0-0" || len(r.IPs) != 0 || r.CNIVersion != "1.1.0" {
		t.Fatalf("result = %+v", r)
	}
}

// TestAddEveryVersion chains two ADDs, the second getting the first's
// result as prevResult, at every CNI version.
func TestAddEveryVersion(t *testing.T) {
	for _, v := range version.All.SupportedVersions() {
		t.Run(v, func(t *testing.T) {
			first := mustRun(t, "ADD", netConf(v, map[string]any{"ip": "10.1.2.3/24"}))
			var prev map[string]any
			if err := json.Unmarshal(first, &prev); err != nil {
				t.Fatal(err)
			}
			out := mustRun(t, "ADD", netConf(v, map[string]any{"prevResult": prev}))
			res, err := version.NewResult(v, out)
			if err != nil {
				t.Fatalf("parsing %s result %s: %v", v, out, err)
			}
			r, err := current.NewResultFromResult(res)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.IPs) != 1 || r.IPs[0].Address.String() != "10.1.2.3/24" {
				t.Errorf("ips = %v in %s", r.IPs, out)
			}
			if modern, _ := version.GreaterThanOrEqualTo(v, "0.3.0"); modern &&
				(len(r.Interfaces) != 2 || r.Interfaces[0].Name != "eth0-0" || r.Interfaces[1].Name != "eth0-1") {
				t.Errorf("interfaces = %v in %s", r.Interfaces, out)
			}
		})
	}
}

func TestAddLegacyDefaultIP(t *testing.T) {
	out := mustRun(t, "ADD", netConf("0.2.0", nil))
	var raw struct {
		CNIVersion string           `json:"cniVersion"`
		IP4        *json.RawMessage `json:"ip4"`
		Interfaces *json.RawMessage `json:"interfaces"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	if raw.CNIVersion != "0.2.0" || raw.IP4 == nil || raw.Interfaces != nil {
		t.Fatalf("0.2.0 result = %s", out)
	}
	var ip4 struct {
		IP string `json:"ip"`
	}
	if err := json.Unmarshal(*raw.IP4, &ip4); err != nil {
		t.Fatal(err)
	}
	if ip4.IP != legacyDefaultIP {
		t.Errorf("ip4 = %s, want %s", ip4.IP, legacyDefaultIP)
	}
}
