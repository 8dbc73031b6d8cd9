package bandwidth

import (
	"errors"
	"fmt"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// latencyInMillis is how long a packet may wait in a tbf: with the rate
// and the burst it sets the queue's limit. The reference plugin's value.
const latencyInMillis = 25

// tbfParams are the parameters of a tbf qdisc as the kernel takes them and
// reports them back.
type tbfParams struct {
	// Rate is in bytes per second.
	Rate uint64
	// Limit is the queue length in bytes.
	Limit uint32
	// Buffer is the bucket size in ticks of the packet scheduler clock.
	Buffer uint32
}

// newTBFParams computes the parameters of a tbf for a rate in bits per
// second and a burst in bits, with the reference plugin's formulas, so
// that both plugins set the same qdiscs.
func newTBFParams(rateInBits, burstInBits uint64) tbfParams {
	rate := rateInBits / 8
	burst := uint32(burstInBits / 8)
	buffer := time2Tick(uint32(float64(burst) * float64(netlink.TIME_UNITS_PER_SEC) / float64(rate)))
	latency := float64(netlink.TIME_UNITS_PER_SEC) * (latencyInMillis / 1000.0)
	limit := uint32(float64(rate)*latency/float64(netlink.TIME_UNITS_PER_SEC)) + burst
	return tbfParams{Rate: rate, Limit: limit, Buffer: buffer}
}

// time2Tick converts microseconds to ticks of the packet scheduler clock.
func time2Tick(usec uint32) uint32 {
	return uint32(float64(usec) * netlink.TickInUsec())
}

// addTBF makes p the root qdisc (handle 1:) of the link with index.
func addTBF(index int, p tbfParams) error {
	qdisc := &netlink.Tbf{
		QdiscAttrs: netlink.QdiscAttrs{
			LinkIndex: index,
			Handle:    netlink.MakeHandle(1, 0),
			Parent:    netlink.HANDLE_ROOT,
		},
		Rate:   p.Rate,
		Limit:  p.Limit,
		Buffer: p.Buffer,
	}
	if err := netlink.QdiscAdd(qdisc); err != nil {
		return fmt.Errorf("adding a tbf qdisc: %w", err)
	}
	return nil
}

// rootTBF returns the root qdisc of link if it is a tbf, else nil.
func rootTBF(link netlink.Link) (*netlink.Tbf, error) {
	qdiscs, err := netlinksafe.QdiscList(link)
	if err != nil {
		return nil, fmt.Errorf("listing the qdiscs of %q: %w", link.Attrs().Name, err)
	}
	for _, q := range qdiscs {
		if tbf, ok := q.(*netlink.Tbf); ok && tbf.Parent == netlink.HANDLE_ROOT {
			return tbf, nil
		}
	}
	return nil, nil
}

// checkTBF verifies that the root qdisc of link is a tbf with p.
func checkTBF(link netlink.Link, p tbfParams) error {
	tbf, err := rootTBF(link)
	if err != nil {
		return err
	}
	if tbf == nil {
		return fmt.Errorf("%q has no tbf root qdisc", link.Attrs().Name)
	}
	got := tbfParams{Rate: tbf.Rate, Limit: tbf.Limit, Buffer: tbf.Buffer}
	if got != p {
		return fmt.Errorf("the tbf qdisc of %q has rate %d B/s, limit %d B, buffer %d ticks; configured rate %d B/s, limit %d B, buffer %d ticks",
			link.Attrs().Name, got.Rate, got.Limit, got.Buffer, p.Rate, p.Limit, p.Buffer)
	}
	return nil
}

// delRootTBF removes the root qdisc of link if it is a tbf.
func delRootTBF(link netlink.Link) error {
	tbf, err := rootTBF(link)
	if err != nil || tbf == nil {
		return err
	}
	if err := netlink.QdiscDel(tbf); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("removing the tbf qdisc of %q: %w", link.Attrs().Name, err)
	}
	return nil
}
