// Package nfttest gives the tests of the portmap and firewall plugins
// their world, on top of package plugintest: a hermetic, leak-checked
// environment whose networks use the reference bridge and host-local
// plugins, containers that answer on TCP, UDP and SCTP ports, an "outside"
// namespace behind a veth pair from the host, probes that tell who
// answers a connection and where it saw it come from, counts of what an
// nftables table holds, and another program's rules that must stay as
// they are. It is meant for tests that run inside hermetic namespaces.
package nfttest

import (
	"context"
	"net"
	"testing"

	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/plugins/internal/nftutil"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// Env is one test's plugins, cache, IPAM data and state directories. Its
// Add attaches containers made for the purpose, unlike the Add of
// plugintest.Env.
type Env struct {
	*plugintest.Env
}

// New makes t hermetic and leak-checked and returns an Env driving the
// plugin of type typ of which, next to the reference bridge and
// host-local plugins, with a fresh state directory for cnictl's plugins.
// New links skip duplicate address detection, so that an IPv6 gateway
// answers at once. Networks are the networks of the test, as
// plugintest.Config has them.
func New(t *testing.T, which plugintest.Impl, typ string, networks ...string) *Env {
	t.Helper()
	e := plugintest.New(t, plugintest.Config{
		Plugin: typ, Impl: which, Reference: []string{"bridge", "host-local"},
		Networks: networks, StateEnv: nftutil.EnvStateDir,
	})
	plugintest.NoDAD(t)
	return &Env{Env: e}
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
		"ipam": map[string]any{"type": "host-local", "ranges": ranges},
	}
	l := e.List(b.Name, "1.1.0", append([]map[string]any{bridge}, chained...)...)
	e.DeleteLinkAtEnd(b.Device)
	return l
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
	path := e.Container(l.Name + "-" + id)
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
	for _, ipc := range plugintest.AsCurrent(e.T, res).IPs {
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
	c.env.Del(c.l, c.rt)
	c.attached = false
}

// Check runs CHECK on the attachment.
func (c *Container) Check() error { return c.env.Check(c.l, c.rt) }

// Forget removes the attachment from libcni's cache, as if the runtime had
// lost it: only the plugins' GC can clean it up then.
func (c *Container) Forget() {
	c.env.T.Helper()
	c.env.Forget(c.l, c.rt)
	c.attached = false
}
