package libcni

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/types"
)

// call is one plugin execution within an operation.
type call struct {
	verb   string
	list   *NetworkConfigList
	index  int
	plugin *PluginConfig
	rt     *RuntimeConf // nil for GC and STATUS
	stdin  []byte
}

// args are the CNI_* parameters of the call (SPEC.md, section 2,
// "Parameters").
func (c *CNI) args(verb string, rt *RuntimeConf) *invoke.Args {
	a := &invoke.Args{Command: verb, Path: strings.Join(c.pluginDirs, string(os.PathListSeparator))}
	if rt != nil {
		a.ContainerID, a.NetNS, a.IfName, a.PluginArgs = rt.ContainerID, rt.NetNS, rt.IfName, rt.Args
	}
	return a
}

// findPlugins looks up every plugin of the list before any runs (SPEC.md,
// section 3: a missing executable is an error).
func (c *CNI) findPlugins(verb string, list *NetworkConfigList, rt *RuntimeConf) ([]string, error) {
	paths := make([]string, len(list.Plugins))
	for i, p := range list.Plugins {
		path, err := c.exec.FindInPath(p.Network.Type, c.pluginDirs)
		if err != nil {
			e := c.opError(verb, list, rt, err)
			e.Plugin = &PluginRef{Index: i, Type: p.Network.Type}
			e.Code = ErrCodeInvalidConfig
			e.Msg = "plugin not found"
			e.Details = "searched " + strings.Join(c.pluginDirs, ":")
			return nil, e
		}
		paths[i] = path
	}
	return paths, nil
}

// exec runs one plugin. withResult says whether it prints a result (ADD).
func (c *CNI) run(ctx context.Context, cl call, path string, withResult bool) (types.Result, error) {
	ctx, cancel := c.pluginContext(ctx)
	defer cancel()
	ev := TraceEvent{Verb: cl.verb, Network: cl.list.Name, Plugin: PluginRef{Index: cl.index, Type: cl.plugin.Network.Type}}
	ex := &tracingExec{Exec: c.exec, event: &ev}
	start := time.Now()
	var res types.Result
	var err error
	if withResult {
		res, err = invoke.ExecPluginWithResult(ctx, path, cl.stdin, c.args(cl.verb, cl.rt), ex)
	} else {
		err = invoke.ExecPluginWithoutResult(ctx, path, cl.stdin, c.args(cl.verb, cl.rt), ex)
	}
	ev.Duration = time.Since(start)
	if err != nil {
		err = c.pluginError(cl, err)
	}
	ev.Err = err
	if c.trace != nil {
		c.trace(ev)
	}
	return res, err
}

func (c *CNI) pluginContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.pluginTimeout > 0 {
		return context.WithTimeout(ctx, c.pluginTimeout)
	}
	return context.WithCancel(ctx)
}

// pluginError turns what the executor returned into an *Error for the call.
func (c *CNI) pluginError(cl call, err error) *Error {
	e := c.opError(cl.verb, cl.list, cl.rt, err)
	e.Plugin = &PluginRef{Index: cl.index, Type: cl.plugin.Network.Type}
	var ee *ExecError
	if errors.As(err, &ee) {
		e.Stderr = ee.Stderr
		if ee.Canceled != nil {
			if errors.Is(ee.Canceled, context.DeadlineExceeded) && c.pluginTimeout > 0 {
				e.Timeout = c.pluginTimeout
			}
			e.Msg = "killed: " + ee.Canceled.Error()
			return e
		}
	}
	var te *types.Error
	if errors.As(err, &te) {
		e.Code, e.Msg, e.Details = te.Code, te.Msg, te.Details
	}
	return e
}

// opError starts an *Error for an operation on list.
func (c *CNI) opError(verb string, list *NetworkConfigList, rt *RuntimeConf, err error) *Error {
	e := &Error{Verb: verb, Network: list.Name, Err: err}
	if rt != nil {
		e.ContainerID, e.IfName = rt.ContainerID, rt.IfName
	}
	var te *types.Error
	if errors.As(err, &te) {
		e.Code, e.Msg, e.Details = te.Code, te.Msg, te.Details
	}
	return e
}
