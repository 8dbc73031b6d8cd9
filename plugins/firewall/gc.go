package firewall

import (
	"github.com/containernetworking/cni/pkg/skel"
)

// cmdGC removes what every attachment of the network that is not in
// cni.dev/valid-attachments installed.
func cmdGC(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	return records.GC(conf.network, conf.valid)
}
