package libcni

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/netnsmgr"
)

// refEnv drives the reference plugins, built from the pinned module, in
// the private namespaces of the test binary.
type refEnv struct {
	*env
	ipamDir string
	netns   *netnsmgr.Manager
}

func newRefEnv(t *testing.T) *refEnv {
	t.Helper()
	hermetic.Require(t)
	plugins := testbin.Reference(t, "bridge", "host-local", "loopback")
	e := newEnv(t, WithPluginDirs(plugins, testbin.Recorder(t)))
	r := &refEnv{env: e, ipamDir: filepath.Join(t.TempDir(), "ipam"), netns: netnsmgr.New("")}
	// The network lock file is made once per cache directory and stays.
	lock, err := e.cni.Cache().LockNetwork(context.Background(), "refnet", false)
	if err != nil {
		t.Fatal(err)
	}
	lock.Unlock()
	hermetic.CheckLeaks(t, e.cacheDir)
	// The reference bridge plugin keeps the bridge device after the last
	// DEL; remove it before the leak check runs.
	t.Cleanup(func() {
		if l, err := netlink.LinkByName("cnitest0"); err == nil {
			netlink.LinkDel(l)
		}
	})
	return r
}

// bridgeConf is a bridge + host-local + loopback chain, with extra
// recorder plugins spliced in at the given positions.
func (r *refEnv) bridgeConf(version string, around map[int]plugin) *NetworkConfigList {
	bridge := plugin{"type": "bridge", "bridge": "cnitest0", "isGateway": true,
		"ipam": map[string]any{"type": "host-local", "subnet": "10.99.0.0/24", "dataDir": r.ipamDir}}
	var chain []plugin
	for i, p := range []plugin{bridge, {"type": "loopback"}} {
		if extra, ok := around[i]; ok {
			chain = append(chain, extra)
		}
		chain = append(chain, p)
	}
	if extra, ok := around[2]; ok {
		chain = append(chain, extra)
	}
	return r.list("refnet", version, chain...)
}

func (r *refEnv) newNetns(t *testing.T, name string) string {
	t.Helper()
	path, err := r.netns.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.netns.Delete(name) })
	return path
}

// allocations lists the addresses host-local holds.
func (r *refEnv) allocations(t *testing.T) []string {
	t.Helper()
	var ips []string
	filepath.Walk(r.ipamDir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && net.ParseIP(fi.Name()) != nil {
			ips = append(ips, fi.Name())
		}
		return nil
	})
	return ips
}

// linksIn lists the links of a network namespace.
func linksIn(t *testing.T, nsPath string) []string {
	t.Helper()
	var names []string
	err := netnsmgr.Do(nsPath, func() error {
		links, err := netlink.LinkList()
		for _, l := range links {
			names = append(names, l.Attrs().Name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestReferenceChainConnectsTwoNamespaces(t *testing.T) {
	for _, version := range []string{"0.4.0", "1.0.0", "1.1.0"} {
		t.Run(version, func(t *testing.T) {
			r := newRefEnv(t)
			l := r.bridgeConf(version, nil)
			var ips []string
			var rts []*RuntimeConf
			for _, name := range []string{"ref-a", "ref-b"} {
				rt := &RuntimeConf{ContainerID: name, NetNS: r.newNetns(t, name), IfName: "eth0"}
				res, err := r.cni.Add(context.Background(), l, rt)
				if err != nil {
					t.Fatal(err)
				}
				rts = append(rts, rt)
				cur, err := current.GetResult(res)
				if err != nil {
					t.Fatal(err)
				}
				if res.Version() != version || len(cur.IPs) != 1 {
					t.Fatalf("result %+v", cur)
				}
				ips = append(ips, cur.IPs[0].Address.IP.String())
				if err := r.cni.Check(context.Background(), l, rt); err != nil {
					t.Fatalf("CHECK of a fresh attachment: %v", err)
				}
			}
			ping(t, "/run/netns/ref-a", ips[1])
			ping(t, "/run/netns/ref-b", ips[0])
			ping(t, "/run/netns/ref-a", "10.99.0.1")
			if got := r.allocations(t); len(got) != 2 {
				t.Fatalf("host-local holds %v", got)
			}
			for _, rt := range rts {
				if err := r.cni.Del(context.Background(), l, rt); err != nil {
					t.Fatal(err)
				}
				if links := linksIn(t, rt.NetNS); fmt.Sprint(links) != "[lo]" {
					t.Errorf("container links after DEL: %v", links)
				}
			}
			if got := r.allocations(t); len(got) != 0 {
				t.Errorf("allocations left after DEL: %v", got)
			}
		})
	}
}

func ping(t *testing.T, nsPath, ip string) {
	t.Helper()
	cmd := exec.Command("ping", "-c", "1", "-W", "2", ip)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := netnsmgr.New("").Run(context.Background(), nsPath, cmd); err != nil {
		t.Fatalf("ping %s from %s: %v\n%s", ip, nsPath, err, out)
	}
}

// TestReferenceChainRollbackLeavesNothing fails a real chain at every
// position: before the bridge, in the bridge (host-local refuses the
// requested address after the veth exists) and after the loopback.
func TestReferenceChainRollbackLeavesNothing(t *testing.T) {
	failADD := map[string]any{"ADD": map[string]any{"code": 11, "msg": "injected"}}
	cases := []struct {
		name   string
		around map[int]plugin
		args   [][2]string
		failAt int
	}{
		{"first", map[int]plugin{0: rec("first").with("fail", failADD)}, nil, 0},
		{"bridge", nil, [][2]string{{"IgnoreUnknown", "1"}, {"IP", "10.200.0.5"}}, 0},
		{"middle", map[int]plugin{1: rec("middle").with("fail", failADD)}, nil, 1},
		{"last", map[int]plugin{2: rec("last").with("fail", failADD)}, nil, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRefEnv(t)
			l := r.bridgeConf("1.0.0", tc.around)
			nsPath := r.newNetns(t, "rollback")
			rt := &RuntimeConf{ContainerID: "rb", NetNS: nsPath, IfName: "eth0", Args: tc.args}
			_, err := r.cni.Add(context.Background(), l, rt)
			var ce *Error
			if !asError(err, &ce) || !ce.RolledBack || ce.Plugin.Index != tc.failAt {
				t.Fatalf("ADD error %v, want a rolled-back failure of plugin #%d", err, tc.failAt)
			}
			if links := linksIn(t, nsPath); fmt.Sprint(links) != "[lo]" {
				t.Errorf("container links after rollback: %v", links)
			}
			if got := r.allocations(t); len(got) != 0 {
				t.Errorf("allocations after rollback: %v", got)
			}
			if f := r.cacheFiles(); len(f) != 0 {
				t.Errorf("cache files after rollback: %v", f)
			}
			links, _ := netlink.LinkList()
			for _, l := range links {
				if l.Type() == "veth" {
					t.Errorf("host veth left after rollback: %s", l.Attrs().Name)
				}
			}
		})
	}
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	*target = e
	return ok
}
