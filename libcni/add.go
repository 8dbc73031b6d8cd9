package libcni

import (
	"context"
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/cnictl/cnictl/cache"
)

// Add attaches a container to a network (SPEC.md, section 3, "Adding an
// attachment"): the plugins run in order, each getting the result of the
// one before as prevResult, and the final result, converted to the
// network's cniVersion, is cached and returned.
//
// The attachment is recorded in the cache before the first plugin runs, so
// that an ADD interrupted by a crash leaves a record that Del and GC find;
// the next Add of the same attachment deletes that partial attachment
// first. When a plugin fails, the chain is deleted in reverse order with the
// same parameters (the last successful result as prevResult), and the cache
// entry is removed once that succeeds; the returned *Error carries the
// plugin's error and, if it failed, the rollback's.
func (c *CNI) Add(ctx context.Context, list *NetworkConfigList, rt *RuntimeConf) (types.Result, error) {
	const verb = "ADD"
	if err := c.validate(verb, list, rt); err != nil {
		return nil, err
	}
	paths, err := c.findPlugins(verb, list, rt)
	if err != nil {
		return nil, err
	}
	unlock, err := c.lockAttachment(ctx, verb, list, rt)
	if err != nil {
		return nil, err
	}
	defer unlock()

	key := attachmentKey(list, rt)
	old, err := c.store.Get(key)
	switch {
	case errors.Is(err, cache.ErrNotFound):
	case err == nil && old.Complete():
		return nil, c.opError(verb, list, rt, ErrAlreadyAttached)
	default:
		// An interrupted ADD (entry without result) or an unreadable
		// entry: take down whatever the earlier attempt made.
		if err := c.delLocked(ctx, list, rt, paths); err != nil {
			return nil, c.opError(verb, list, rt, fmt.Errorf("cleaning up an earlier, unfinished ADD: %w", err))
		}
	}

	entry := &cache.Entry{
		ContainerID:    rt.ContainerID,
		Config:         list.Bytes,
		IfName:         rt.IfName,
		NetworkName:    list.Name,
		NetNS:          rt.NetNS,
		CniArgs:        rt.Args,
		CapabilityArgs: rt.CapabilityArgs,
	}
	if err := c.store.Put(entry); err != nil {
		return nil, c.opError(verb, list, rt, err)
	}

	var result types.Result
	for i, p := range list.Plugins {
		cl := call{verb: verb, list: list, index: i, plugin: p, rt: rt}
		if cl.stdin, err = request(list, p, result, rt, nil); err != nil {
			return nil, c.rollback(ctx, list, rt, paths, result, c.callError(cl, err))
		}
		res, err := c.run(ctx, cl, paths[i], true)
		if err == nil {
			res, err = convertResult(res, list.CNIVersion)
			if err != nil {
				err = c.callError(cl, err)
			}
		}
		if err != nil {
			return nil, c.rollback(ctx, list, rt, paths, result, err.(*Error))
		}
		result = res
	}

	if err := entry.SetResult(result); err != nil {
		return nil, c.rollback(ctx, list, rt, paths, result, c.opError(verb, list, rt, err))
	}
	if err := c.store.Put(entry); err != nil {
		return nil, c.rollback(ctx, list, rt, paths, result, c.opError(verb, list, rt, err))
	}
	return result, nil
}

// rollback deletes a partial attachment after addErr, on a context that
// the caller's cancellation cannot cut short.
func (c *CNI) rollback(ctx context.Context, list *NetworkConfigList, rt *RuntimeConf, paths []string, partial types.Result, addErr *Error) error {
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.teardownTimeout)
	defer cancel()
	if err := c.delChain(tctx, list, rt, paths, partial); err != nil {
		addErr.Rollback = err
		return addErr
	}
	if err := c.store.Remove(attachmentKey(list, rt)); err != nil {
		addErr.Rollback = err
		return addErr
	}
	addErr.RolledBack = true
	return addErr
}

// convertResult converts a plugin's result to the network's cniVersion, so
// that the next plugin's prevResult and the cached result have the version
// of the configuration.
func convertResult(res types.Result, cniVersion string) (types.Result, error) {
	if res == nil {
		return nil, errors.New("plugin printed no result")
	}
	conv, err := res.GetAsVersion(cniVersion)
	if err != nil {
		return nil, fmt.Errorf("converting the plugin's result (version %s) to %s: %w", res.Version(), cniVersion, err)
	}
	return conv, nil
}

// callError is an *Error for a failure around a plugin call that is not
// the plugin's own.
func (c *CNI) callError(cl call, err error) *Error {
	e := c.opError(cl.verb, cl.list, cl.rt, err)
	e.Plugin = &PluginRef{Index: cl.index, Type: cl.plugin.Network.Type}
	return e
}

func attachmentKey(list *NetworkConfigList, rt *RuntimeConf) cache.Key {
	return cache.Key{Network: list.Name, ContainerID: rt.ContainerID, IfName: rt.IfName}
}

// validate checks the attachment parameters before anything else happens.
func (c *CNI) validate(verb string, list *NetworkConfigList, rt *RuntimeConf) error {
	if list == nil || rt == nil {
		return &Error{Verb: verb, Code: ErrCodeInvalidParameters, Msg: "no network configuration or runtime configuration given"}
	}
	if err := validateAttachment(list.Name, rt); err != nil {
		return c.opError(verb, list, rt, err)
	}
	if len(list.Plugins) == 0 {
		return &Error{Verb: verb, Network: list.Name, Code: ErrCodeInvalidConfig, Msg: "network has no plugins"}
	}
	return nil
}

// lockAttachment takes the network lock (shared) and the attachment lock
// (exclusive), in that order, which GC's exclusive network lock relies on.
func (c *CNI) lockAttachment(ctx context.Context, verb string, list *NetworkConfigList, rt *RuntimeConf) (func(), error) {
	nl, err := c.store.LockNetwork(ctx, list.Name, false)
	if err != nil {
		return nil, c.opError(verb, list, rt, err)
	}
	al, err := c.store.LockAttachment(ctx, attachmentKey(list, rt))
	if err != nil {
		_ = nl.Unlock()
		return nil, c.opError(verb, list, rt, err)
	}
	return func() {
		_ = al.Unlock()
		_ = nl.Unlock()
	}, nil
}
