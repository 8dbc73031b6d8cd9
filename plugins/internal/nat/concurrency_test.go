package nat

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
)

// envChildOp makes the test binary a child process that runs one operation
// of this package and exits, as a plugin process would: "setup" or
// "teardown" of the attachment named by envChildArgs.
const (
	envChildOp   = "CNICTL_NAT_TEST_CHILD_OP"
	envChildArgs = "CNICTL_NAT_TEST_CHILD_ARGS"
)

// childMain runs the child process's operation and returns its exit code.
func childMain() int {
	var a Attachment
	var addr string
	if _, err := fmt.Sscan(os.Getenv(envChildArgs), &a.Network, &a.ContainerID, &a.IfName, &addr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var err error
	switch os.Getenv(envChildOp) {
	case "setup":
		var ipn *net.IPNet
		var ip net.IP
		ip, ipn, err = net.ParseCIDR(addr)
		if err == nil {
			ipn.IP = ip
			err = Setup(a, []*net.IPNet{ipn})
		}
	case "teardown":
		err = Teardown(a)
	default:
		err = fmt.Errorf("unknown child operation %q", os.Getenv(envChildOp))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// runChild runs one operation in a child process.
func runChild(op string, a Attachment, addr string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), envChildOp+"="+op,
		envChildArgs+"="+fmt.Sprintf("%s %s %s %s", a.Network, a.ContainerID, a.IfName, addr))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("child process %s %s: %v: %s", op, a, err, out)
	}
	return nil
}

// TestConcurrentSetupTeardown sets up 50 attachments from goroutines and
// 50 from processes at once, on two networks, then tears them all down at
// once: the map ends up with exactly the 100 elements, then with nothing.
func TestConcurrentSetupTeardown(t *testing.T) {
	root := newEnv(t)
	const n = 50
	type job struct {
		a      Attachment
		addr   string
		inProc bool
	}
	var jobs []job
	for i := range 2 * n {
		network := "neta"
		if i%2 == 1 {
			network = "netb"
		}
		a := Attachment{Network: network, ContainerID: "c" + strconv.Itoa(i), IfName: "eth0"}
		jobs = append(jobs, job{a: a, addr: addr4(7, i), inProc: i < n})
	}
	run := func(op string) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, len(jobs))
		for _, j := range jobs {
			wg.Go(func() {
				switch {
				case !j.inProc:
					errs <- runChild(op, j.a, j.addr)
				case op == "setup":
					errs <- Setup(j.a, cidrs(t, j.addr))
				default:
					errs <- Teardown(j.a)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	}
	run("setup")
	st := listRuleset(t)
	if got := len(st.Elements["masq4"]); got != 2*n {
		t.Errorf("map masq4 holds %d elements, want %d", got, 2*n)
	}
	if st.Tables != 1 || st.Rules != 8 || len(st.Chains) != 3 {
		t.Errorf("want one table, 3 chains and 8 rules; got %+v", st)
	}
	for _, j := range jobs {
		if err := Check(j.a, cidrs(t, j.addr)); err != nil {
			t.Error(err)
		}
	}
	run("teardown")
	wantGone(t, root)
}
