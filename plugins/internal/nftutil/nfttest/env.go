// Package nfttest gives the tests of the portmap and firewall plugins
// their world: a hermetic, leak-checked environment whose networks use the
// reference bridge and host-local plugins, containers that answer on TCP
// and UDP ports, and an "outside" namespace behind a veth pair from the
// host. It is meant for tests that run inside hermetic namespaces.
package nfttest

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/cache"
	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/netnsmgr"
	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// Env is one test's plugins, cache, IPAM data and state directories.
type Env struct {
	T        *testing.T
	CNI      *libcni.CNI
	CacheDir string
	IPAMDir  string
	StateDir string
	netns    *netnsmgr.Manager
}

// New makes t hermetic and leak-checked and returns an Env that finds
// plugins in dirs first, then among the reference plugins (bridge and
// host-local are built). The state directory of cnictl's plugins is fresh.
// host-local keeps a few files per network after its last release: they
// are made here for each of networks, before the leak check could count
// them.
func New(t *testing.T, dirs []string, networks ...string) *Env {
	t.Helper()
	hermetic.Require(t)
	e := &Env{T: t, CacheDir: t.TempDir(), IPAMDir: t.TempDir(), StateDir: t.TempDir(), netns: netnsmgr.New("")}
	t.Setenv(nftutil.EnvStateDir, e.StateDir)
	// New links skip duplicate address detection, so that an IPv6
	// gateway answers at once; the namespace is the test's own.
	for _, f := range []string{"/proc/sys/net/ipv6/conf/default/accept_dad", "/proc/sys/net/ipv6/conf/all/accept_dad"} {
		if err := os.WriteFile(f, []byte("0"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dirs = append(dirs, testbin.Reference(t, "bridge", "host-local"))
	e.CNI = libcni.New(libcni.WithPluginDirs(dirs...), libcni.WithCacheDir(e.CacheDir))
	// The network lock file is made once per cache directory and stays.
	lock, err := e.CNI.Cache().LockNetwork(context.Background(), "any", false)
	if err != nil {
		t.Fatal(err)
	}
	lock.Unlock()
	for _, name := range networks {
		dir := filepath.Join(e.IPAMDir, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"lock", "last_reserved_ip.0", "last_reserved_ip.1"} {
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	hermetic.CheckLeaks(t, e.CacheDir, e.IPAMDir, e.StateDir)
	return e
}

// Bridge describes a network of the reference bridge plugin with
// host-local addresses in Subnets (IPv4 and IPv6 ones).
type Bridge struct {
	Name    string
	Device  string
	Subnets []string
	// Hairpin lets a container reach itself through the host.
	Hairpin bool
}

// Network builds the network conflist at cniVersion 1.1.0: the bridge
// followed by the chained plugin configurations. Its name must be among
// the networks given to New. The bridge device is
// deleted when t ends, before the leak check: the reference plugin keeps
// it after the last DEL.
func (e *Env) Network(b Bridge, chained ...map[string]any) *libcni.NetworkConfigList {
	e.T.Helper()
	var ranges []any
	for _, s := range b.Subnets {
		ranges = append(ranges, []any{map[string]any{"subnet": s}})
	}
	bridge := map[string]any{
		"type": "bridge", "bridge": b.Device, "isDefaultGateway": true, "hairpinMode": b.Hairpin,
		"ipam": map[string]any{"type": "host-local", "dataDir": e.IPAMDir, "ranges": ranges},
	}
	plugins := []any{bridge}
	for _, c := range chained {
		plugins = append(plugins, c)
	}
	data, err := json.Marshal(map[string]any{"cniVersion": "1.1.0", "name": b.Name, "plugins": plugins})
	if err != nil {
		e.T.Fatal(err)
	}
	l, err := libcni.ConfListFromBytes(data)
	if err != nil {
		e.T.Fatalf("network %s: %v", data, err)
	}
	e.T.Cleanup(func() {
		if l, err := netlink.LinkByName(b.Device); err == nil {
			if err := netlink.LinkDel(l); err != nil {
				e.T.Errorf("deleting bridge %s: %v", b.Device, err)
			}
		}
	})
	return l
}

// DeleteTablesAtEnd deletes nftables tables ("family name") when t ends,
// before the leak check: the reference plugins keep theirs after the last
// DEL, and iptables -P makes iptables-nft's. Missing tables are skipped.
func (e *Env) DeleteTablesAtEnd(tables ...string) {
	e.T.Cleanup(func() {
		for _, table := range tables {
			exec.Command("nft", append([]string{"delete", "table"}, strings.Fields(table)...)...).Run()
		}
	})
}

// Container is a network namespace attached to a network as eth0.
type Container struct {
	ID string
	// NS is the path of its namespace.
	NS  string
	IPs []net.IP
	env *Env
	l   *libcni.NetworkConfigList
	rt  *libcni.RuntimeConf
	// attached is cleared once the attachment is deleted.
	attached bool
}

// Add creates a namespace and attaches it to l as container id, with the
// capability arguments caps. The attachment is deleted, then the namespace,
// when t ends, unless the test did it.
func (e *Env) Add(l *libcni.NetworkConfigList, id string, caps map[string]any) *Container {
	e.T.Helper()
	name := l.Name + "-" + id
	path, err := e.netns.Create(name)
	if err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(func() {
		if err := e.netns.Delete(name); err != nil {
			e.T.Error(err)
		}
	})
	c := &Container{ID: id, NS: path, env: e, l: l}
	c.rt = &libcni.RuntimeConf{ContainerID: id, NetNS: path, IfName: "eth0", CapabilityArgs: caps}
	res, err := e.CNI.Add(context.Background(), l, c.rt)
	if err != nil {
		e.T.Fatalf("ADD %s: %v", id, err)
	}
	c.attached = true
	e.T.Cleanup(func() {
		if c.attached {
			if err := e.CNI.Del(context.Background(), l, c.rt); err != nil {
				e.T.Errorf("DEL %s at cleanup: %v", id, err)
			}
		}
	})
	cur, err := current.NewResultFromResult(res)
	if err != nil {
		e.T.Fatal(err)
	}
	for _, ipc := range cur.IPs {
		c.IPs = append(c.IPs, ipc.Address.IP)
	}
	return c
}

// IP returns the container's IPv4 or IPv6 address.
func (c *Container) IP(v6 bool) net.IP {
	for _, ip := range c.IPs {
		if (ip.To4() == nil) == v6 {
			return ip
		}
	}
	c.env.T.Fatalf("container %s has no IPv6=%t address", c.ID, v6)
	return nil
}

// Del deletes the attachment and fails t on error.
func (c *Container) Del() {
	c.env.T.Helper()
	if err := c.env.CNI.Del(context.Background(), c.l, c.rt); err != nil {
		c.env.T.Fatalf("DEL %s: %v", c.ID, err)
	}
	c.attached = false
}

// Check runs CHECK on the attachment.
func (c *Container) Check() error { return c.env.CNI.Check(context.Background(), c.l, c.rt) }

// Forget removes the attachment from libcni's cache, as if the runtime had
// lost it: only the plugins' GC can clean it up then.
func (c *Container) Forget() {
	c.env.T.Helper()
	if err := c.env.CNI.Cache().Remove(cache.Key{Network: c.l.Name, ContainerID: c.ID, IfName: c.rt.IfName}); err != nil {
		c.env.T.Fatal(err)
	}
	c.attached = false
}
