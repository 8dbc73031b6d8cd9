package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cnictl/cnictl/libcni"
)

func newStatusCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "status [NETWORK...]",
		Short: "Ask the plugins of networks whether they are ready (CNI STATUS)",
		Long: `Ask every plugin of the named networks (all networks of the configuration
directory when none is named) whether it is ready for ADD. A network that
is not ready shows the CNI error code: 50 (plugin not available) or 51
(limited connectivity). Networks with cniVersion below 1.1.0 have no
STATUS and show "n/a".

The exit code is 0 when every network is ready (or n/a), else that of the
first network that is not (9 for codes 50 and 51).`,
		Example: `  cnictl status
  cnictl -o json status mynet`,
		ValidArgsFunction: a.completeNetworks(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := a.catalog()
			if err != nil {
				return err
			}
			networks := a.selectNetworks(cat, args)
			cni := a.cni()
			var report statusReport
			var errs []error
			for _, n := range networks {
				res := statusResult{Network: n.name, Status: "ready"}
				if n.list != nil {
					res.CNIVersion = n.list.CNIVersion
				}
				var opErr error
				switch {
				case n.err != nil:
					opErr = n.err
				case !libcni.StatusSupported(n.list):
					res.Status = statusUnsupported
				default:
					opErr = cni.Status(cmd.Context(), n.list)
				}
				if opErr != nil {
					res.Status, res.Error = "not ready", errorInfoPtr(opErr)
					errs = append(errs, opErr)
				}
				report.Networks = append(report.Networks, res)
			}
			if err := a.out.Print(report); err != nil {
				return err
			}
			if len(errs) > 0 {
				return &reportedError{summary: fmt.Sprintf("%d of %d networks not ready", len(errs), len(networks)), err: errs[0]}
			}
			return nil
		},
	}
}

// statusUnsupported is the status of a network whose cniVersion has no
// STATUS.
const statusUnsupported = "n/a (cniVersion < 1.1.0)"

// statusReport is the readiness of each network.
type statusReport struct {
	Networks []statusResult `json:"networks"`
}

type statusResult struct {
	Network    string `json:"network"`
	CNIVersion string `json:"cniVersion,omitempty"`
	// Status is "ready", "not ready" or statusUnsupported.
	Status string     `json:"status"`
	Error  *errorInfo `json:"error,omitempty"`
}

func (r statusReport) writeTable(w io.Writer) error {
	rows := make([][]string, 0, len(r.Networks))
	for _, n := range r.Networks {
		status := n.Status
		if e := n.Error; e != nil {
			status = "not ready: " + e.text()
			if e.Code != 0 {
				// The plugin's own code and message, without the
				// context that the columns already give.
				status = fmt.Sprintf("not ready: code %d: %s", e.Code, e.Msg)
				if e.Details != "" {
					status += ": " + e.Details
				}
				if e.Plugin != nil {
					status += fmt.Sprintf(" (plugin #%d %s)", e.Plugin.Index, e.Plugin.Type)
				}
			}
		}
		rows = append(rows, []string{n.Network, n.CNIVersion, status})
	}
	return writeTable(w, []string{"NETWORK", "CNIVERSION", "STATUS"}, rows)
}
