package hostlocal

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestSharedDirectoryWithReference runs both plugins on one allocation
// directory: each releases, checks and continues the round robin of what
// the other allocated.
func TestSharedDirectoryWithReference(t *testing.T) {
	hermetic.Require(t)
	ourPlugin, refPlugin := ours(t), reference(t)
	for _, ver := range []string{"0.4.0", "1.1.0"} {
		t.Run(ver, func(t *testing.T) {
			dataDir := t.TempDir()
			conf := netconf(t, ver, dataDir, dualStack, nil)

			refIPs := refPlugin.add(t, conf, "c1").IPs(t, ver)
			ourPlugin.del(t, conf, "c1").Ok(t)
			if got := allocated(t, dataDir); len(got) != 0 {
				t.Fatalf("our DEL left the reference's allocations %v", got)
			}

			refPlugin.add(t, conf, "c2").Ok(t)
			ourIPs := ourPlugin.add(t, conf, "c3").IPs(t, ver)
			if want := []string{"10.20.0.4", "fd00:20::12"}; !slices.Equal(ourIPs, want) {
				t.Errorf("our ADD after the reference's %v: got %v, want the next in round robin %v", refIPs, ourIPs, want)
			}
			refPlugin.del(t, conf, "c3").Ok(t)
			ourPlugin.run(t, plugintest.Call{Command: "CHECK", ContainerID: "c2", IfName: "eth0", Conf: conf}).Ok(t)
			ourPlugin.add(t, conf, "c2").WantError(t, "already holds")

			// Older host-local versions recorded the container ID alone.
			legacy := filepath.Join(dataDir, "net", "10.20.0.250")
			if err := os.WriteFile(legacy, []byte("c9"), 0o600); err != nil {
				t.Fatal(err)
			}
			ourPlugin.del(t, conf, "c9").Ok(t)
			if _, err := os.Stat(legacy); !os.IsNotExist(err) {
				t.Errorf("our DEL kept the legacy allocation file (%v)", err)
			}
			// With files in both formats, DEL releases the exact ones
			// first, as the reference does, and the legacy ones next.
			if err := os.WriteFile(legacy, []byte("c2"), 0o600); err != nil {
				t.Fatal(err)
			}
			ourPlugin.del(t, conf, "c2").Ok(t)
			if got := allocated(t, dataDir); !slices.Equal(got, []string{"10.20.0.250"}) {
				t.Errorf("after the first DEL: allocated %v, want the legacy file alone", got)
			}
			ourPlugin.del(t, conf, "c2").Ok(t)
			if got := allocated(t, dataDir); len(got) != 0 {
				t.Errorf("allocations left: %v", got)
			}
		})
	}
}
