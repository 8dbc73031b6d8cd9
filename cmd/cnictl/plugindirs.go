package main

import (
	"os"
	"path/filepath"

	"github.com/cnictl/cnictl/libcni"
)

// bundledPluginSubdir is where `make install` puts the bundled plugins,
// relative to the directory of the cnictl executable: PREFIX/bin/cnictl
// finds them in PREFIX/lib/cnictl/plugins.
const bundledPluginSubdir = "../lib/cnictl/plugins"

// defaultPluginDirs are searched when neither --plugin-dir nor CNI_PATH
// is given: the bundled plugins installed beside this executable first, so
// that an installation works with nothing in /opt/cni/bin, then the
// directory every CNI tool shares, for plugins cnictl does not bundle.
func defaultPluginDirs() []string {
	var dirs []string
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			dirs = append(dirs, filepath.Join(filepath.Dir(exe), bundledPluginSubdir))
		}
	}
	return append(dirs, libcni.DefaultPluginDirs...)
}
