package libcni

import (
	"context"
	"fmt"
	"testing"

	upstream "github.com/containernetworking/cni/libcni"

	"github.com/cnictl/cnictl/internal/testbin"
)

// BenchmarkAddDel measures one ADD and one DEL of a chain of three recorder
// plugins through cnictl's libcni and through upstream's, side by side in
// one run: the difference is the orchestration (validation, locks, the
// pending and final cache writes with fsync, rollback bookkeeping), since
// the plugins are the same processes. scripts/bench.sh prints the ratio.
func BenchmarkAddDel(b *testing.B) {
	dir := testbin.Recorder(b)
	conf := []byte(`{"cniVersion":"1.1.0","name":"bench","plugins":[
		{"type":"recorder","ip":"10.1.0.5/24"},{"type":"recorder"},{"type":"recorder"}]}`)

	b.Run("impl=cnictl", func(b *testing.B) {
		list, err := ConfListFromBytes(conf)
		if err != nil {
			b.Fatal(err)
		}
		c := New(WithPluginDirs(dir), WithCacheDir(b.TempDir()), WithStderr(nil))
		for i := 0; b.Loop(); i++ {
			rt := &RuntimeConf{ContainerID: fmt.Sprintf("c%d", i), NetNS: "/run/netns/bench", IfName: "eth0"}
			if _, err := c.Add(context.Background(), list, rt); err != nil {
				b.Fatal(err)
			}
			if err := c.Del(context.Background(), list, rt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=upstream", func(b *testing.B) {
		list, err := upstream.ConfListFromBytes(conf)
		if err != nil {
			b.Fatal(err)
		}
		c := upstream.NewCNIConfigWithCacheDir([]string{dir}, b.TempDir(), nil)
		for i := 0; b.Loop(); i++ {
			rt := &upstream.RuntimeConf{ContainerID: fmt.Sprintf("c%d", i), NetNS: "/run/netns/bench", IfName: "eth0"}
			if _, err := c.AddNetworkList(context.Background(), list, rt); err != nil {
				b.Fatal(err)
			}
			if err := c.DelNetworkList(context.Background(), list, rt); err != nil {
				b.Fatal(err)
			}
		}
	})
}
