package libcni

import (
	"context"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/cnictl/cnictl/cache"
)

// Del detaches a container from a network (SPEC.md, section 3, "Deleting an
// attachment"): the plugins run in reverse order, each with the cached
// result of the ADD as prevResult (for cniVersion 0.4.0 and later). The
// CNI_ARGS and capability args cached by the ADD are replayed, so that
// plugins such as portmap get the mappings they must remove; a missing
// NetNS is taken from the cache too. Del is idempotent: it works without a
// cache entry, with an unreadable one, and when the network namespace is
// gone. The cache entry is removed only when every plugin succeeded, so a
// failed Del can be retried.
func (c *CNI) Del(ctx context.Context, list *NetworkConfigList, rt *RuntimeConf) error {
	const verb = "DEL"
	if err := c.validate(verb, list, rt); err != nil {
		return err
	}
	paths, err := c.findPlugins(verb, list, rt)
	if err != nil {
		return err
	}
	unlock, err := c.lockAttachment(ctx, verb, list, rt)
	if err != nil {
		return err
	}
	defer unlock()
	return c.delLocked(ctx, list, rt, paths)
}

// delLocked deletes an attachment whose locks the caller holds.
func (c *CNI) delLocked(ctx context.Context, list *NetworkConfigList, rt *RuntimeConf, paths []string) error {
	key := attachmentKey(list, rt)
	replay := *rt
	var prev types.Result
	if entry, err := c.store.Get(key); err == nil {
		replay = replayed(rt, entry)
		if atLeast(list.CNIVersion, "0.4.0") {
			// An unconvertible cached result must not block DEL: the
			// plugins then run without prevResult, as after a lost cache.
			prev, _ = entry.Result(list.CNIVersion)
		}
	}
	if err := c.delChain(ctx, list, &replay, paths, prev); err != nil {
		return err
	}
	if err := c.store.Remove(key); err != nil {
		return c.opError("DEL", list, rt, err)
	}
	return nil
}

// replayed returns the attachment parameters of the ADD that wrote entry:
// its CNI_ARGS and capability args replace the caller's, and its netns is
// used when the caller gives none.
func replayed(rt *RuntimeConf, entry *cache.Entry) RuntimeConf {
	r := *rt
	if entry.CniArgs != nil {
		r.Args = entry.CniArgs
	}
	if entry.CapabilityArgs != nil {
		r.CapabilityArgs = entry.CapabilityArgs
	}
	if r.NetNS == "" {
		r.NetNS = entry.NetNS
	}
	return r
}

// delChain runs DEL on every plugin in reverse order and halts at the first
// error, as the spec says.
func (c *CNI) delChain(ctx context.Context, list *NetworkConfigList, rt *RuntimeConf, paths []string, prev types.Result) error {
	for i := len(list.Plugins) - 1; i >= 0; i-- {
		cl := call{verb: "DEL", list: list, index: i, plugin: list.Plugins[i], rt: rt}
		var err error
		if cl.stdin, err = request(list, cl.plugin, prev, rt, nil); err != nil {
			return c.callError(cl, err)
		}
		if _, err := c.run(ctx, cl, paths[i], false); err != nil {
			return err
		}
	}
	return nil
}

// atLeast reports whether version v is at least min; an unparsable version
// is not.
func atLeast(v, min string) bool {
	ok, err := version.GreaterThanOrEqualTo(v, min)
	return err == nil && ok
}
