package main

import (
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
)

// parseCNIArgs parses CNI_ARGS exactly as cnitool does: pairs separated by
// ';', each with exactly one '=' between a non-empty key and value.
func parseCNIArgs(s string) ([][2]string, error) {
	var pairs [][2]string
	for _, pair := range strings.Split(s, ";") {
		kv := strings.Split(pair, "=")
		if len(kv) != 2 || kv[0] == "" || kv[1] == "" {
			return nil, fmt.Errorf("invalid CNI_ARGS pair %q: want KEY=VALUE", pair)
		}
		pairs = append(pairs, [2]string{kv[0], kv[1]})
	}
	return pairs, nil
}

// parseCapArgs parses the capability args given as a JSON object.
func parseCapArgs(s string) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("capability args must be a JSON object: %w", err)
	}
	if m == nil {
		return nil, fmt.Errorf("capability args must be a JSON object, got %s", strings.TrimSpace(s))
	}
	return m, nil
}

// portMapping is one entry of the "portMappings" capability (CNI
// CONVENTIONS.md).
type portMapping struct {
	HostPort      int    `json:"hostPort"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
	HostIP        string `json:"hostIP,omitempty"`
}

// parsePublish parses a --publish value: HOSTPORT:CONTAINERPORT[/PROTO]
// or HOSTIP:HOSTPORT:CONTAINERPORT[/PROTO], an IPv6 host IP in brackets.
// The protocol is tcp, udp or sctp, tcp when not given.
func parsePublish(s string) (portMapping, error) {
	pm := portMapping{Protocol: "tcp"}
	spec := s
	if i := strings.LastIndexByte(spec, '/'); i >= 0 {
		pm.Protocol = strings.ToLower(spec[i+1:])
		spec = spec[:i]
		switch pm.Protocol {
		case "tcp", "udp", "sctp":
		default:
			return pm, fmt.Errorf("invalid --publish %q: protocol %q is not tcp, udp or sctp", s, pm.Protocol)
		}
	}
	if strings.HasPrefix(spec, "[") {
		end := strings.Index(spec, "]:")
		if end < 0 {
			return pm, fmt.Errorf("invalid --publish %q: want [HOSTIP]:HOSTPORT:CONTAINERPORT for an IPv6 host IP", s)
		}
		pm.HostIP = spec[1:end]
		spec = spec[end+2:]
		if !strings.Contains(pm.HostIP, ":") {
			return pm, fmt.Errorf("invalid --publish %q: brackets are for IPv6 host IPs only", s)
		}
	}
	parts := strings.Split(spec, ":")
	switch {
	case len(parts) == 3 && pm.HostIP == "":
		pm.HostIP = parts[0]
		parts = parts[1:]
	case len(parts) != 2:
		return pm, fmt.Errorf("invalid --publish %q: want HOSTPORT:CONTAINERPORT[/PROTO] or HOSTIP:HOSTPORT:CONTAINERPORT[/PROTO]", s)
	}
	if pm.HostIP != "" {
		addr, err := netip.ParseAddr(pm.HostIP)
		if err != nil || addr.Zone() != "" {
			return pm, fmt.Errorf("invalid --publish %q: host IP %q is not an IP address", s, pm.HostIP)
		}
		pm.HostIP = addr.String()
	}
	var err error
	if pm.HostPort, err = parsePort(parts[0]); err != nil {
		return pm, fmt.Errorf("invalid --publish %q: host port: %w", s, err)
	}
	if pm.ContainerPort, err = parsePort(parts[1]); err != nil {
		return pm, fmt.Errorf("invalid --publish %q: container port: %w", s, err)
	}
	return pm, nil
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", s)
	}
	return p, nil
}

// parseIP checks an --ip value: an IP address with or without a prefix
// length, as the "ips" capability allows (CNI CONVENTIONS.md). It is passed
// on as given, since plugins differ in whether they want the prefix.
func parseIP(s string) (string, error) {
	if _, err := netip.ParseAddr(s); err == nil {
		return s, nil
	}
	if _, err := netip.ParsePrefix(s); err == nil {
		return s, nil
	}
	return "", fmt.Errorf("invalid --ip %q: want an IP address, optionally with a prefix length (10.1.1.5 or 10.1.1.5/24)", s)
}

// parseMAC checks a --mac value.
func parseMAC(s string) (string, error) {
	if _, err := net.ParseMAC(s); err != nil {
		return "", fmt.Errorf("invalid --mac %q: %w", s, err)
	}
	return s, nil
}

// defaultContainerID derives the container ID from the netns path exactly
// as cnitool does, so that an attachment made by one tool can be checked
// and deleted by the other.
func defaultContainerID(netns string) string {
	// Abs fails only without a working directory; netns is then hashed as
	// given (cnitool gives up instead).
	if abs, err := filepath.Abs(netns); err == nil {
		netns = abs
	}
	sum := sha512.Sum512([]byte(netns))
	return fmt.Sprintf("cnitool-%x", sum[:10])
}
