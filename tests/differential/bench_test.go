package differential

import (
	"context"
	"fmt"
	"os/exec"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/netnsmgr"
)

// benchChain is the chain a container runtime typically configures: a
// NATed bridge with host-local, published ports, the firewall and tuning.
const benchChain = `{"cniVersion":"1.1.0","name":"benchnet","plugins":[
	{"type":"bridge","bridge":"benchbr0","isGateway":true,"ipMasq":true,
	 "ipam":{"type":"host-local","subnet":"10.77.0.0/16","dataDir":"%s","routes":[{"dst":"0.0.0.0/0"}]}},
	{"type":"portmap","capabilities":{"portMappings":true}},
	{"type":"firewall"},
	{"type":"tuning"}]}`

// BenchmarkChainAddDel measures one ADD and one DEL of benchChain, with one
// published port, through the reference plugins and through the bundled
// ones, side by side in one run, both driven by cnictl's libcni.
// scripts/bench.sh prints the ratio.
func BenchmarkChainAddDel(b *testing.B) {
	hermetic.Require(b)
	impls := []struct{ name, dir string }{
		{"impl=reference", testbin.Reference(b, "bridge", "host-local", "portmap", "firewall", "tuning")},
		{"impl=bundled", testbin.Bundled(b)},
	}
	for _, impl := range impls {
		b.Run(impl.name, func(b *testing.B) {
			if out, err := exec.Command("nft", "flush", "ruleset").CombinedOutput(); err != nil {
				b.Fatalf("nft flush ruleset: %v: %s", err, out)
			}
			list, err := libcni.ConfListFromBytes(fmt.Appendf(nil, benchChain, b.TempDir()))
			if err != nil {
				b.Fatal(err)
			}
			netns := netnsmgr.New("")
			path, err := netns.Create("bench")
			if err != nil {
				b.Fatal(err)
			}
			defer netns.Delete("bench")
			defer func() {
				if l, err := netlink.LinkByName("benchbr0"); err == nil {
					netlink.LinkDel(l)
				}
			}()
			cni := libcni.New(libcni.WithPluginDirs(impl.dir), libcni.WithCacheDir(b.TempDir()), libcni.WithStderr(nil))
			ports := map[string]any{"portMappings": []map[string]any{{"hostPort": 18080, "containerPort": 80, "protocol": "tcp"}}}
			for i := 0; b.Loop(); i++ {
				rt := &libcni.RuntimeConf{ContainerID: fmt.Sprintf("bench%d", i), NetNS: path, IfName: "eth0", CapabilityArgs: ports}
				if _, err := cni.Add(context.Background(), list, rt); err != nil {
					b.Fatal(err)
				}
				if err := cni.Del(context.Background(), list, rt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
