package main

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cnictl/cnictl/cache"
)

// corruptEntry is a cache file that cannot be read as an attachment.
type corruptEntry struct {
	// File is the cache file, "" when the error is not about one file.
	File  string `json:"file"`
	Error string `json:"error"`
}

// corruptEntries describes the errors of cache.Store.List.
func corruptEntries(errs []error) []corruptEntry {
	list := make([]corruptEntry, 0, len(errs))
	for _, err := range errs {
		c := corruptEntry{Error: err.Error()}
		var ce *cache.CorruptError
		if errors.As(err, &ce) {
			c.File, c.Error = ce.Path, ce.Err.Error()
		}
		list = append(list, c)
	}
	return list
}

// warnCorrupt reports unreadable cache files as warnings on stderr.
func warnCorrupt(p *printer, corrupt []corruptEntry) {
	for _, c := range corrupt {
		if c.File == "" {
			p.Warn("%s", c.Error)
			continue
		}
		p.Warn("cache entry %s: %s", c.File, c.Error)
	}
}

// cachedAt is when the entry's file was last written: when the ADD that
// made it finished. ok is false when that cannot be told.
func cachedAt(s *cache.Store, e *cache.Entry) (t time.Time, ok bool) {
	k := e.Key()
	// The key comes from the file's content; a part with a separator
	// would name a file elsewhere.
	if strings.ContainsRune(k.Network+k.ContainerID+k.IfName, os.PathSeparator) {
		return time.Time{}, false
	}
	fi, err := os.Stat(s.Path(k))
	if err != nil {
		return time.Time{}, false
	}
	return fi.ModTime(), true
}

// humanAge is a duration the way kubectl shows ages: 45s, 12m, 5h, 3d.
func humanAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(max(d, 0)/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	default:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
}

// formatCNIArgs is CNI_ARGS as they are written: K=V;K2=V2.
func formatCNIArgs(args [][2]string) string {
	pairs := make([]string, 0, len(args))
	for _, kv := range args {
		pairs = append(pairs, kv[0]+"="+kv[1])
	}
	return strings.Join(pairs, ";")
}
