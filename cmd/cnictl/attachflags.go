package main

import (
	"os"

	"github.com/spf13/pflag"

	"github.com/cnictl/cnictl/libcni"
)

// Environment variables that cnitool reads for the attachment parameters;
// cnictl reads them when the matching flag is not given.
const (
	envIfName  = "CNI_IFNAME"
	envCNIArgs = "CNI_ARGS"
	envCapArgs = "CAP_ARGS"
)

// defaultIfName is the container-side interface name when none is given.
const defaultIfName = "eth0"

// attachFlags are the attachment parameters of add, check, del and run.
type attachFlags struct {
	ifName      string
	containerID string
	cniArgs     string
	capArgs     string
	publish     []string
	ips         []string
	mac         string
}

// register adds every attachment flag: the interface and container ID and
// the arguments.
func (f *attachFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.ifName, "ifname", defaultIfName, "interface name inside the container (env "+envIfName+")")
	fs.StringVar(&f.containerID, "container-id", "", `container ID (default: derived from the netns path as cnitool does, "cnitool-<hash>")`)
	f.registerArgs(fs)
}

// registerArgs adds the flags of CNI_ARGS and capability args only.
func (f *attachFlags) registerArgs(fs *pflag.FlagSet) {
	fs.StringVar(&f.cniArgs, "args", "", "CNI_ARGS as K=V;K2=V2 (env "+envCNIArgs+")")
	fs.StringVar(&f.capArgs, "cap-args", "", `capability args as a JSON object, e.g. '{"bandwidth":{"ingressRate":10000000,"ingressBurst":1000000}}' (env `+envCapArgs+")")
	fs.StringArrayVar(&f.publish, "publish", nil, `publish a port: [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp|sctp] ("portMappings" capability; repeatable)`)
	fs.StringArrayVar(&f.ips, "ip", nil, `request an IP address, with or without prefix length ("ips" capability; repeatable)`)
	fs.StringVar(&f.mac, "mac", "", `request a MAC address ("mac" capability)`)
}

// applyEnv takes the values of flags not given on the command line from
// the environment, as cnitool does.
func (f *attachFlags) applyEnv(fs *pflag.FlagSet) {
	for _, e := range []struct {
		flag, env string
		dst       *string
	}{
		{"ifname", envIfName, &f.ifName},
		{"args", envCNIArgs, &f.cniArgs},
		{"cap-args", envCapArgs, &f.capArgs},
	} {
		if fs.Lookup(e.flag) == nil || fs.Changed(e.flag) {
			continue
		}
		if v := os.Getenv(e.env); v != "" {
			*e.dst = v
		}
	}
}

// runtimeConf returns the attachment parameters for the netns at path,
// with the container ID of --container-id or derived from path.
func (f *attachFlags) runtimeConf(path string) (*libcni.RuntimeConf, error) {
	rt := &libcni.RuntimeConf{ContainerID: f.containerID, NetNS: path, IfName: f.ifName}
	if rt.ContainerID == "" {
		rt.ContainerID = defaultContainerID(path)
	}
	var err error
	if rt.Args, err = f.parsedCNIArgs(); err != nil {
		return nil, err
	}
	if rt.CapabilityArgs, err = f.capabilityArgs(); err != nil {
		return nil, err
	}
	return rt, nil
}

// parsedCNIArgs parses --args.
func (f *attachFlags) parsedCNIArgs() ([][2]string, error) {
	if f.cniArgs == "" {
		return nil, nil
	}
	args, err := parseCNIArgs(f.cniArgs)
	if err != nil {
		return nil, &usageError{err: err}
	}
	return args, nil
}

// capabilityArgs merges --cap-args with --publish, --ip and --mac. A
// capability given both ways is an error rather than silently dropped.
func (f *attachFlags) capabilityArgs() (map[string]any, error) {
	caps := map[string]any{}
	if f.capArgs != "" {
		parsed, err := parseCapArgs(f.capArgs)
		if err != nil {
			return nil, &usageError{err: err}
		}
		caps = parsed
	}
	set := func(capability, flag string, v any) error {
		if _, ok := caps[capability]; ok {
			return usagef("capability %q is given both in --cap-args and by %s", capability, flag)
		}
		caps[capability] = v
		return nil
	}
	if len(f.publish) > 0 {
		mappings := make([]portMapping, 0, len(f.publish))
		for _, p := range f.publish {
			pm, err := parsePublish(p)
			if err != nil {
				return nil, &usageError{err: err}
			}
			mappings = append(mappings, pm)
		}
		if err := set("portMappings", "--publish", mappings); err != nil {
			return nil, err
		}
	}
	if len(f.ips) > 0 {
		ips := make([]string, 0, len(f.ips))
		for _, s := range f.ips {
			ip, err := parseIP(s)
			if err != nil {
				return nil, &usageError{err: err}
			}
			ips = append(ips, ip)
		}
		if err := set("ips", "--ip", ips); err != nil {
			return nil, err
		}
	}
	if f.mac != "" {
		mac, err := parseMAC(f.mac)
		if err != nil {
			return nil, &usageError{err: err}
		}
		if err := set("mac", "--mac", mac); err != nil {
			return nil, err
		}
	}
	if len(caps) == 0 {
		return nil, nil
	}
	return caps, nil
}
