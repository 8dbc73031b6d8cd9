package main

import (
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cnictl/cnictl/cache"
)

func newLsCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List every cached attachment on the host, whichever tool made it",
		Long: `List every attachment recorded in the cache directory, whether cnictl,
cnitool, containerd or CRI-O made it: container ID, network, interface,
network namespace, the IP addresses of the cached result and the age of
the entry. Cache files that cannot be read are reported as warnings (on
stderr; in the "corrupt" list with -o json).`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			store := a.store()
			entries, errs := store.List()
			v := attachmentList{Attachments: []attachmentRow{}, Corrupt: corruptEntries(errs)}
			now := time.Now()
			for _, e := range entries {
				row, err := newAttachmentRow(store, e, now)
				if err != nil {
					v.Corrupt = append(v.Corrupt, corruptEntry{File: store.Path(e.Key()), Error: err.Error()})
				}
				v.Attachments = append(v.Attachments, row)
			}
			if a.out.format != formatJSON {
				warnCorrupt(a.out, v.Corrupt)
			}
			return a.out.Print(v)
		},
	}
}

// attachmentList is every cached attachment.
type attachmentList struct {
	Attachments []attachmentRow `json:"attachments"`
	Corrupt     []corruptEntry  `json:"corrupt"`
}

type attachmentRow struct {
	ContainerID string   `json:"containerID"`
	Network     string   `json:"network"`
	IfName      string   `json:"ifName"`
	NetNS       string   `json:"netns"`
	IPs         []string `json:"ips"`
	// Complete is false when the ADD that made the entry did not finish.
	Complete bool `json:"complete"`
	// Cached is when the entry was written; AgeSeconds how long ago.
	Cached     *time.Time `json:"cached,omitempty"`
	AgeSeconds *int64     `json:"ageSeconds,omitempty"`
}

// newAttachmentRow summarises a cache entry; the error says why its result
// cannot be read, the row is usable anyway.
func newAttachmentRow(store *cache.Store, e *cache.Entry, now time.Time) (attachmentRow, error) {
	row := attachmentRow{
		ContainerID: e.ContainerID,
		Network:     e.NetworkName,
		IfName:      e.IfName,
		NetNS:       e.NetNS,
		IPs:         []string{},
		Complete:    e.Complete(),
	}
	if t, ok := cachedAt(store, e); ok {
		age := int64(now.Sub(t) / time.Second)
		row.Cached, row.AgeSeconds = &t, &age
	}
	result, err := e.Result("")
	if err != nil || result == nil {
		return row, err
	}
	ips, err := resultIPs(result)
	if err != nil {
		return row, err
	}
	row.IPs = ips
	return row, nil
}

func (l attachmentList) writeTable(w io.Writer) error {
	rows := make([][]string, 0, len(l.Attachments))
	for _, r := range l.Attachments {
		ips := strings.Join(r.IPs, ",")
		if !r.Complete {
			ips = "(ADD unfinished)"
		}
		age := ""
		if r.AgeSeconds != nil {
			age = humanAge(time.Duration(*r.AgeSeconds) * time.Second)
		}
		rows = append(rows, []string{r.ContainerID, r.Network, r.IfName, r.NetNS, ips, age})
	}
	return writeTable(w, []string{"CONTAINER ID", "NETWORK", "IFNAME", "NETNS", "IPS", "AGE"}, rows)
}
