package static

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
)

// cmdAdd prints the configured addresses, routes and DNS settings at the
// configuration's cniVersion.
func cmdAdd(args *skel.CmdArgs) error {
	conf, err := loadConfig(args.StdinData, args.Args)
	if err != nil {
		return err
	}
	return types.PrintResult(result(conf), conf.CNIVersion)
}

// result is the result of ADD for conf.
func result(conf *config) *current.Result {
	r := &current.Result{
		CNIVersion: current.ImplementedSpecVersion,
		Routes:     conf.Routes,
		DNS:        conf.DNS,
	}
	for _, a := range conf.Addresses {
		r.IPs = append(r.IPs, &current.IPConfig{Address: a.IPNet, Gateway: a.Gateway})
	}
	return r
}

// cmdDel does nothing: static allocates nothing.
func cmdDel(*skel.CmdArgs) error { return nil }
