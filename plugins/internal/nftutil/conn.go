package nftutil

import (
	"errors"
	"fmt"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"
)

// Conn is one netlink connection to nftables in the current network
// namespace, lasting until Close, over which a plugin reads and changes its
// tables: the one connection of an ADD, DEL, GC or CHECK.
type Conn struct{ *nftables.Conn }

// Connect connects to nftables in the current network namespace.
func Connect() (*Conn, error) {
	c, err := nftables.New(nftables.AsLasting())
	if err != nil {
		return nil, fmt.Errorf("connecting to nftables: %w", err)
	}
	return &Conn{c}, nil
}

// Close closes the connection.
func (c *Conn) Close() { c.CloseLasting() }

// ConnectAs connects to nftables, as Connect does, and returns the
// connection wrapped by wrap: a plugin's own type, with the plugin's
// methods, around the one connection.
func ConnectAs[R any](wrap func(*Conn) R) (R, error) {
	c, err := Connect()
	if err != nil {
		var none R
		return none, err
	}
	return wrap(c), nil
}

// Locked runs fn with the state directory of plugin locked and a
// connection to nftables that connect opens, such as Connect or a
// ConnectAs. With create, a missing state directory is created; without,
// it is ErrNoState, and fn does not run: the plugin never installed
// anything.
func Locked[R interface{ Close() }](plugin string, create bool, connect func() (R, error), fn func(s *Store, r R) error) error {
	s, err := Open(StateDir(plugin), create)
	if err != nil {
		return err
	}
	defer s.Close()
	r, err := connect()
	if err != nil {
		return err
	}
	defer r.Close()
	return fn(s, r)
}

// DeleteTable deletes table, with everything in it; a missing table is no
// error.
func (c *Conn) DeleteTable(table *nftables.Table) error {
	c.DelTable(table)
	if err := c.Flush(); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("deleting table %s: %w", table.Name, err)
	}
	return nil
}

// Rules returns the rules of chain in table; none if the chain or the
// table does not exist.
func (c *Conn) Rules(table *nftables.Table, chain string) ([]*nftables.Rule, error) {
	rules, err := c.GetRules(table, &nftables.Chain{Table: table, Name: chain})
	if err != nil {
		return nil, fmt.Errorf("listing rules of chain %s of table %s: %w", chain, table.Name, err)
	}
	return rules, nil
}
