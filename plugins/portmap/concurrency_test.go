package portmap

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/nftables"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/plugins/internal/nftutil"
)

// TestConcurrentAddDel adds and then deletes many attachments at once, as
// concurrent plugin processes would: every mapping is installed, and
// after the last DEL neither the table nor any state is left.
func TestConcurrentAddDel(t *testing.T) {
	hermetic.Require(t)
	stateDir := t.TempDir()
	t.Setenv(nftutil.EnvStateDir, stateDir)
	hermetic.CheckLeaks(t, stateDir)
	const n = 24
	parallel := func(fn func(i int) error) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = fn(i)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("attachment %d: %v", i, err)
			}
		}
	}
	parallel(func(i int) error {
		conf, a := benchConf(fmt.Sprintf("net%d", i%3), i, 30000+i)
		return add(conf, a)
	})
	r, err := openRuleset()
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	elems, err := r.c.GetSetElements(&nftables.Set{Table: table, Name: dnatMapName("", nftutil.IPv4, false)})
	if err != nil {
		t.Fatal(err)
	}
	if len(elems) != n {
		t.Errorf("%d elements in dnat4 after %d concurrent ADDs", len(elems), n)
	}
	parallel(func(i int) error {
		_, a := benchConf(fmt.Sprintf("net%d", i%3), i, 30000+i)
		return del(a)
	})
	if rs := listRuleset(t); strings.Contains(rs, tableName) {
		t.Errorf("table left after the last DEL:\n%s", rs)
	}
}
