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

// maxElemsPerMsg bounds the elements of one netlink message, so that a GC
// of thousands of attachments neither sends a message too large nor
// receives more acknowledgements than the socket buffer holds.
const maxElemsPerMsg = 256

// ApplyElems runs ops in one batch, deletions first. If the batch fails
// because the ruleset is not what the state says (an element missing, or
// one with the key of an added element already there), applySlowly does
// it one element at a time.
func (c *Conn) ApplyElems(ops []ElemOp) error {
	if len(ops) == 0 {
		return nil
	}
	ops = deletionsFirst(ops)
	if err := c.QueueElems(ops); err != nil {
		return err
	}
	err := c.Flush()
	if errors.Is(err, unix.ENOENT) || refused(err) {
		return c.applySlowly(ops)
	}
	if err != nil {
		return fmt.Errorf("updating sets and maps: %w", err)
	}
	return nil
}

// QueueElems queues ops, deletions first, in as few messages as it can,
// for a batch that the caller may add to before it flushes.
func (c *Conn) QueueElems(ops []ElemOp) error {
	ops = deletionsFirst(ops)
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
			if err := c.queue(ops[start].Del, ops[start].Set, chunk); err != nil {
				return err
			}
		}
		start = end
	}
	return nil
}

// sameSet reports whether a and b name the same set.
func sameSet(a, b *nftables.Set) bool {
	return a.Name == b.Name && a.Table.Name == b.Table.Name && a.Table.Family == b.Table.Family
}

// queue queues adding or deleting elements of set.
func (c *Conn) queue(del bool, set *nftables.Set, elems []nftables.SetElement) error {
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

// deletionsFirst returns ops with the deletions before the additions,
// each in their order.
func deletionsFirst(ops []ElemOp) []ElemOp {
	ops = slices.Clone(ops)
	slices.SortStableFunc(ops, func(a, b ElemOp) int {
		switch {
		case a.Del == b.Del:
			return 0
		case a.Del:
			return -1
		}
		return 1
	})
	return ops
}

// applySlowly runs ops, deletions first, one at a time: deleting a missing
// element is no error, and an added element replaces the one in its way.
func (c *Conn) applySlowly(ops []ElemOp) error {
	for _, op := range ops {
		var err error
		verb := "adding"
		if op.Del {
			verb = "deleting"
			err = c.del(op)
		} else {
			err = c.add(op)
		}
		if err != nil {
			return fmt.Errorf("%s %s in %s: %w", verb, op.What, op.Set.Name, err)
		}
	}
	return nil
}

// del deletes op's element; a missing element is no error.
func (c *Conn) del(op ElemOp) error {
	if err := c.queue(true, op.Set, []nftables.SetElement{op.Elem}); err != nil {
		return err
	}
	if err := c.Flush(); err != nil && !errors.Is(err, unix.ENOENT) {
		return err
	}
	return nil
}

// refused reports whether err is the kernel's refusal to add an element
// because another is in its way: one with the same key and another value
// (EEXIST, or EBUSY from older kernels), or one whose interval overlaps
// the new element's (EEXIST; the kernel turns its ENOTEMPTY into EEXIST).
func refused(err error) bool {
	return errors.Is(err, unix.EEXIST) || errors.Is(err, unix.EBUSY)
}

// add adds op's element. If the kernel refuses it, in a map whose keys
// are not intervals, the element in the way has the same key and another
// value: the state says that op's element belongs there, so that one is
// stale, and add replaces it, deleting the key and adding the element in
// one batch. In a set of intervals, the element in the way overlaps the
// new one under another key (the kernel takes an element that is already
// there again without complaint): add leaves it alone, since deleting by
// the new element's key could delete an interval that holds it.
func (c *Conn) add(op ElemOp) error {
	elem := []nftables.SetElement{op.Elem}
	if err := c.queue(false, op.Set, elem); err != nil {
		return err
	}
	err := c.Flush()
	if !refused(err) {
		return err
	}
	if !op.Set.IsMap || op.Set.Interval {
		return fmt.Errorf("it overlaps an element of another key, which another network or program put there: %w", err)
	}
	if err := c.queue(true, op.Set, []nftables.SetElement{{Key: op.Elem.Key}}); err != nil {
		return err
	}
	if err := c.queue(false, op.Set, elem); err != nil {
		return err
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("an element with the same key and another value is in the way, and replacing it failed: %w", err)
	}
	return nil
}
