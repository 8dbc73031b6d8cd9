// Package netnsmgr creates, lists, resolves and deletes named network
// namespaces the way iproute2 does, so that `ip netns` sees the namespaces
// made here and this package sees the ones made by `ip netns add`: each
// namespace is an nsfs bind mount on an empty file in a directory
// (/var/run/netns by default) that is a shared mount point.
//
// It also runs functions (Do) and commands (Manager.Run) inside a network
// namespace without ever leaving an OS thread of the Go scheduler in the
// wrong namespace, and makes throwaway namespaces (Manager.NewEphemeral).
//
// The package works on Linux only.
package netnsmgr
