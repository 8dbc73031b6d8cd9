package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/cnictl/cnictl/libcni"
)

// pluginProbeConcurrency bounds how many plugins run VERSION at once.
const pluginProbeConcurrency = 8

func newPluginsCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "plugins",
		Short: "List the plugins of the plugin directories with the spec versions they support",
		Long: `List every executable of the plugin directories (--plugin-dir) and ask
each one for the CNI spec versions it supports (VERSION). When a name is in
several directories, the first one is listed, since that is the one that
runs. Plugins that fail VERSION are listed with the error.`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			found, err := findPlugins(a.pluginDirs())
			if err != nil {
				return err
			}
			probeVersions(cmd.Context(), a.cni(), found)
			return a.out.Print(pluginList{Dirs: a.pluginDirs(), Plugins: found})
		},
	}
}

// pluginList is the plugins of the plugin directories.
type pluginList struct {
	Dirs    []string     `json:"dirs"`
	Plugins []pluginInfo `json:"plugins"`
}

type pluginInfo struct {
	Name              string   `json:"name"`
	Path              string   `json:"path"`
	SupportedVersions []string `json:"supportedVersions"`
	Error             string   `json:"error,omitempty"`
}

// findPlugins lists the executables of dirs by name, the first directory
// winning, as the plugin lookup does. Missing directories hold none.
func findPlugins(dirs []string) ([]pluginInfo, error) {
	seen := map[string]bool{}
	plugins := []pluginInfo{}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading plugin directory: %w", err)
		}
		for _, e := range entries {
			path := filepath.Join(dir, e.Name())
			fi, err := os.Stat(path)
			if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 || seen[e.Name()] {
				continue
			}
			seen[e.Name()] = true
			plugins = append(plugins, pluginInfo{Name: e.Name(), Path: path, SupportedVersions: []string{}})
		}
	}
	sort.Slice(plugins, func(i, j int) bool { return plugins[i].Name < plugins[j].Name })
	return plugins, nil
}

// probeVersions asks every plugin for its versions, a few at a time, and
// fills in the result or the error.
func probeVersions(ctx context.Context, cni *libcni.CNI, plugins []pluginInfo) {
	sem := make(chan struct{}, pluginProbeConcurrency)
	var wg sync.WaitGroup
	for i := range plugins {
		p := &plugins[i]
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			info, err := cni.VersionInfo(ctx, p.Name)
			if err != nil {
				p.Error = err.Error()
				return
			}
			p.SupportedVersions = info.SupportedVersions()
		})
	}
	wg.Wait()
}

func (l pluginList) writeTable(w io.Writer) error {
	rows := make([][]string, 0, len(l.Plugins))
	for _, p := range l.Plugins {
		rows = append(rows, []string{p.Name, p.Path, strings.Join(p.SupportedVersions, ","), p.Error})
	}
	return writeTable(w, []string{"NAME", "PATH", "VERSIONS", "ERROR"}, rows)
}
