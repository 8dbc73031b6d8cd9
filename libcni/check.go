package libcni

import (
	"context"
	"errors"
	"fmt"

	"github.com/cnictl/cnictl/cache"
)

// Check asks every plugin whether the attachment is still as the ADD left
// it (SPEC.md, section 3, "Checking an attachment"): plugins run in order,
// each with the cached result as prevResult and the attachment parameters
// of the ADD (cached CNI_ARGS and capability args are replayed). It returns
// nil at once when the network sets disableCheck, and an error for
// cniVersion below 0.4.0, which has no CHECK.
func (c *CNI) Check(ctx context.Context, list *NetworkConfigList, rt *RuntimeConf) error {
	const verb = "CHECK"
	if err := c.validate(verb, list, rt); err != nil {
		return err
	}
	if !atLeast(list.CNIVersion, "0.4.0") {
		e := c.opError(verb, list, rt, nil)
		e.Code = ErrCodeIncompatibleVersion
		e.Msg = fmt.Sprintf("CHECK needs cniVersion 0.4.0 or later; the network uses %s", list.CNIVersion)
		return e
	}
	if list.DisableCheck {
		return nil
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

	entry, err := c.store.Get(attachmentKey(list, rt))
	if errors.Is(err, cache.ErrNotFound) || err == nil && !entry.Complete() {
		e := c.opError(verb, list, rt, ErrNotAttached)
		e.Code = ErrCodeUnknownContainer
		return e
	}
	if err != nil {
		return c.opError(verb, list, rt, err)
	}
	prev, err := entry.Result(list.CNIVersion)
	if err != nil {
		return c.opError(verb, list, rt, err)
	}
	replay := replayed(rt, entry)
	for i, p := range list.Plugins {
		cl := call{verb: verb, list: list, index: i, plugin: p, rt: &replay}
		if cl.stdin, err = request(list, p, prev, &replay, nil); err != nil {
			return c.callError(cl, err)
		}
		if _, err := c.run(ctx, cl, paths[i], false); err != nil {
			return err
		}
	}
	return nil
}
