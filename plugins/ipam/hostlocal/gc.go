package hostlocal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/containernetworking/cni/pkg/skel"
)

// cmdGC releases every allocation of the network whose attachment is not
// in cni.dev/valid-attachments. The lock and last_reserved_ip.* files stay.
func cmdGC(args *skel.CmdArgs) error {
	conf, err := loadConfig(args)
	if err != nil {
		return err
	}
	if err := gc(conf); err != nil {
		return fmt.Errorf("host-local: network %q: garbage collection: %w", conf.Name, err)
	}
	return nil
}

// gc releases the allocations of attachments that are no longer valid. A
// file that records a container ID without an ifname is kept while any
// attachment of that container is valid.
func gc(conf *config) error {
	type key struct{ id, ifname string }
	valid := map[key]bool{}
	validIDs := map[string]bool{}
	for _, a := range conf.NetConf.ValidAttachments {
		id := strings.TrimSpace(a.ContainerID)
		valid[key{id, a.IfName}] = true
		validIDs[id] = true
	}
	s, err := openStore(conf)
	if err != nil {
		return err
	}
	defer s.Close()
	allocs, err := s.allocations()
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range allocs {
		if valid[key{a.containerID, a.ifname}] || (a.ifname == "" && validIDs[a.containerID]) {
			continue
		}
		if err := os.Remove(a.file); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("releasing %s held by %s: %w", a.ip, a, err))
		}
	}
	return errors.Join(errs...)
}
