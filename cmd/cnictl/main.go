// Command cnictl attaches containers to CNI networks the way a container
// runtime does and shows what the configuration directory, the plugin
// directories and the attachment cache hold. See `cnictl --help`.
package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Cancelling the context on SIGINT and SIGTERM kills running plugins;
	// "run" and "netns exec" forward the signals to their command instead.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// execute runs cnictl with args and returns the exit code; it reports the
// error a command failed with.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := newApp(stdout, stderr)
	root := newRootCommand(a)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	// A flag error stops cobra before setup; an --output given before the
	// bad flag still decides how the error is printed.
	_ = a.applyOutputFlags()
	code := exitCode(err)
	a.out.Error(err, code)
	var usage *usageError
	if errors.As(err, &usage) {
		a.out.UsageHint(cmd.CommandPath())
	}
	return code
}
