//go:build linux

package netnsmgr

import (
	"fmt"

	"github.com/containernetworking/plugins/pkg/ns"
)

// Do runs fn inside the network namespace at nsPath, using the reference
// plugins' ns.WithNetNSPath: fn runs on a fresh goroutine locked to its OS
// thread, which is switched into the namespace and back; if switching back
// fails the thread is left locked, so the runtime discards it rather than
// reusing it in the wrong namespace. fn must not call
// runtime.UnlockOSThread nor start goroutines that expect to run in the
// namespace. An error returned by fn is returned as is; failing to enter
// the namespace is reported with nsPath.
func Do(nsPath string, fn func() error) error {
	ran := false
	err := ns.WithNetNSPath(nsPath, func(ns.NetNS) error {
		ran = true
		return fn()
	})
	if err != nil && !ran {
		return fmt.Errorf("entering netns %s: %w", nsPath, err)
	}
	return err
}
