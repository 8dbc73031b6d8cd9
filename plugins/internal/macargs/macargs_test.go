package macargs

import (
	"strings"
	"testing"
)

func TestPick(t *testing.T) {
	const a, b, c, d = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c", "02:00:00:00:00:0d"
	for _, tc := range []struct {
		name, def, cniArgs string
		overrides          []string
		want               string
	}{
		{"nothing set", "", "", nil, ""},
		{"default only", a, "", nil, a},
		{"CNI_ARGS over the default", a, "IgnoreUnknown=1;MAC=" + b, nil, b},
		{"unknown CNI_ARGS ignored", a, "IgnoreUnknown=1;K8S_POD_NAME=p", nil, a},
		{"overrides in order", a, "MAC=" + b, []string{c, d}, d},
		{"empty overrides skipped", a, "MAC=" + b, []string{c, ""}, c},
		{"override without CNI_ARGS", "", "", []string{"", c}, c},
	} {
		got, err := Pick(tc.def, tc.cniArgs, tc.overrides...)
		if err != nil || got != tc.want {
			t.Errorf("%s: Pick = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestPickBadArgs(t *testing.T) {
	if _, err := Pick("", "MAC", "02:00:00:00:00:0a"); err == nil || !strings.Contains(err.Error(), "parsing CNI_ARGS") {
		t.Errorf("Pick with malformed CNI_ARGS: %v, want a CNI_ARGS error", err)
	}
	if _, err := Pick("", "UNKNOWN=1"); err == nil {
		t.Error("Pick with an unknown CNI_ARGS key and no IgnoreUnknown succeeded")
	}
}
