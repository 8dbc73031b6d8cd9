package portmap

import (
	"fmt"
	"net"
	"testing"

	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// benchConf is the configuration of an ADD on network that maps TCP
// hostPort to container i's port 80.
func benchConf(network string, i, hostPort int) (*config, nftutil.Attachment) {
	ip := net.IPv4(10, byte(100+i/65536), byte(i/256), byte(i%256))
	prev := &current.Result{
		CNIVersion: current.ImplementedSpecVersion,
		Interfaces: []*current.Interface{{Name: "eth0", Sandbox: "/run/netns/x"}},
		IPs:        []*current.IPConfig{{Interface: current.Int(0), Address: net.IPNet{IP: ip, Mask: net.CIDRMask(8, 32)}}},
	}
	conf := &config{
		network: network, cniVersion: "1.1.0", prevResult: prev, snat: true,
		mappings: []mapping{{Protocol: "tcp", HostPort: uint16(hostPort), ContainerPort: 80}},
	}
	return conf, nftutil.Attachment{Network: network, ContainerID: fmt.Sprintf("c%d", i), IfName: "eth0"}
}

// BenchmarkAdd measures the ADD of one more mapping when none or 500
// exist: the cost must not grow with their number. The mappings the loop
// adds stay until it ends, so that no deletion is measured: the kernel
// charges a deletion's deferred cleanup to the next nftables request. With
// none, the first ADD also creates the table.
func BenchmarkAdd(b *testing.B) {
	for _, existing := range []int{0, 500} {
		b.Run(fmt.Sprintf("existing=%d", existing), func(b *testing.B) {
			hermetic.Require(b)
			b.Setenv(nftutil.EnvStateDir, b.TempDir())
			for i := range existing {
				conf, a := benchConf("old", i, 10000+i)
				if err := add(conf, a); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				conf, a := benchConf("new", existing+i, 20000+i%40000)
				if err := add(conf, a); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			for _, network := range []string{"old", "new"} {
				if err := records.GC(network, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
