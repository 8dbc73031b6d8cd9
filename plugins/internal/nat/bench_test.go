package nat

import (
	"fmt"
	"testing"
)

// BenchmarkSetup measures Setup of one more attachment when none or 1000
// attachments exist: the cost must not grow with their number. The
// attachments the loop adds stay until it ends, so that no deletion is
// measured: the kernel charges a deletion's deferred cleanup (an RCU grace
// period) to the next nftables request, whoever makes it. With none, the
// first Setup also creates the table.
func BenchmarkSetup(b *testing.B) {
	for _, existing := range []int{0, 1000} {
		b.Run(fmt.Sprintf("existing=%d", existing), func(b *testing.B) {
			newEnv(b)
			for i, a := range attachments("old", existing) {
				if err := Setup(a, cidrs(b, addr4(1, i))); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				a := Attachment{Network: "new", ContainerID: fmt.Sprintf("b%d", i), IfName: "eth0"}
				if err := Setup(a, cidrs(b, addr4(2, i%60000))); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			for _, network := range []string{"old", "new"} {
				if err := GC(network, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
