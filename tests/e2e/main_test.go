// Package e2e tests the cnictl binary end to end: built from source, run
// as a process the way people and scripts run it, with the reference CNI
// plugins, upstream cnitool and the recorder test plugin, inside the
// private namespaces of internal/hermetic.
//
// The tests run one after the other: each checks with hermetic.CheckLeaks
// that it leaves no link, address, route, netns, nftables rule, cache entry
// or IP allocation behind, which tests running in parallel would see as
// each other's leaks.
package e2e

import (
	"testing"

	"github.com/cnictl/cnictl/internal/hermetic"
	"github.com/cnictl/cnictl/internal/testbin"
)

func TestMain(m *testing.M) { hermetic.Main(m, testbin.Cleanup) }
