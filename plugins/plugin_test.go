package plugins

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
)

// TestKeepContext checks that a CNI error wrapped with context reaches skel
// as one CNI error with the inner code and details and the whole message,
// and that other errors pass unchanged.
func TestKeepContext(t *testing.T) {
	inner := &types.Error{Code: 11, Msg: "no IP addresses available in range set", Details: "10.0.0.0/30"}
	plain := errors.New("plain")
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"wrapped", fmt.Errorf("bridge: network %q: %w", "n", inner),
			&types.Error{Code: 11, Msg: `bridge: network "n": no IP addresses available in range set`, Details: "10.0.0.0/30"}},
		{"bare", inner, inner},
		{"plain", plain, plain},
		{"nil", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			funcs := keepContext(skel.CNIFuncs{Add: func(*skel.CmdArgs) error { return tc.err }})
			if got := funcs.Add(&skel.CmdArgs{}); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
			if funcs.Del != nil {
				t.Error("a verb the plugin does not implement became one")
			}
		})
	}
}
