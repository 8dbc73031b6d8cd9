//go:build linux

package netnsmgr

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// sharedDirMu keeps two Creates of this process from both bind-mounting
// the namespace directory on itself.
var sharedDirMu sync.Mutex

// Create makes a new network namespace called name, bind-mounted on
// <Dir>/<name> exactly like `ip netns add name`, and returns that absolute
// path. Unlike iproute2 it also brings the loopback device up inside the
// new namespace, as container runtimes expect.
//
// The name must be a valid directory entry (see ErrInvalidName). If the
// directory already holds name, the error matches ErrExists. On any other
// failure nothing is left behind: the bind mount and the file are removed.
func (m *Manager) Create(name string) (string, error) {
	if err := validateName(name); err != nil {
		return "", fmt.Errorf("creating netns: %w", err)
	}
	dir, err := m.dir()
	if err != nil {
		return "", fmt.Errorf("creating netns %q: %w", name, err)
	}
	if err := makeSharedDir(dir); err != nil {
		return "", fmt.Errorf("creating netns %q: %w", name, err)
	}
	path := filepath.Join(dir, name)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.EEXIST) {
		return "", fmt.Errorf("creating netns %q: %s: %w", name, path, ErrExists)
	}
	if err != nil {
		return "", fmt.Errorf("creating netns %q: creating %s: %w", name, path, err)
	}
	if err := unix.Close(fd); err != nil {
		return "", errors.Join(fmt.Errorf("creating netns %q: closing %s: %w", name, path, err), removeEntry(path))
	}
	if err := mountNewNetNS(path); err != nil {
		return "", errors.Join(fmt.Errorf("creating netns %q: %w", name, err), removeEntry(path))
	}
	return path, nil
}

// makeSharedDir creates dir if needed and makes it a shared mount point,
// as iproute2's netns_add does: it tries to make dir shared and, if that
// fails with EINVAL because dir is not a mount point yet, bind-mounts dir
// on itself first. Shared propagation lets an unmount made in one mount
// namespace reach the others, so that deleted namespaces can be freed.
func makeSharedDir(dir string) error {
	sharedDirMu.Lock()
	defer sharedDirMu.Unlock()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating netns directory: %w", err)
	}
	err := unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if !errors.Is(err, unix.EINVAL) {
		return wrapMountErr("mount --make-rshared", dir, err)
	}
	if err := unix.Mount(dir, dir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return wrapMountErr("mount --rbind", dir, err)
	}
	return wrapMountErr("mount --make-rshared", dir, unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, ""))
}

// wrapMountErr names the failed mount operation; it returns nil for a nil
// err.
func wrapMountErr(op, dir string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w", op, dir, err)
}

// mountNewNetNS creates a network namespace on a dedicated OS thread and
// bind-mounts it on path. The thread stays locked, so when its goroutine
// ends the Go runtime terminates it instead of handing it to other
// goroutines. It is switched back to its original namespace first all the
// same: the runtime never terminates the main thread but parks it for good,
// and a main thread parked in the new namespace would keep that namespace
// alive after Delete and make /proc/self/ns/net point to it.
func mountNewNetNS(path string) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		errc <- unshareAndMount(path)
	}()
	return <-errc
}

// unshareAndMount moves the calling, locked thread into a new network
// namespace, bind-mounts that namespace on path, brings lo up in it and
// moves the thread back to its original namespace.
func unshareAndMount(path string) (err error) {
	orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		return fmt.Errorf("opening the thread's netns: %w", err)
	}
	defer orig.Close()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("unshare(CLONE_NEWNET): %w", err)
	}
	defer func() {
		if serr := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); serr != nil {
			err = errors.Join(err, fmt.Errorf("switching the thread back to its netns: %w", serr))
		}
	}()
	src := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
	if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind-mounting %s on %s: %w", src, path, err)
	}
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("finding lo in the new netns: %w", err)
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		return fmt.Errorf("bringing lo up in the new netns: %w", err)
	}
	return nil
}
