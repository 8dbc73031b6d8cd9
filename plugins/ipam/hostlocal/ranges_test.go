package hostlocal

import (
	"math/big"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/plugins/plugins/ipam/host-local/backend/allocator"
)

// rangeSet returns the canonical range set of one subnet.
func rangeSet(t *testing.T, cidr string) allocator.RangeSet {
	t.Helper()
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		t.Fatal(err)
	}
	set := allocator.RangeSet{{Subnet: types.IPNet(*n)}}
	if err := set.Canonicalize(); err != nil {
		t.Fatal(err)
	}
	return set
}

// TestFree counts the free addresses of small and huge ranges.
func TestFree(t *testing.T) {
	v6 := rangeSet(t, "fd00:1::/64")
	two64 := new(big.Int).Lsh(big.NewInt(1), 64)
	cases := []struct {
		name   string
		set    allocator.RangeSet
		allocs []string
		want   *big.Int
	}{
		{"/28 without gateway", rangeSet(t, "10.0.0.0/28"), nil, big.NewInt(13)},
		{"/28 with allocations in, out and on the gateway", rangeSet(t, "10.0.0.0/28"), []string{"10.0.0.5", "10.1.0.5", "10.0.0.1"}, big.NewInt(12)},
		{"/64", v6, []string{"fd00:1::2"}, new(big.Int).Sub(two64, big.NewInt(3))},
	}
	for _, tc := range cases {
		var allocs []allocation
		for _, a := range tc.allocs {
			allocs = append(allocs, allocation{ip: net.ParseIP(a)})
		}
		if got := free(tc.set, allocs); got.Cmp(tc.want) != 0 {
			t.Errorf("%s: free %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestParseResolvConf reads the lines the reference reads.
func TestParseResolvConf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	content := "; comment\nnameserver 1.1.1.1\nnameserver\ndomain a.example\ndomain b.example\nsearch x.example y.example\noptions ndots:5\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := parseResolvConf(path)
	if err != nil {
		t.Fatal(err)
	}
	want := &types.DNS{Nameservers: []string{"1.1.1.1"}, Domain: "b.example", Search: []string{"x.example", "y.example"}, Options: []string{"ndots:5"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parseResolvConf(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing resolvConf gave no error")
	}
}
