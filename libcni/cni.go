package libcni

import (
	"io"
	"os"
	"time"

	"github.com/containernetworking/cni/pkg/invoke"

	"github.com/cnictl/cnictl/cache"
)

// DefaultPluginDirs are searched for plugins when no directory is given.
var DefaultPluginDirs = []string{"/opt/cni/bin"}

// DefaultTeardownTimeout bounds the rollback of a failed ADD when the
// caller's context has already ended: the rollback runs on a detached
// context so that an expired request cannot leave a half-made attachment.
const DefaultTeardownTimeout = 2 * time.Minute

// RuntimeConf holds the attachment parameters of one operation (SPEC.md,
// section 3, "Attachment Parameters").
type RuntimeConf struct {
	ContainerID string
	// NetNS is the path of the network namespace.
	NetNS  string
	IfName string
	// Args are the CNI_ARGS pairs.
	Args [][2]string
	// CapabilityArgs are offered to every plugin; each plugin receives in
	// its runtimeConfig the ones it declares in "capabilities".
	CapabilityArgs map[string]any
}

// CNI runs network configurations. It is safe for concurrent use, also
// across processes: operations lock the attachment and the network under
// the cache directory.
type CNI struct {
	pluginDirs      []string
	store           *cache.Store
	exec            invoke.Exec
	pluginTimeout   time.Duration
	teardownTimeout time.Duration
	trace           func(TraceEvent)
}

// Option configures a CNI.
type Option func(*CNI)

// WithPluginDirs sets the directories searched for plugins, in order.
func WithPluginDirs(dirs ...string) Option {
	return func(c *CNI) { c.pluginDirs = append([]string(nil), dirs...) }
}

// WithCacheDir sets the cache directory (default /var/lib/cni).
func WithCacheDir(dir string) Option {
	return func(c *CNI) { c.store = cache.New(dir) }
}

// WithExec replaces the plugin executor; nil keeps the default
// ProcessExec.
func WithExec(e invoke.Exec) Option {
	return func(c *CNI) {
		if e != nil {
			c.exec = e
		}
	}
}

// WithStderr sends the standard error of plugins that succeed to w (the
// default is os.Stderr, as upstream does; nil drops it). It has no effect
// together with WithExec.
func WithStderr(w io.Writer) Option {
	return func(c *CNI) {
		if pe, ok := c.exec.(*ProcessExec); ok {
			pe.Stderr = w
		}
	}
}

// WithPluginTimeout bounds every single plugin execution; a plugin that
// runs longer is killed with its whole process group. Zero means no limit
// beyond the caller's context.
func WithPluginTimeout(d time.Duration) Option {
	return func(c *CNI) { c.pluginTimeout = d }
}

// WithTeardownTimeout bounds the rollback of a failed ADD.
func WithTeardownTimeout(d time.Duration) Option {
	return func(c *CNI) { c.teardownTimeout = d }
}

// WithTrace calls fn after every plugin execution.
func WithTrace(fn func(TraceEvent)) Option {
	return func(c *CNI) { c.trace = fn }
}

// New returns a CNI with the given options.
func New(opts ...Option) *CNI {
	c := &CNI{
		pluginDirs:      DefaultPluginDirs,
		store:           cache.New(""),
		exec:            &ProcessExec{Stderr: os.Stderr},
		teardownTimeout: DefaultTeardownTimeout,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Cache is the store of cached attachments this CNI reads and writes.
func (c *CNI) Cache() *cache.Store { return c.store }

// PluginDirs are the directories searched for plugins.
func (c *CNI) PluginDirs() []string { return append([]string(nil), c.pluginDirs...) }
