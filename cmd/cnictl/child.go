package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/cnictl/cnictl/netnsmgr"
)

// runInNetns runs argv inside the network namespace at path, with
// cnictl's stdin and the given stdout and stderr, and waits for it. While
// it runs, the SIGINT and SIGTERM that cnictl receives are forwarded to it,
// so that it can shut down cleanly and cnictl can clean up after it. It
// returns nil when the command exits with status 0, a *childExitError with
// the status otherwise, and another error when it cannot be started.
func runInNetns(path string, argv []string, stdout, stderr io.Writer) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	// The command is started on a thread inside the namespace and
	// inherits it; Start returns once it runs, so cmd.Process is set.
	if err := netnsmgr.Do(path, cmd.Start); err != nil {
		return fmt.Errorf("starting %s in netns %s: %w", argv[0], path, err)
	}
	done := make(chan struct{})
	forwarded := make(chan struct{})
	go func() {
		defer close(forwarded)
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	<-forwarded
	return exitStatus(argv[0], err)
}

// commandArgs returns the command of args, which starts at index at. With
// flag parsing stopped at the first argument (SetInterspersed(false)), a
// "--" after the first argument is left in args; it is dropped here.
func commandArgs(args []string, at int) []string {
	if len(args) > at && args[at] == "--" {
		return args[at+1:]
	}
	return args[at:]
}

// exitStatus turns the error of cmd.Wait into nil or a *childExitError:
// the exit status, or 128+N for a command killed by signal N, as shells
// report it.
func exitStatus(name string, err error) error {
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("waiting for %s: %w", name, err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return &childExitError{code: 128 + int(ws.Signal())}
	}
	return &childExitError{code: ee.ExitCode()}
}
