package libcni_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/cnictl/cnictl/libcni"
)

// A runtime attaches a container to a network and detaches it again. The
// plugins come from /opt/cni/bin and the network from /etc/cni/net.d.
func Example() {
	ctx := context.Background()
	network, err := libcni.LoadNetwork(libcni.DefaultConfDir, "mynet")
	if err != nil {
		log.Fatal(err)
	}
	cni := libcni.New(libcni.WithPluginTimeout(30 * time.Second))
	rt := &libcni.RuntimeConf{
		ContainerID: "0123456789ab",
		NetNS:       "/var/run/netns/mycontainer",
		IfName:      "eth0",
		CapabilityArgs: map[string]any{
			"portMappings": []map[string]any{{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}},
		},
	}
	result, err := cni.Add(ctx, network, rt)
	if err != nil {
		// A failed ADD has been rolled back already.
		log.Fatal(err)
	}
	res, _ := current.GetResult(result)
	fmt.Println("address:", res.IPs[0].Address.String())

	// DEL replays the cached port mappings: the runtime need not keep them.
	if err := cni.Del(ctx, network, &libcni.RuntimeConf{ContainerID: rt.ContainerID, NetNS: rt.NetNS, IfName: "eth0"}); err != nil {
		log.Fatal(err)
	}
}

// LoadDir reads a whole configuration directory; a broken file is listed
// with the reason and does not hide the other networks.
func ExampleLoadDir() {
	dir, _ := os.MkdirTemp("", "netconf")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "10-good.conflist"), []byte(`{
  "cniVersion": "1.0.0", "cniVersions": ["1.0.0", "1.1.0"], "name": "good",
  "plugins": [{"type": "bridge"}, {"type": "portmap", "capabilities": {"portMappings": true}}]
}`), 0o644)
	os.WriteFile(filepath.Join(dir, "20-broken.conflist"), []byte(`{
  "cniVersion": "1.0.0",
  "name": "broken",
  "plugins": [{"type": "bridge"},]
}`), 0o644)

	cat, err := libcni.LoadDir(dir)
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range cat.Networks {
		fmt.Println(n.Name, n.CNIVersion, len(n.Plugins), "plugins")
	}
	for _, bad := range cat.Invalid {
		fmt.Println(filepath.Base(bad.File), "->", bad.Err)
	}
	// Output:
	// good 1.1.0 2 plugins
	// 20-broken.conflist -> line 4, column 34: invalid JSON: invalid character ']' looking for beginning of value
}

// Errors keep the CNI error code and say which plugin failed, in which
// verb, for which container.
func ExampleError() {
	err := error(&libcni.Error{
		Verb: "ADD", Network: "mynet", ContainerID: "c1", IfName: "eth0",
		Plugin: &libcni.PluginRef{Index: 0, Type: "bridge"},
		Code:   11, Msg: "address pool busy", RolledBack: true,
	})
	var cniErr *libcni.Error
	if errors.As(err, &cniErr) && cniErr.Code == libcni.ErrCodeTryAgainLater {
		fmt.Println("retry later:", err)
	}
	fmt.Println(types.ErrTryAgainLater == libcni.CodeOf(err))
	// Output:
	// retry later: ADD network "mynet" container "c1" ifname "eth0": plugin #0 type="bridge": address pool busy (CNI error code 11); the partial attachment was rolled back
	// true
}
