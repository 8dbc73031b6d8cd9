package nftutil

import (
	"errors"
	"fmt"
	"slices"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"
)

// ElemOp adds an element to a set or deletes it.
type ElemOp struct {
	Del  bool
	Set  *nftables.Set
	Elem nftables.SetElement
	// What describes the element in errors.
	What string
}

// maxElemsPerMsg bounds the elements of one netlink message.
const maxElemsPerMsg = 256

// ApplyElems runs ops in one batch, deletions first. If the batch fails
// because the ruleset is not what the state says (an element missing or
// already there), applySlowly does it one element at a time.
func ApplyElems(c *nftables.Conn, ops []ElemOp) error {
	if len(ops) == 0 {
		return nil
	}
	ops = slices.Clone(ops)
	slices.SortStableFunc(ops, func(a, b ElemOp) int {
		if a.Del == b.Del {
			return 0
		}
		if a.Del {
			return -1
		}
		return 1
	})
	for start := 0; start < len(ops); {
		end := start + 1
		for end < len(ops) && ops[end].Del == ops[start].Del && sameSet(ops[end].Set, ops[start].Set) {
			end++
		}
		elems := make([]nftables.SetElement, 0, end-start)
		for _, op := range ops[start:end] {
			elems = append(elems, op.Elem)
		}
		for chunk := range slices.Chunk(elems, maxElemsPerMsg) {
			if err := queue(c, ops[start].Del, ops[start].Set, chunk); err != nil {
				return err
			}
		}
		start = end
	}
	err := c.Flush()
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EEXIST) || errors.Is(err, unix.EBUSY) || errors.Is(err, unix.ENOTEMPTY) {
		return applySlowly(c, ops)
	}
	if err != nil {
		return fmt.Errorf("updating sets and maps: %w", err)
	}
	return nil
}

// sameSet reports whether a and b name the same set.
func sameSet(a, b *nftables.Set) bool {
	return a.Name == b.Name && a.Table.Name == b.Table.Name && a.Table.Family == b.Table.Family
}

// queue queues adding or deleting elements of set.
func queue(c *nftables.Conn, del bool, set *nftables.Set, elems []nftables.SetElement) error {
	if del {
		if err := c.SetDeleteElements(set, elems); err != nil {
			return fmt.Errorf("deleting elements of %s: %w", set.Name, err)
		}
		return nil
	}
	if err := c.SetAddElements(set, elems); err != nil {
		return fmt.Errorf("adding elements to %s: %w", set.Name, err)
	}
	return nil
}

// applySlowly runs ops one at a time: deleting a missing element is no
// error, and an element that is in the way of an added one (same key,
// other value) is replaced.
func applySlowly(c *nftables.Conn, ops []ElemOp) error {
	for _, op := range ops {
		if err := queue(c, op.Del, op.Set, []nftables.SetElement{op.Elem}); err != nil {
			return err
		}
		err := c.Flush()
		switch {
		case err == nil, op.Del && errors.Is(err, unix.ENOENT):
			continue
		case !op.Del && errors.Is(err, unix.EBUSY):
			err = replace(c, op)
		case !op.Del && errors.Is(err, unix.ENOTEMPTY):
			err = fmt.Errorf("it overlaps an element of another network: %w", err)
		}
		if err != nil {
			verb := "adding"
			if op.Del {
				verb = "deleting"
			}
			return fmt.Errorf("%s %s in %s: %w", verb, op.What, op.Set.Name, err)
		}
	}
	return nil
}

// replace puts op's element in place of the one with the same key.
func replace(c *nftables.Conn, op ElemOp) error {
	if err := queue(c, true, op.Set, []nftables.SetElement{{Key: op.Elem.Key, KeyEnd: op.Elem.KeyEnd}}); err != nil {
		return err
	}
	if err := queue(c, false, op.Set, []nftables.SetElement{op.Elem}); err != nil {
		return err
	}
	return c.Flush()
}
