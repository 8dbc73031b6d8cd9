package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/containernetworking/cni/pkg/version"
)

func TestVersion(t *testing.T) {
	decode := func(out []byte) []string {
		t.Helper()
		info, err := (&version.PluginDecoder{}).Decode(out)
		if err != nil {
			t.Fatalf("decoding VERSION output %s: %v", out, err)
		}
		return info.SupportedVersions()
	}
	if got, want := decode(mustRun(t, "VERSION", nil)), version.All.SupportedVersions(); !slices.Equal(got, want) {
		t.Errorf("VERSION = %v, want %v", got, want)
	}

	limited := []string{"0.3.1", "1.0.0"}
	env := "RECORDER_SUPPORTED_VERSIONS=" + strings.Join(limited, ",")
	if got := decode(mustRun(t, "VERSION", nil, env)); !slices.Equal(got, limited) {
		t.Errorf("VERSION with %s = %v", env, got)
	}
	if out := run(t, "ADD", netConf("1.1.0", nil), env); out.err == nil {
		t.Errorf("ADD at 1.1.0 succeeded with %s: %s", env, out.stdout)
	}
}
