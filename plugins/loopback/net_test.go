package loopback_test

import (
	"bytes"
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/cnictl/cnictl/netnsmgr"
)

// in runs fn in the namespace at nsPath.
func in(t *testing.T, nsPath string, fn func() error) {
	t.Helper()
	if err := netnsmgr.Do(nsPath, fn); err != nil {
		t.Fatal(err)
	}
}

// ping fails t unless the namespace at nsPath reaches addr within five
// seconds.
func ping(t *testing.T, nsPath, addr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var out bytes.Buffer
		cmd := exec.Command("ping", "-c1", "-W1", addr)
		cmd.Stdout, cmd.Stderr = &out, &out
		err := netnsmgr.New("").Run(context.Background(), nsPath, cmd)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("ping %s from netns %s: %v: %s", addr, nsPath, err, out.Bytes())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
