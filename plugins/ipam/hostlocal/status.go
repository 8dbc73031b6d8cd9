package hostlocal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/plugins"
)

// cmdStatus reports the plugin unavailable, with CNI error code 50, when
// some range set of the network has no free address, since every ADD
// would then fail.
func cmdStatus(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	full, err := exhaustedSet(conf)
	if err != nil {
		return fmt.Errorf("host-local: network %q: status: %w", conf.Name, err)
	}
	if full >= 0 {
		return types.NewError(plugins.ErrPluginNotAvailable, fmt.Sprintf("host-local: network %q: no free address in %s",
			conf.Name, describeSet(full, &conf.Ranges[full])), "")
	}
	return nil
}

// exhaustedSet returns the index of the first range set without a free
// address, or -1 if every range set has one.
func exhaustedSet(conf *config) (int, error) {
	// A network that never allocated has no directory; do not create one.
	if _, err := os.Stat(filepath.Join(conf.DataDir, conf.Name)); errors.Is(err, fs.ErrNotExist) {
		return -1, nil
	}
	s, err := openStore(conf)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	allocs, err := s.allocations()
	if err != nil {
		return 0, err
	}
	for idx, set := range conf.Ranges {
		if free(set, allocs).Sign() <= 0 {
			return idx, nil
		}
	}
	return -1, nil
}
