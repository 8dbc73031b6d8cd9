package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/containernetworking/cni/pkg/types"
	types100 "github.com/containernetworking/cni/pkg/types/100"
)

// resultView is the result of an ADD. Its JSON is the CNI result exactly
// as cnitool prints it; its table shows interfaces, addresses, routes and
// DNS.
type resultView struct {
	result types.Result
}

// MarshalJSON encodes the result as the plugins printed it, converted to
// the network's cniVersion.
func (v resultView) MarshalJSON() ([]byte, error) {
	data, err := json.Marshal(v.result)
	if err != nil {
		return nil, fmt.Errorf("encoding result: %w", err)
	}
	return data, nil
}

func (v resultView) writeTable(w io.Writer) error {
	return writeResult(w, v.result)
}

// writeResult renders a CNI result of any version as tables, each one left
// out when the result has nothing for it.
func writeResult(w io.Writer, result types.Result) error {
	r, err := types100.NewResultFromResult(result)
	if err != nil {
		return fmt.Errorf("reading result: %w", err)
	}
	var blocks []func() error
	if len(r.Interfaces) > 0 {
		rows := make([][]string, 0, len(r.Interfaces))
		for i, iface := range r.Interfaces {
			mtu := ""
			if iface.Mtu > 0 {
				mtu = strconv.Itoa(iface.Mtu)
			}
			rows = append(rows, []string{strconv.Itoa(i), iface.Name, iface.Mac, mtu, iface.Sandbox})
		}
		blocks = append(blocks, func() error {
			return writeTable(w, []string{"#", "INTERFACE", "MAC", "MTU", "SANDBOX"}, rows)
		})
	}
	if len(r.IPs) > 0 {
		rows := make([][]string, 0, len(r.IPs))
		for _, ip := range r.IPs {
			rows = append(rows, []string{ip.Address.String(), ipString(ip.Gateway), interfaceName(r, ip.Interface)})
		}
		blocks = append(blocks, func() error {
			return writeTable(w, []string{"ADDRESS", "GATEWAY", "INTERFACE"}, rows)
		})
	}
	if len(r.Routes) > 0 {
		rows := make([][]string, 0, len(r.Routes))
		for _, rt := range r.Routes {
			rows = append(rows, []string{rt.Dst.String(), ipString(rt.GW)})
		}
		blocks = append(blocks, func() error {
			return writeTable(w, []string{"ROUTE", "GATEWAY"}, rows)
		})
	}
	if !r.DNS.IsEmpty() {
		blocks = append(blocks, func() error {
			return writeFields(w, [][2]string{
				{"DNS nameservers", strings.Join(r.DNS.Nameservers, ", ")},
				{"DNS domain", r.DNS.Domain},
				{"DNS search", strings.Join(r.DNS.Search, ", ")},
				{"DNS options", strings.Join(r.DNS.Options, ", ")},
			})
		})
	}
	if len(blocks) == 0 {
		if _, err := fmt.Fprintf(w, "empty result (cniVersion %s)\n", result.Version()); err != nil {
			return fmt.Errorf("writing output: %w", err)
		}
		return nil
	}
	for i, block := range blocks {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return fmt.Errorf("writing output: %w", err)
			}
		}
		if err := block(); err != nil {
			return err
		}
	}
	return nil
}

// resultIPs lists the addresses of a result.
func resultIPs(result types.Result) ([]string, error) {
	r, err := types100.NewResultFromResult(result)
	if err != nil {
		return nil, fmt.Errorf("reading result: %w", err)
	}
	ips := make([]string, 0, len(r.IPs))
	for _, ip := range r.IPs {
		ips = append(ips, ip.Address.String())
	}
	return ips, nil
}

// interfaceName is the name of the interface an IP belongs to, by its index
// into the result's interfaces.
func interfaceName(r *types100.Result, idx *int) string {
	if idx == nil || *idx < 0 || *idx >= len(r.Interfaces) {
		return ""
	}
	return r.Interfaces[*idx].Name
}

// ipString is ip as text, "" for none.
func ipString(ip net.IP) string {
	if ip == nil {
		return ""
	}
	return ip.String()
}
