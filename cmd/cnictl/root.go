package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cnictl/cnictl/cache"
	"github.com/cnictl/cnictl/libcni"
	"github.com/cnictl/cnictl/netnsmgr"
)

// Environment variables that stand in for global flags not given on the
// command line; cnitool reads the first two too.
const (
	envConfDir   = "NETCONFPATH"
	envPluginDir = "CNI_PATH"
	envTimeout   = "CNICTL_TIMEOUT"
)

// defaultTimeout bounds each plugin execution unless --timeout says
// otherwise.
const defaultTimeout = 60 * time.Second

// app holds the global flags and what commands build from them.
type app struct {
	confDir   string
	pluginDir string
	cacheDir  string
	netnsDir  string
	timeout   time.Duration
	output    string
	trace     bool
	quiet     bool

	out *printer
}

func newApp(stdout, stderr io.Writer) *app {
	return &app{out: &printer{format: formatTable, stdout: stdout, stderr: stderr}}
}

// newRootCommand builds the cnictl command tree.
func newRootCommand(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "cnictl",
		Short: "Attach containers to CNI networks and inspect networks, attachments and plugins",
		Long: `cnictl runs CNI network configurations the way a container runtime does:
it adds, checks and deletes attachments, garbage-collects networks, asks
plugins for their status, and shows what the configuration directory, the
plugin directories and the attachment cache hold.

It reads and writes the same configuration, plugin and cache directories as
cnitool, containerd and CRI-O, and derives the same container ID as cnitool
when none is given, so an attachment made by one tool can be deleted by the
other.

` + exitCodesHelp,
		Args:              noSubcommandArgs,
		RunE:              func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return a.setup(cmd.Flags()) },
		Version:           cnictlVersion(),
		SilenceErrors:     true,
		SilenceUsage:      true,
	}
	root.SetVersionTemplate("cnictl {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err: err} })

	f := root.PersistentFlags()
	f.StringVar(&a.confDir, "conf-dir", libcni.DefaultConfDir, "network configuration directory (env "+envConfDir+")")
	f.StringVar(&a.pluginDir, "plugin-dir", strings.Join(defaultPluginDirs(), ":"), "plugin directories, colon-separated, in search order (env "+envPluginDir+")")
	f.StringVar(&a.cacheDir, "cache-dir", cache.DefaultDir, "attachment cache directory")
	f.StringVar(&a.netnsDir, "netns-dir", netnsmgr.DefaultDir, "directory of named network namespaces")
	f.DurationVar(&a.timeout, "timeout", defaultTimeout, "time limit of each plugin execution, 0 for none (env "+envTimeout+")")
	f.StringVarP(&a.output, "output", "o", formatTable, "output format: table or json")
	f.BoolVar(&a.trace, "trace", false, "print every plugin execution to stderr: verb, plugin, CNI_* environment, stdin, stdout or error, duration")
	f.BoolVarP(&a.quiet, "quiet", "q", false, "print no notes and, in table mode, no output of commands that change something")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]cobra.Completion{formatTable, formatJSON}, cobra.ShellCompDirectiveNoFileComp))

	root.AddCommand(
		newAddCommand(a),
		newCheckCommand(a),
		newDelCommand(a),
		newGCCommand(a),
		newStatusCommand(a),
		newNetCommand(a),
		newLsCommand(a),
		newInspectCommand(a),
		newPluginsCommand(a),
		newNetnsCommand(a),
		newRunCommand(a),
		newVersionCommand(a),
		newExitCodesTopic(),
	)
	return root
}

// setup applies the environment fallbacks and checks the global flags
// before any command runs.
func (a *app) setup(flags *pflag.FlagSet) error {
	if err := a.applyOutputFlags(); err != nil {
		return err
	}
	if v := os.Getenv(envConfDir); v != "" && !flags.Changed("conf-dir") {
		a.confDir = v
	}
	if v := os.Getenv(envPluginDir); v != "" && !flags.Changed("plugin-dir") {
		a.pluginDir = v
	}
	if v := os.Getenv(envTimeout); v != "" && !flags.Changed("timeout") {
		d, err := time.ParseDuration(v)
		if err != nil {
			return usagef("invalid %s %q: %v", envTimeout, v, err)
		}
		a.timeout = d
	}
	if a.timeout < 0 {
		return usagef("invalid --timeout %s: must not be negative", a.timeout)
	}
	return nil
}

// applyOutputFlags hands --output and --quiet to the printer.
func (a *app) applyOutputFlags() error {
	switch a.output {
	case formatTable, formatJSON:
		a.out.format = a.output
	default:
		return usagef("invalid --output %q: want table or json", a.output)
	}
	a.out.quiet = a.quiet
	return nil
}

// pluginDirs are the directories of --plugin-dir, in search order.
func (a *app) pluginDirs() []string {
	var dirs []string
	for _, d := range filepath.SplitList(a.pluginDir) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// cni returns the runtime configured by the global flags.
func (a *app) cni() *libcni.CNI {
	// What plugins that succeed write to stderr is shown, as cnitool
	// does, unless --quiet.
	pluginStderr := a.out.stderr
	if a.quiet {
		pluginStderr = nil
	}
	opts := []libcni.Option{
		libcni.WithPluginDirs(a.pluginDirs()...),
		libcni.WithCacheDir(a.cacheDir),
		libcni.WithPluginTimeout(a.timeout),
		libcni.WithStderr(pluginStderr),
	}
	if a.trace {
		opts = append(opts, libcni.WithTrace(a.out.Trace))
	}
	return libcni.New(opts...)
}

// store is the attachment cache of --cache-dir.
func (a *app) store() *cache.Store { return cache.New(a.cacheDir) }

// netns is the namespace manager of --netns-dir.
func (a *app) netns() *netnsmgr.Manager { return netnsmgr.New(a.netnsDir) }

// catalog reads the configuration directory and adds the built-in network
// when no file defines (or tries to define) a network of its name.
func (a *app) catalog() (*libcni.Catalog, error) {
	cat, err := libcni.LoadDir(a.confDir)
	if err != nil {
		return nil, fmt.Errorf("loading networks: %w", err)
	}
	if _, err := cat.Get(builtinName); libcni.IsNotFound(err) {
		builtin, err := builtinNetwork(cat)
		if err != nil {
			return nil, err
		}
		cat.Networks = append(cat.Networks, builtin)
	}
	return cat, nil
}

// network loads one network from the configuration directory.
func (a *app) network(name string) (*libcni.NetworkConfigList, error) {
	cat, err := a.catalog()
	if err != nil {
		return nil, err
	}
	return cat.Get(name)
}

// noSubcommandArgs rejects arguments of a command that only groups
// subcommands, so that a mistyped subcommand is a usage error.
func noSubcommandArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usagef("%s", msg)
}

// exactArgs wants one positional argument for each of names, which the
// error lists.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(names) == 0 && len(args) > 0 {
			return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args)
		}
		if len(args) != len(names) {
			return usagef("%s wants %d arguments (%s), got %d", cmd.CommandPath(), len(names), strings.Join(names, " "), len(args))
		}
		return nil
	}
}

// minArgs wants at least n positional arguments.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s wants %s", cmd.CommandPath(), what)
		}
		return nil
	}
}
