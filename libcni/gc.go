package libcni

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/cache"
)

// GC cleans up a network (SPEC.md, section 3, "Garbage-collecting a
// network"). While it runs it holds the network's lock exclusively, so no
// ADD or DEL on the network runs at the same time, as the spec requires.
// First every cached attachment of the network that is not in valid is
// deleted, with its cached parameters replayed; then, for cniVersion 1.1.0
// and later, every plugin gets GC with valid as cni.dev/valid-attachments
// (nil is sent as an empty list: nothing is valid). Plugins that fail do not
// stop the others; all errors are joined. A network that sets disableGC is
// left alone.
func (c *CNI) GC(ctx context.Context, list *NetworkConfigList, valid []types.GCAttachment) error {
	return c.GCFunc(ctx, list, func([]*cache.Entry) []types.GCAttachment { return valid })
}

// GCFunc is GC for callers that decide validity from the cache, such as
// "every attachment whose namespace still exists": valid is called with
// every cached entry of the network after the network lock is taken, so an
// attachment whose ADD finished while GC waited for the lock is seen and
// can be kept.
func (c *CNI) GCFunc(ctx context.Context, list *NetworkConfigList, validFn func(entries []*cache.Entry) []types.GCAttachment) error {
	const verb = "GC"
	if list.DisableGC {
		return nil
	}
	if err := validateAttachment(list.Name, &RuntimeConf{ContainerID: "x", IfName: "x"}); err != nil {
		return c.opError(verb, list, nil, err)
	}
	paths, err := c.findPlugins(verb, list, nil)
	if err != nil {
		return err
	}
	lock, err := c.store.LockNetwork(ctx, list.Name, true)
	if err != nil {
		return c.opError(verb, list, nil, err)
	}
	defer lock.Unlock()

	var errs []error
	all, listErrs := c.store.List()
	var entries []*cache.Entry
	for _, e := range all {
		if e.NetworkName == list.Name {
			entries = append(entries, e)
		}
	}
	valid := validFn(entries)
	keep := make(map[types.GCAttachment]bool, len(valid))
	for _, a := range valid {
		keep[a] = true
	}
	for _, err := range listErrs {
		// An unreadable entry cannot be told apart by network for sure;
		// report those whose file name starts like this network's.
		var ce *cache.CorruptError
		if !errors.As(err, &ce) || strings.HasPrefix(filepath.Base(ce.Path), list.Name+"-") {
			errs = append(errs, err)
		}
	}
	for _, e := range entries {
		if keep[types.GCAttachment{ContainerID: e.ContainerID, IfName: e.IfName}] {
			continue
		}
		rt := &RuntimeConf{ContainerID: e.ContainerID, NetNS: e.NetNS, IfName: e.IfName}
		if err := validateAttachment(list.Name, rt); err != nil {
			errs = append(errs, fmt.Errorf("stale attachment %s: %w", e.Key(), err))
			continue
		}
		if err := c.delLocked(ctx, list, rt, paths); err != nil {
			errs = append(errs, fmt.Errorf("deleting stale attachment %s: %w", e.Key(), err))
		}
	}

	if atLeast(list.CNIVersion, "1.1.0") {
		if valid == nil {
			valid = []types.GCAttachment{}
		}
		extra := map[string]any{keyValidAttachments: valid, keyLegacyAttachments: valid}
		for i, p := range list.Plugins {
			cl := call{verb: verb, list: list, index: i, plugin: p}
			if cl.stdin, err = request(list, p, nil, nil, extra); err != nil {
				errs = append(errs, c.callError(cl, err))
				continue
			}
			if _, err := c.run(ctx, cl, paths[i], false); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
