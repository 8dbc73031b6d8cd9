package portmap

import (
	"github.com/containernetworking/cni/pkg/skel"
)

// cmdGC removes the mappings of every attachment of the network that is
// not in cni.dev/valid-attachments.
func cmdGC(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	return records.GC(conf.network, conf.valid)
}
