package tuning

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// allowlistFile, when it exists, lists one regular expression a line; every
// sysctl key must match one of them. The reference plugin's file.
const allowlistFile = "/etc/cni/tuning/allowlist.conf"

// procSys is where the kernel exposes sysctls.
const procSys = "/proc/sys"

// sysctls are the sysctl keys and values of a configuration.
type sysctls map[string]string

// setting is one sysctl to write in the container.
type setting struct {
	// key is the key as configured.
	key string
	// path is the file below /proc/sys, IFNAME replaced.
	path  string
	value string
}

// UnmarshalJSON decodes an object of strings and, like the reference
// plugin, rejects a key that appears twice, which encoding/json would
// silently resolve to the last value.
func (s *sysctls) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*s = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("sysctl must be an object of strings")
	}
	m := sysctls{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("decoding sysctl: %w", err)
		}
		key := tok.(string) // object keys are always strings
		var value string
		if err := dec.Decode(&value); err != nil {
			return fmt.Errorf("sysctl %q: the value must be a string: %w", key, err)
		}
		if _, dup := m[key]; dup {
			return fmt.Errorf("sysctl %q appears twice: duplicated sysctl keys are not allowed", key)
		}
		m[key] = value
	}
	*s = m
	return nil
}

// resolve turns the keys into files below /proc/sys the way the reference
// plugin does: dots become slashes, then the first "IFNAME" becomes
// ifName. Keys outside net.* and keys the allowlist does not match are
// rejected, naming the key.
func (s sysctls) resolve(ifName string) ([]setting, error) {
	allow, err := readAllowlist()
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	settings := make([]setting, 0, len(keys))
	for _, key := range keys {
		p := strings.ReplaceAll(key, ".", "/")
		p = strings.Replace(p, "IFNAME", ifName, 1)
		full := filepath.Join(procSys, p)
		if !strings.HasPrefix(full, procSys+"/net/") {
			return nil, fmt.Errorf("sysctl %q: only net.* sysctls can be set", key)
		}
		if allow != nil && !slices.ContainsFunc(allow, func(re *regexp.Regexp) bool { return re.MatchString(key) }) {
			return nil, fmt.Errorf("sysctl %q is not allowed by %s", key, allowlistFile)
		}
		settings = append(settings, setting{key: key, path: strings.TrimPrefix(full, procSys+"/"), value: s[key]})
	}
	return settings, nil
}

// readAllowlist returns the expressions of the allowlist, or nil if there
// is no allowlist.
func readAllowlist() ([]*regexp.Regexp, error) {
	data, err := os.ReadFile(allowlistFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the sysctl allowlist: %w", err)
	}
	allow := []*regexp.Regexp{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		re, err := regexp.Compile(line)
		if err != nil {
			return nil, fmt.Errorf("sysctl allowlist %s: %w", allowlistFile, err)
		}
		allow = append(allow, re)
	}
	return allow, nil
}

// writeSysctl sets the sysctl at path below /proc/sys. It does not read
// the value back, so that write-only sysctls such as
// net.ipv4.route.flush can be set, as with the reference plugin.
func writeSysctl(path, value string) error {
	return os.WriteFile(filepath.Join(procSys, path), []byte(value), 0o644)
}

// sameValue reports whether a sysctl read back holds the configured value;
// multi-field values compare field by field, whatever the whitespace.
func sameValue(configured, current string) bool {
	return slices.Equal(strings.Fields(configured), strings.Fields(current))
}
