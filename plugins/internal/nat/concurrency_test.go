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

// envHelper makes the test binary run one operation of this package and
// exit, as a plugin process would: "setup" or "teardown" of the attachment
// named by envHelperArgs.
const (
	envHelper     = "CNICTL_NAT_TEST_HELPER"
	envHelperArgs = "CNICTL_NAT_TEST_HELPER_ARGS"
)

// helperMain runs the helper operation and returns the exit code.
func helperMain() int {
	var a Attachment
	var addr string
	if _, err := fmt.Sscan(os.Getenv(envHelperArgs), &a.Network, &a.ContainerID, &a.IfName, &addr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var err error
	switch os.Getenv(envHelper) {
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
		err = fmt.Errorf("unknown helper operation %q", os.Getenv(envHelper))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// runHelper runs one operation in a process of its own.
func runHelper(op string, a Attachment, addr string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), envHelper+"="+op,
		envHelperArgs+"="+fmt.Sprintf("%s %s %s %s", a.Network, a.ContainerID, a.IfName, addr))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("helper %s %s: %v: %s", op, a, err, out)
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
					errs <- runHelper(op, j.a, j.addr)
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
