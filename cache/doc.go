// Package cache keeps the record of every network attachment on the host,
// in the on-disk format of upstream libcni (kind "cniCacheV1").
//
// An entry lives at <dir>/results/<network>-<containerID>-<ifname> (directory
// 0700, file 0600), exactly where upstream libcni, cnitool and containerd
// look, so each tool reads what the others write. Unlike upstream, every
// write is atomic (temporary file, fsync, rename), so
// a crash never leaves an empty or half-written entry, and an entry can be
// written before the first plugin runs (without a result, which upstream
// tolerates) so that an interrupted ADD leaves a record that DEL and GC find.
//
// The package also provides the cross-process locks that serialise the
// operations on one attachment and let GC exclude ADD and DEL on a network.
package cache
