package cache

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Lock is a held cross-process lock on a file under <dir>/locks. Locks are released when the process dies, so a crashed
// operation never blocks the next one.
type Lock struct {
	f      *os.File
	path   string
	remove bool
}

// LockAttachment takes the exclusive lock of one attachment, waiting until
// ctx is done. ADD, CHECK and DEL of the same attachment are serialised by
// it. The lock file is removed again on Unlock, so none are left behind.
func (s *Store) LockAttachment(ctx context.Context, k Key) (*Lock, error) {
	path := filepath.Join(s.dir, "locks", "attachments", k.String())
	l, err := acquire(ctx, path, unix.LOCK_EX)
	if err != nil {
		return nil, fmt.Errorf("locking attachment %s: %w", k, err)
	}
	l.remove = true
	return l, nil
}

// LockNetwork takes the lock of a whole network: shared for ADD, CHECK and
// DEL (which also lock their attachment), exclusive for GC, which the spec
// says must not run concurrently with ADD or DEL on the same network.
//
// All networks share one lock file, <dir>/locks/networks.lock, each network
// locking one byte of it chosen by a hash of its name (open file
// description locks, F_OFD_SETLK, which like flock belong to the open file
// and so also exclude goroutines of one process). Two names with the same
// hash only serialise more than needed. The file is made once and stays.
func (s *Store) LockNetwork(ctx context.Context, network string, exclusive bool) (*Lock, error) {
	path := filepath.Join(s.dir, "locks", "networks.lock")
	l, err := acquireRange(ctx, path, networkOffset(network), exclusive)
	if err != nil {
		return nil, fmt.Errorf("locking network %q: %w", network, err)
	}
	return l, nil
}

// networkOffset is the byte of the network lock file that network locks.
func networkOffset(network string) int64 {
	h := fnv.New32a()
	h.Write([]byte(network))
	return int64(h.Sum32())
}

func acquireRange(ctx context.Context, path string, offset int64, exclusive bool) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	lk := unix.Flock_t{Type: unix.F_RDLCK, Whence: 0, Start: offset, Len: 1}
	if exclusive {
		lk.Type = unix.F_WRLCK
	}
	err = poll(ctx, path, func() error { return unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk) })
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Lock{f: f, path: path}, nil
}

// Unlock releases the lock. It is safe to call on a nil Lock.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	var err error
	if l.remove {
		// Removing while still holding the lock is safe: a waiter that
		// then gets the lock on the unlinked file notices that the path
		// no longer names it and starts over (see acquire).
		if rmErr := os.Remove(l.path); rmErr != nil && !os.IsNotExist(rmErr) {
			err = rmErr
		}
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// pollInterval bounds how long a waiter sleeps between attempts; flock
// cannot be interrupted by a context, so waiting is done by polling.
const pollInterval = 20 * time.Millisecond

func acquire(ctx context.Context, path string, how int) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, err
		}
		err = poll(ctx, path, func() error { return unix.Flock(int(f.Fd()), how|unix.LOCK_NB) })
		if err != nil {
			f.Close()
			return nil, err
		}
		if sameFile(f, path) {
			return &Lock{f: f, path: path}, nil
		}
		f.Close()
	}
}

// poll calls try until it does not report a conflicting lock, backing off
// up to pollInterval, or until ctx ends.
func poll(ctx context.Context, path string, try func() error) error {
	wait := time.Millisecond
	for {
		err := try()
		if err == nil || !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EACCES) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", path, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(wait*2, pollInterval)
	}
}

// sameFile reports whether path still names the open file f: it does not
// when the holder before us removed it after we opened it.
func sameFile(f *os.File, path string) bool {
	held, err := f.Stat()
	if err != nil {
		return false
	}
	now, err := os.Stat(path)
	if err != nil {
		return false
	}
	return os.SameFile(held, now)
}
