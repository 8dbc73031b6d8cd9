package plugins

// ErrPluginNotAvailable is the CNI error code of a plugin that cannot
// serve ADD requests, which STATUS reports (SPEC.md, Section 2: Execution
// Protocol, STATUS). github.com/containernetworking/cni/pkg/types declares
// no constant for it.
const ErrPluginNotAvailable uint = 50
