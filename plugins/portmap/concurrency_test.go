package portmap

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/nftables"

	"github.com/cnictl/cnictl/plugins/internal/nftutil"
	"github.com/cnictl/cnictl/plugins/internal/plugintest"
)

// TestConcurrentAddDel adds and then deletes many attachments at once, as
// concurrent plugin processes would: every mapping is installed, and
// after the last DEL neither the table nor any state is left.
func TestConcurrentAddDel(t *testing.T) {
	plugintest.NewStateDir(t, nftutil.EnvStateDir)
	const n = 24
	plugintest.Parallel(t, n, func(i int) error {
		conf, a := benchConf(fmt.Sprintf("net%d", i%3), i, 30000+i)
		return add(conf, a)
	})
	r, err := openRuleset()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	elems, err := r.GetSetElements(&nftables.Set{Table: table, Name: dnatMapName("", nftutil.IPv4, false)})
	if err != nil {
		t.Fatal(err)
	}
	if len(elems) != n {
		t.Errorf("%d elements in dnat4 after %d concurrent ADDs", len(elems), n)
	}
	plugintest.Parallel(t, n, func(i int) error {
		_, a := benchConf(fmt.Sprintf("net%d", i%3), i, 30000+i)
		return records.Del(a)
	})
	if rs := plugintest.Ruleset(t); strings.Contains(rs, tableName) {
		t.Errorf("table left after the last DEL:\n%s", rs)
	}
}
