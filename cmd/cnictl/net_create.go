package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"

	"github.com/containernetworking/cni/pkg/utils"
	"github.com/spf13/cobra"

	"github.com/cnictl/cnictl/libcni"
)

// netCreateOptions are the flags of `net create`.
type netCreateOptions struct {
	subnet, gateway, ipRange string
	driver, master, bridge   string
	internal, isolated       bool
	mtu                      int
}

func newNetCreateCommand(a *app) *cobra.Command {
	var o netCreateOptions
	cmd := &cobra.Command{
		Use:   "create NAME --subnet CIDR",
		Short: "Write a network configuration to the configuration directory",
		Long: `Write <conf-dir>/NAME.conflist for a new network, atomically.

The bridge driver (default) makes a NATed bridge with published ports
(portmap), a firewall (ingressPolicy same-bridge, or isolated with
--isolated), tuning, rate limits on request (bandwidth capability:
--cap-args '{"bandwidth":{...}}') and loopback; --internal leaves out NAT
and the default route.
The ptp driver routes each container through its own veth pair; the
macvlan driver puts containers on --master's segment.

The subnet must overlap neither a host route nor another network. A
network named cnictl takes the place of the built-in one.`,
		Example: `  cnictl net create web --subnet 10.30.0.0/24
  cnictl net create back --subnet 10.31.0.0/24 --internal --isolated
  cnictl net create lan --driver macvlan --master eth1 --subnet 192.168.50.0/24 --ip-range 192.168.50.128/25`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.createNetwork(args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.subnet, "subnet", "", "subnet of the network, in CIDR notation (required)")
	f.StringVar(&o.gateway, "gateway", "", "gateway address (default: the first address of the subnet)")
	f.StringVar(&o.ipRange, "ip-range", "", "hand out addresses only from this CIDR inside the subnet")
	f.StringVar(&o.driver, "driver", "bridge", "bridge, ptp or macvlan")
	f.StringVar(&o.master, "master", "", "macvlan: the host interface (default: the one of the default route)")
	f.StringVar(&o.bridge, "bridge", "", "bridge: the bridge device (default: cni-NAME, cut to 15 characters)")
	f.BoolVar(&o.internal, "internal", false, "no NAT and no default route: containers reach only the network")
	f.BoolVar(&o.isolated, "isolated", false, "firewall ingressPolicy isolated: not even containers of the same network connect in")
	f.IntVar(&o.mtu, "mtu", 0, "MTU of the container interfaces (default: the kernel's)")
	return cmd
}

func (a *app) createNetwork(name string, o netCreateOptions) error {
	if err := utils.ValidateNetworkName(name); err != nil {
		return usagef("network name %q: %s", name, err.Msg)
	}
	if o.subnet == "" {
		return usagef("net create needs --subnet")
	}
	_, subnet, err := net.ParseCIDR(o.subnet)
	if err != nil {
		return usagef("--subnet %q: %v", o.subnet, err)
	}
	ipam := map[string]any{"type": "host-local", "subnet": subnet.String()}
	if o.gateway != "" {
		gw := net.ParseIP(o.gateway)
		if gw == nil || !subnet.Contains(gw) {
			return usagef("--gateway %q: not an address in %s", o.gateway, subnet)
		}
		ipam["gateway"] = gw.String()
	}
	if o.ipRange != "" {
		_, r, err := net.ParseCIDR(o.ipRange)
		if err != nil || !subnet.Contains(r.IP) {
			return usagef("--ip-range %q: not a CIDR inside %s", o.ipRange, subnet)
		}
		first, last := rangeBounds(r)
		ipam["rangeStart"], ipam["rangeEnd"] = first.String(), last.String()
	}
	if !o.internal {
		ipam["routes"] = []map[string]string{{"dst": defaultRouteFor(subnet)}}
	}
	if o.mtu < 0 {
		return usagef("--mtu %d: must not be negative", o.mtu)
	}

	cat, err := a.catalog()
	if err != nil {
		return err
	}
	// A file may take the built-in network's place.
	if existing, err := cat.Get(name); !libcni.IsNotFound(err) && (existing == nil || existing.Source != builtinSource) {
		return usagef("network %q exists already", name)
	}
	taken, err := takenSubnets(cat, "")
	if err != nil {
		return err
	}
	if t := overlapping(subnet, taken); t != nil {
		return usagef("--subnet %s overlaps %s, a host route or the subnet of another network", subnet, t)
	}
	plugins, err := o.chain(name, ipam)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(map[string]any{"cniVersion": "1.1.0", "name": name, "plugins": plugins}, "", "  ")
	if err != nil {
		return err
	}
	if _, err := libcni.ConfListFromBytes(data); err != nil {
		return fmt.Errorf("generated configuration for %q: %w", name, err)
	}
	path := filepath.Join(a.confDir, name+".conflist")
	if err := writeNewFile(path, append(data, '\n')); err != nil {
		return err
	}
	return a.out.Action(netCreated{Network: name, File: path, Subnet: subnet.String(), Driver: o.driver})
}

// chain is the plugin list of the driver.
func (o netCreateOptions) chain(name string, ipam map[string]any) ([]any, error) {
	withMTU := func(m map[string]any) map[string]any {
		if o.mtu > 0 {
			m["mtu"] = o.mtu
		}
		return m
	}
	policy := "same-bridge"
	if o.isolated {
		policy = "isolated"
	}
	filters := []any{
		map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		map[string]any{"type": "firewall", "ingressPolicy": policy},
		map[string]any{"type": "tuning"},
		map[string]any{"type": "bandwidth", "capabilities": map[string]bool{"bandwidth": true}},
		map[string]any{"type": "loopback"},
	}
	switch o.driver {
	case "bridge":
		bridge := o.bridge
		if bridge == "" {
			bridge = "cni-" + name
		}
		if len(bridge) > 15 {
			bridge = bridge[:15]
		}
		main := withMTU(map[string]any{"type": "bridge", "bridge": bridge, "isGateway": !o.internal,
			"ipMasq": !o.internal, "hairpinMode": true, "ipam": ipam})
		return append([]any{main}, filters...), nil
	case "ptp":
		main := withMTU(map[string]any{"type": "ptp", "ipMasq": !o.internal, "ipam": ipam})
		return append([]any{main}, filters...), nil
	case "macvlan":
		main := withMTU(map[string]any{"type": "macvlan", "mode": "bridge", "ipam": ipam})
		if o.master != "" {
			main["master"] = o.master
		}
		return []any{main, map[string]any{"type": "tuning"}, map[string]any{"type": "loopback"}}, nil
	}
	return nil, usagef("--driver %q: want bridge, ptp or macvlan", o.driver)
}

// rangeBounds returns the first and last usable addresses of r: without
// the network address, and for IPv4 without the broadcast address.
func rangeBounds(r *net.IPNet) (net.IP, net.IP) {
	first := append(net.IP(nil), r.IP...)
	last := append(net.IP(nil), r.IP...)
	for i := range last {
		last[i] |= ^r.Mask[i]
	}
	first[len(first)-1]++
	if r.IP.To4() != nil {
		last[len(last)-1]--
	}
	return first, last
}

func defaultRouteFor(subnet *net.IPNet) string {
	if subnet.IP.To4() != nil {
		return "0.0.0.0/0"
	}
	return "::/0"
}

// writeNewFile writes path atomically and refuses to replace a file.
func writeNewFile(path string, data []byte) error {
	if _, err := os.Stat(path); err == nil {
		return usagef("%s exists already", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// A hard link instead of a rename fails if the file appeared since.
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// netCreated is what `net create` prints.
type netCreated struct {
	Network string `json:"network"`
	File    string `json:"file"`
	Subnet  string `json:"subnet"`
	Driver  string `json:"driver"`
}

func (n netCreated) writeTable(w io.Writer) error {
	_, err := fmt.Fprintf(w, "created network %q (%s, %s) in %s\n", n.Network, n.Driver, n.Subnet, n.File)
	return err
}
