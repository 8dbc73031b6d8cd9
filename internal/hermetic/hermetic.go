// Package hermetic runs a test binary inside private network and mount
// namespaces, so that tests which create links, namespaces, firewall rules,
// IP allocations and cache files never touch the machine they run on.
//
// A package opts in from its TestMain:
//
//	func TestMain(m *testing.M) { hermetic.Main(m) }
//
// Main re-executes the test binary with CLONE_NEWNET|CLONE_NEWNS. The child
// makes every mount private, puts tmpfs on /run, lays a throwaway
// overlay over /etc, /opt and /var/lib (so /etc/cni, /opt/cni and
// /var/lib/cni can be written without creating anything on the host),
// remounts /sys for the new network namespace and brings lo up before
// running the tests. When the child exits, its
// namespaces and everything in them disappear with it.
package hermetic

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// envInside marks the re-executed child that already runs in private
// namespaces.
const envInside = "CNICTL_HERMETIC_INSIDE"

// envUnavailable tells the tests that private namespaces could not be made
// (not root), so that tests needing them skip with a reason.
const envUnavailable = "CNICTL_HERMETIC_UNAVAILABLE"

// tmpfsDirs are hidden behind a fresh, empty tmpfs in the child.
// /tmp stays shared: go test reads its test log and coverage profiles from
// there, and t.TempDir cleans up after itself.
var tmpfsDirs = []string{"/run"}

// overlayDirs keep their content in the child, but every write to them lands
// in a tmpfs upper layer that dies with the child.
var overlayDirs = []string{"/etc", "/opt", "/var/lib"}

// stateDirs are the places where cnictl, plugins and iproute2 keep state;
// the child starts with each one present and empty.
var stateDirs = []string{"/etc/cni/net.d", "/opt/cni/bin", "/var/lib/cni", "/run/netns"}

// Main runs the tests of a package hermetically and exits with their status.
// The cleanups run after the tests, in the process that ran them.
func Main(m *testing.M, cleanups ...func()) {
	run := func() int {
		code := m.Run()
		for _, c := range cleanups {
			c()
		}
		return code
	}
	if os.Getenv(envInside) == "1" {
		if err := setupInside(); err != nil {
			fmt.Fprintf(os.Stderr, "hermetic: setting up private namespaces: %v\n", err)
			os.Exit(3)
		}
		os.Exit(run())
	}
	if os.Geteuid() != 0 {
		os.Setenv(envUnavailable, "not running as root: tests that need network namespaces are skipped")
		os.Exit(run())
	}
	os.Exit(reexec())
}

// Inside reports whether the tests run in the private namespaces.
func Inside() bool { return os.Getenv(envInside) == "1" }

// Require skips t unless it runs inside the private namespaces.
func Require(t testing.TB) {
	t.Helper()
	if !Inside() {
		reason := os.Getenv(envUnavailable)
		if reason == "" {
			reason = "TestMain does not call hermetic.Main"
		}
		t.Skip(reason)
	}
}

func reexec() int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "hermetic: %v\n", err)
		return 3
	}
	cmd := exec.Command(self, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), envInside+"=1")
	// With CLONE_NEWNS in Unshareflags the Go runtime also remounts / as
	// MS_REC|MS_PRIVATE in the child before exec, so no mount made by the
	// tests can propagate back to the host.
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Unshareflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWNET,
		Pdeathsig:    syscall.SIGKILL,
	}
	if err := cmd.Run(); err != nil {
		if exitErr, ok := err.(*exec.ExitError); ok {
			return exitErr.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "hermetic: re-executing the tests in private namespaces: %v\n", err)
		return 3
	}
	return 0
}

func setupInside() error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making / private: %w", err)
	}
	for _, dir := range tmpfsDirs {
		if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "mode=0755"); err != nil {
			return fmt.Errorf("mounting tmpfs on %s: %w", dir, err)
		}
	}
	for i, dir := range overlayDirs {
		layer := fmt.Sprintf("/run/hermetic-overlay/%d", i)
		upper, work := layer+"/upper", layer+"/work"
		for _, d := range []string{upper, work} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", dir, upper, work)
		if err := unix.Mount("overlay", dir, "overlay", 0, opts); err != nil {
			return fmt.Errorf("mounting an overlay on %s: %w", dir, err)
		}
	}
	for _, dir := range stateDirs {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := unix.Mount("sysfs", "/sys", "sysfs", 0, ""); err != nil {
		return fmt.Errorf("remounting /sys for the private network namespace: %w", err)
	}
	return linkUp("lo")
}
