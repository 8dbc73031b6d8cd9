package ptp

import (
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/skel"
	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/cnictl/cnictl/plugins/internal/nat"
)

// attachment identifies the attachment to the nat package.
func attachment(conf *netConf, args *skel.CmdArgs) nat.Attachment {
	return nat.Attachment{Network: conf.Name, ContainerID: args.ContainerID, IfName: args.IfName}
}

// masqNets are the container's addresses, each with its subnet's mask.
func masqNets(ips []*current.IPConfig) []*net.IPNet {
	nets := make([]*net.IPNet, len(ips))
	for i, ipc := range ips {
		nets[i] = &ipc.Address
	}
	return nets
}

// setupMasq masquerades the container's traffic leaving its subnets.
func setupMasq(conf *netConf, args *skel.CmdArgs, ips []*current.IPConfig) error {
	if err := nat.Setup(attachment(conf, args), masqNets(ips)); err != nil {
		return fmt.Errorf("setting up ipMasq: %w", err)
	}
	return nil
}

// teardownMasq removes the attachment's masquerading, if any.
func teardownMasq(conf *netConf, args *skel.CmdArgs) error {
	if err := nat.Teardown(attachment(conf, args)); err != nil {
		return fmt.Errorf("removing ipMasq: %w", err)
	}
	return nil
}

// checkMasq verifies the attachment's masquerading.
func checkMasq(conf *netConf, args *skel.CmdArgs, ips []*current.IPConfig) error {
	if err := nat.Check(attachment(conf, args), masqNets(ips)); err != nil {
		return fmt.Errorf("checking ipMasq: %w", err)
	}
	return nil
}

// gcMasq removes the masquerading of the network's attachments that are
// not valid any more.
func gcMasq(conf *netConf) error {
	if err := nat.GC(conf.Name, conf.ValidAttachments); err != nil {
		return fmt.Errorf("ipMasq: %w", err)
	}
	return nil
}
