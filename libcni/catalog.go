package libcni

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// DefaultConfDir is where runtimes and cnitool look for network
// configurations.
const DefaultConfDir = "/etc/cni/net.d"

// InvalidConfig is a configuration file that could not be used. It does not
// hide the other networks of the directory.
type InvalidConfig struct {
	// File is the path of the file.
	File string
	// Name is the network name, when it could be read.
	Name string
	// Err says what is wrong, with the line or field where it can.
	Err error
}

func (c InvalidConfig) Error() string {
	if c.Name != "" {
		return fmt.Sprintf("%s (network %q): %v", c.File, c.Name, c.Err)
	}
	return fmt.Sprintf("%s: %v", c.File, c.Err)
}

// Catalog is what a configuration directory holds.
type Catalog struct {
	// Dir is the directory that was read.
	Dir string
	// Networks are the usable networks in priority order: .conflist files
	// first, then .conf and .json files, each group in lexical order. When
	// two files define the same network name, the first one wins and the
	// other is listed in Invalid.
	Networks []*NetworkConfigList
	// Invalid are the files that could not be used.
	Invalid []InvalidConfig
}

// LoadDir reads every network configuration in dir. A missing directory is
// an empty catalog; only an unreadable directory is an error.
func LoadDir(dir string) (*Catalog, error) {
	cat := &Catalog{Dir: dir}
	lists, err := confFiles(dir, ".conflist")
	if err != nil {
		return nil, fmt.Errorf("reading configuration directory %s: %w", dir, err)
	}
	singles, err := confFiles(dir, ".conf", ".json")
	if err != nil {
		return nil, fmt.Errorf("reading configuration directory %s: %w", dir, err)
	}
	for _, f := range lists {
		cat.add(f, ConfListFromFile)
	}
	for _, f := range singles {
		cat.add(f, ConfFromFile)
	}
	return cat, nil
}

func (c *Catalog) add(file string, load func(string) (*NetworkConfigList, error)) {
	list, err := load(file)
	if err != nil {
		c.Invalid = append(c.Invalid, InvalidConfig{File: file, Name: peekName(file), Err: err})
		return
	}
	if prev := c.lookup(list.Name); prev != nil {
		c.Invalid = append(c.Invalid, InvalidConfig{File: file, Name: list.Name,
			Err: fmt.Errorf("network %q is already defined by %s, which takes priority", list.Name, prev.Source)})
		return
	}
	c.Networks = append(c.Networks, list)
}

func (c *Catalog) lookup(name string) *NetworkConfigList {
	for _, n := range c.Networks {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Get returns the network called name. When no usable file defines it, the
// error is a *Error with code 7 naming the invalid file that does, or a
// NotFoundError.
func (c *Catalog) Get(name string) (*NetworkConfigList, error) {
	if n := c.lookup(name); n != nil {
		return n, nil
	}
	for _, inv := range c.Invalid {
		if inv.Name == name {
			return nil, &Error{Network: name, Code: ErrCodeInvalidConfig, Msg: "invalid network configuration", Details: inv.Error(), Err: inv}
		}
	}
	return nil, &NotFoundError{Dir: c.Dir, Name: name}
}

// LoadNetwork finds the network called name in dir.
func LoadNetwork(dir, name string) (*NetworkConfigList, error) {
	cat, err := LoadDir(dir)
	if err != nil {
		return nil, err
	}
	return cat.Get(name)
}

// NotFoundError says that no configuration file defines a network.
type NotFoundError struct {
	Dir  string
	Name string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no network %q in %s", e.Name, e.Dir)
}

// IsNotFound reports whether err says that a network does not exist.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// confFiles lists the regular files of dir with one of the extensions, in
// lexical order; a missing directory has none.
func confFiles(dir string, exts ...string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		for _, ext := range exts {
			if filepath.Ext(e.Name()) == ext {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	sort.Strings(files)
	return files, nil
}

// peekName reads just the network name of a file that failed to load, so
// that asking for that network reports why it is broken.
func peekName(file string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	var v struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(data, &v) != nil {
		return ""
	}
	return v.Name
}
