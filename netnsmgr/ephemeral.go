//go:build linux

package netnsmgr

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
)

// Ephemeral is a uniquely named network namespace meant to live only as
// long as the code that made it; see Manager.NewEphemeral.
type Ephemeral struct {
	// Name is the namespace's name in the manager's directory.
	Name string
	// Path is the namespace's absolute path.
	Path string

	m      *Manager
	mu     sync.Mutex
	closed bool
}

// NewEphemeral creates a network namespace named prefix + "-" + 8 random
// hex digits ("cnictl" is used for an empty prefix). Callers should defer
// Close right away. If creation fails, nothing is left behind.
func (m *Manager) NewEphemeral(prefix string) (*Ephemeral, error) {
	if prefix == "" {
		prefix = "cnictl"
	}
	suffix := make([]byte, 4)
	rand.Read(suffix) // never fails: it crashes the program instead (Go 1.24 and later)
	name := prefix + "-" + hex.EncodeToString(suffix)
	path, err := m.Create(name)
	if err != nil {
		return nil, fmt.Errorf("creating an ephemeral netns: %w", err)
	}
	return &Ephemeral{Name: name, Path: path, m: m}, nil
}

// Close deletes the namespace. Closing it again does nothing and returns
// nil; after a failed Close, Close may be called again to retry.
func (e *Ephemeral) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	if err := e.m.Delete(e.Name); err != nil {
		return fmt.Errorf("closing ephemeral netns: %w", err)
	}
	e.closed = true
	return nil
}
