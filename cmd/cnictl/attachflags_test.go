package main

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/spf13/pflag"
)

func parseAttachFlags(t *testing.T, args ...string) (*attachFlags, *pflag.FlagSet) {
	t.Helper()
	var f attachFlags
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return &f, fs
}

func TestRuntimeConf(t *testing.T) {
	f, _ := parseAttachFlags(t,
		"--args", "IP=10.1.1.5;FOO=bar",
		"--cap-args", `{"bandwidth":{"ingressRate":1000}}`,
		"--publish", "8080:80", "--publish", "127.0.0.1:53:53/udp",
		"--ip", "10.1.1.5/24", "--ip", "2001:db8::5",
		"--mac", "02:00:00:00:00:05",
		"--ifname", "net1",
	)
	rt, err := f.runtimeConf("/var/run/netns/blue")
	if err != nil {
		t.Fatal(err)
	}
	if rt.ContainerID != defaultContainerID("/var/run/netns/blue") || rt.IfName != "net1" || rt.NetNS != "/var/run/netns/blue" {
		t.Errorf("runtime conf = %+v", rt)
	}
	got, err := json.Marshal(rt.CapabilityArgs)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"bandwidth":{"ingressRate":1000},"ips":["10.1.1.5/24","2001:db8::5"],"mac":"02:00:00:00:00:05",` +
		`"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":53,"containerPort":53,"protocol":"udp","hostIP":"127.0.0.1"}]}`
	if string(got) != want {
		t.Errorf("capability args\n got %s\nwant %s", got, want)
	}
	if len(rt.Args) != 2 || rt.Args[1] != [2]string{"FOO", "bar"} {
		t.Errorf("CNI_ARGS = %v", rt.Args)
	}
}

func TestRuntimeConfContainerIDFlag(t *testing.T) {
	f, _ := parseAttachFlags(t, "--container-id", "abc")
	rt, err := f.runtimeConf("/var/run/netns/blue")
	if err != nil {
		t.Fatal(err)
	}
	if rt.ContainerID != "abc" || rt.CapabilityArgs != nil || rt.Args != nil {
		t.Errorf("runtime conf = %+v", rt)
	}
}

func TestRuntimeConfErrorsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--args", "A=1;B"},
		{"--cap-args", "[1]"},
		{"--cap-args", "null"},
		{"--cap-args", "{"},
		{"--publish", "80"},
		{"--ip", "10.1.1"},
		{"--mac", "zz"},
		{"--cap-args", `{"portMappings":[]}`, "--publish", "80:80"},
		{"--cap-args", `{"ips":[]}`, "--ip", "10.1.1.5"},
	} {
		f, _ := parseAttachFlags(t, args...)
		_, err := f.runtimeConf("/var/run/netns/blue")
		var usage *usageError
		if !errors.As(err, &usage) {
			t.Errorf("%v: error %v, want a usage error", args, err)
		}
	}
}

func TestAttachFlagsEnv(t *testing.T) {
	t.Setenv(envIfName, "net9")
	t.Setenv(envCNIArgs, "A=1")
	t.Setenv(envCapArgs, `{"mac":"02:00:00:00:00:07"}`)

	f, fs := parseAttachFlags(t)
	f.applyEnv(fs)
	if f.ifName != "net9" || f.cniArgs != "A=1" || f.capArgs != `{"mac":"02:00:00:00:00:07"}` {
		t.Errorf("environment not applied: %+v", f)
	}

	f, fs = parseAttachFlags(t, "--ifname", "eth3", "--args", "B=2")
	f.applyEnv(fs)
	if f.ifName != "eth3" || f.cniArgs != "B=2" {
		t.Errorf("flags must win over the environment: %+v", f)
	}
}
