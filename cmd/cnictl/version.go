package main

import (
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/containernetworking/cni/pkg/version"
	"github.com/spf13/cobra"
)

// buildVersion is set at link time (-ldflags "-X main.buildVersion=v1.2.3");
// otherwise the module version recorded in the binary is shown.
var buildVersion string

func newVersionCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Show the cnictl version and the CNI spec versions it supports",
		Args:  exactArgs(),
		RunE: func(_ *cobra.Command, _ []string) error {
			return a.out.Print(versionInfo{
				Version:     cnictlVersion(),
				GoVersion:   runtime.Version(),
				CNIVersions: version.All.SupportedVersions(),
			})
		},
	}
}

// versionInfo is what version prints.
type versionInfo struct {
	Version     string   `json:"version"`
	GoVersion   string   `json:"goVersion"`
	CNIVersions []string `json:"cniVersions"`
}

func cnictlVersion() string {
	if buildVersion != "" {
		return buildVersion
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

func (v versionInfo) writeTable(w io.Writer) error {
	return writeFields(w, [][2]string{
		{"cnictl", v.Version},
		{"Go", v.GoVersion},
		{"CNI spec versions", strings.Join(v.CNIVersions, ", ")},
	})
}
