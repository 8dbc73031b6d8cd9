package hostlocal

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/plugins/plugins/ipam/host-local/backend"
	"github.com/containernetworking/plugins/plugins/ipam/host-local/backend/disk"
)

// store is the allocation directory of one network, in the reference's
// disk layout: one file per allocated address, named by the address and
// holding "containerID\r\nifname", next to the lock file and one
// last_reserved_ip.<range set index> file per range set.
//
// Locking rule: openStore takes the directory's lock and Close releases
// it, so everything a command does in between is one critical section
// against every other host-local process, ours or the reference's. Lock and
// Unlock are therefore no-ops: the reference allocator calls them around
// each step, and must not release the lock half way.
type store struct {
	*disk.Store
	dir string
}

var _ backend.Store = (*store)(nil)

// openStore creates the allocation directory of the network if needed and
// locks it. The caller must Close the store.
func openStore(conf *config) (*store, error) {
	dir := filepath.Join(conf.DataDir, conf.Name)
	ds, err := disk.New(conf.Name, conf.DataDir)
	if err != nil {
		return nil, fmt.Errorf("opening allocation directory %s: %w", dir, err)
	}
	if err := ds.Lock(); err != nil {
		ds.Close()
		return nil, fmt.Errorf("locking allocation directory %s: %w", dir, err)
	}
	return &store{Store: ds, dir: dir}, nil
}

// Lock does nothing: the store stays locked from openStore to Close.
func (s *store) Lock() error { return nil }

// Unlock does nothing: the store stays locked from openStore to Close.
func (s *store) Unlock() error { return nil }

// allocation is one allocated address and the attachment holding it.
type allocation struct {
	ip net.IP
	// file is the path of the allocation file.
	file        string
	containerID string
	// ifname is empty in files written by host-local versions that
	// recorded the container ID alone.
	ifname string
}

// String describes the holder of the address for error messages.
func (a allocation) String() string {
	if a.ifname == "" {
		return fmt.Sprintf("container %q", a.containerID)
	}
	return fmt.Sprintf("container %q, ifname %q", a.containerID, a.ifname)
}

// holder returns the allocation of addr, and false if addr is free.
func (s *store) holder(addr net.IP) (allocation, bool, error) {
	return readAllocation(addr, disk.GetEscapedPath(s.dir, addr.String()))
}

// allocations returns every address allocated in the network. Files not
// named by an address (the lock, last_reserved_ip.*) are not allocations.
func (s *store) allocations() ([]allocation, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("listing allocation directory %s: %w", s.dir, err)
	}
	var allocs []allocation
	for _, e := range entries {
		addr := net.ParseIP(e.Name())
		if addr == nil || !e.Type().IsRegular() {
			continue
		}
		a, ok, err := readAllocation(addr, filepath.Join(s.dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if ok {
			allocs = append(allocs, a)
		}
	}
	return allocs, nil
}

// readAllocation reads the allocation file of addr, and returns false if
// there is none.
func readAllocation(addr net.IP, file string) (allocation, bool, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return allocation{}, false, nil
	}
	if err != nil {
		return allocation{}, false, fmt.Errorf("reading allocation of %s: %w", addr, err)
	}
	id, ifname, _ := strings.Cut(string(data), disk.LineBreak)
	return allocation{ip: addr, file: file, containerID: strings.TrimSpace(id), ifname: strings.TrimSpace(ifname)}, true, nil
}
