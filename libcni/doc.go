// Package libcni runs CNI network configurations from the runtime side, as
// the CNI specification (SPEC.md of github.com/containernetworking/cni)
// describes: it loads network configurations, runs plugin chains for ADD,
// CHECK, DEL, GC, STATUS and VERSION, rolls back a failed ADD, and keeps
// the results in a cache that upstream libcni, cnitool and containerd can
// read (package cache).
//
// Compared with upstream libcni it adds what runtimes otherwise write
// themselves: the attachment is recorded before the first plugin runs and
// cache writes are atomic; a failed ADD is rolled back; DEL replays the
// cached CNI_ARGS and capability args; operations on one attachment are
// serialised across processes and GC excludes ADD and DEL on its network;
// every plugin runs under a timeout in its own process group; and errors
// are typed (*Error) and keep the CNI error code.
package libcni
