package tuning

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/utils/sysctl"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// save records the current values of what c changes on link and in the
// sysctls. A sysctl that cannot be read, such as the write-only
// net.ipv4.route.flush, is an action rather than a setting: it is not
// saved.
func save(c *config, link netlink.Link) *backup {
	attrs := link.Attrs()
	b := &backup{}
	if c.Mac != "" {
		b.Mac = attrs.HardwareAddr.String()
	}
	if c.Promisc {
		b.Promisc = ptr(attrs.Promisc != 0)
	}
	if c.Mtu != 0 {
		b.Mtu = attrs.MTU
	}
	if c.Allmulti != nil {
		b.Allmulti = ptr(attrs.RawFlags&unix.IFF_ALLMULTI != 0)
	}
	if c.TxQLen != nil {
		b.TxQLen = ptr(attrs.TxQLen)
	}
	for _, s := range c.settings {
		if v, err := sysctl.Sysctl(s.path); err == nil {
			if b.Sysctl == nil {
				b.Sysctl = map[string]string{}
			}
			b.Sysctl[s.path] = v
		}
	}
	return b
}

// apply writes the sysctls of c and then changes link, in the reference
// plugin's order.
func apply(c *config, link netlink.Link) error {
	for _, s := range c.settings {
		if err := writeSysctl(s.path, s.value); err != nil {
			return fmt.Errorf("setting sysctl %q to %q: %w", s.key, s.value, err)
		}
	}
	if c.Mac != "" {
		if err := setMac(link, c.Mac); err != nil {
			return err
		}
	}
	if c.Promisc {
		if err := setPromisc(link, true); err != nil {
			return err
		}
	}
	if c.Mtu != 0 {
		if err := setMtu(link, c.Mtu); err != nil {
			return err
		}
	}
	if c.Allmulti != nil {
		if err := setAllmulti(link, *c.Allmulti); err != nil {
			return err
		}
	}
	if c.TxQLen != nil {
		if err := setTxQLen(link, *c.TxQLen); err != nil {
			return err
		}
	}
	return nil
}

// restore puts back what b saved: the interface named ifName, if it still
// exists, in the reference plugin's order, and then the sysctls; those of
// an interface that is gone are skipped. It tries everything and returns
// every failure.
func restore(b *backup, ifName string) error {
	var errs []error
	link, err := netlinksafe.LinkByName(ifName)
	var notFound netlink.LinkNotFoundError
	gone := errors.As(err, &notFound)
	switch {
	case gone:
	case err != nil:
		errs = append(errs, fmt.Errorf("finding %q: %w", ifName, err))
	default:
		errs = append(errs, restoreLink(b, link)...)
	}
	for _, path := range slices.Sorted(maps.Keys(b.Sysctl)) {
		value := b.Sysctl[path]
		err := writeSysctl(path, value)
		if err != nil && !(gone && errors.Is(err, unix.ENOENT)) {
			errs = append(errs, fmt.Errorf("restoring sysctl %s to %q: %w", path, value, err))
		}
	}
	return errors.Join(errs...)
}

// restoreLink puts back the interface attributes b saved.
func restoreLink(b *backup, link netlink.Link) []error {
	var errs []error
	if b.Mtu != 0 {
		errs = append(errs, setMtu(link, b.Mtu))
	}
	if b.Mac != "" {
		errs = append(errs, setMac(link, b.Mac))
	}
	if b.Promisc != nil {
		errs = append(errs, setPromisc(link, *b.Promisc))
	}
	if b.Allmulti != nil {
		errs = append(errs, setAllmulti(link, *b.Allmulti))
	}
	if b.TxQLen != nil {
		errs = append(errs, setTxQLen(link, *b.TxQLen))
	}
	return errs
}

func setMac(link netlink.Link, mac string) error {
	hw, err := net.ParseMAC(mac)
	if err != nil {
		return fmt.Errorf("invalid MAC address %q: %w", mac, err)
	}
	if err := netlink.LinkSetHardwareAddr(link, hw); err != nil {
		return fmt.Errorf("setting the MAC address of %q to %s: %w", link.Attrs().Name, mac, err)
	}
	return nil
}

func setPromisc(link netlink.Link, on bool) error {
	set := netlink.SetPromiscOff
	if on {
		set = netlink.SetPromiscOn
	}
	if err := set(link); err != nil {
		return fmt.Errorf("setting promiscuous mode of %q to %v: %w", link.Attrs().Name, on, err)
	}
	return nil
}

func setMtu(link netlink.Link, mtu int) error {
	if err := netlink.LinkSetMTU(link, mtu); err != nil {
		return fmt.Errorf("setting the MTU of %q to %d: %w", link.Attrs().Name, mtu, err)
	}
	return nil
}

func setAllmulti(link netlink.Link, on bool) error {
	set := netlink.LinkSetAllmulticastOff
	if on {
		set = netlink.LinkSetAllmulticastOn
	}
	if err := set(link); err != nil {
		return fmt.Errorf("setting all-multicast mode of %q to %v: %w", link.Attrs().Name, on, err)
	}
	return nil
}

func setTxQLen(link netlink.Link, qlen int) error {
	if err := netlink.LinkSetTxQLen(link, qlen); err != nil {
		return fmt.Errorf("setting the transmit queue length of %q to %d: %w", link.Attrs().Name, qlen, err)
	}
	return nil
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
