package main

import (
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
)

// legacyDefaultIP is the address of a 0.1.0 or 0.2.0 result that would
// otherwise have none, as those versions require one.
const legacyDefaultIP = "192.0.2.1/24"

// add records the attachment in stateDir and prints the result.
func add(args *skel.CmdArgs, conf *config) error {
	if err := writeState(args, conf); err != nil {
		return err
	}
	result, err := buildResult(args.IfName, conf)
	if err != nil {
		return err
	}
	at := conf.CNIVersion
	if conf.ResultVersion != "" {
		at = conf.ResultVersion
	}
	if err := types.PrintResult(result, at); err != nil {
		return fmt.Errorf("printing result at version %s: %w", at, err)
	}
	return nil
}

// buildResult returns prevResult (or an empty result) with the interface,
// IP and DNS this plugin adds.
func buildResult(ifName string, conf *config) (*current.Result, error) {
	result := &current.Result{CNIVersion: current.ImplementedSpecVersion}
	if conf.PrevResult != nil {
		prev, err := current.NewResultFromResult(conf.PrevResult)
		if err != nil {
			return nil, fmt.Errorf("converting prevResult: %w", err)
		}
		result = prev
	}
	index := len(result.Interfaces)
	result.Interfaces = append(result.Interfaces, &current.Interface{Name: fmt.Sprintf("%s-%d", ifName, index)})
	if conf.IP != "" {
		ip, err := ipConfig(conf.IP, conf.Gateway)
		if err != nil {
			return nil, err
		}
		ip.Interface = current.Int(index)
		result.IPs = append(result.IPs, ip)
	}
	if !conf.DNS.IsEmpty() {
		result.DNS = conf.DNS
	}
	modern, err := version.GreaterThanOrEqualTo(conf.CNIVersion, "0.3.0")
	if err != nil {
		return nil, fmt.Errorf("comparing cniVersion: %w", err)
	}
	if !modern && len(result.IPs) == 0 {
		ip, err := ipConfig(legacyDefaultIP, "")
		if err != nil {
			return nil, err
		}
		result.IPs = append(result.IPs, ip)
	}
	return result, nil
}

// ipConfig parses an address in CIDR notation and an optional gateway.
func ipConfig(cidr, gateway string) (*current.IPConfig, error) {
	addr, err := types.ParseCIDR(cidr)
	if err != nil {
		return nil, fmt.Errorf("parsing ip %q: %w", cidr, err)
	}
	ip := &current.IPConfig{Address: *addr}
	if gateway != "" {
		if ip.Gateway = net.ParseIP(gateway); ip.Gateway == nil {
			return nil, fmt.Errorf("parsing gateway %q: not an IP address", gateway)
		}
	}
	return ip, nil
}
