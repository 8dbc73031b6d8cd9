package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/cnictl/cnictl/internal/testbin"
	"github.com/cnictl/cnictl/internal/testplugins/record"
)

// request is the part of a plugin's stdin these tests read.
type request struct {
	RuntimeConfig struct {
		PortMappings []struct {
			HostPort      int    `json:"hostPort"`
			ContainerPort int    `json:"containerPort"`
			Protocol      string `json:"protocol"`
		} `json:"portMappings"`
	} `json:"runtimeConfig"`
	ValidAttachments []struct {
		ContainerID string `json:"containerID"`
		IfName      string `json:"ifname"`
	} `json:"cni.dev/valid-attachments"`
}

func parseRequest(t *testing.T, e record.Entry) request {
	t.Helper()
	var r request
	if err := json.Unmarshal(e.Stdin, &r); err != nil {
		t.Fatalf("%s request: %v: %s", e.Command, err, e.Stdin)
	}
	return r
}

// TestDelReplaysPortMappings publishes a port on ADD and checks that a DEL
// without --publish still hands the mapping to the plugin, from the cache.
func TestDelReplaysPortMappings(t *testing.T) {
	e := newEnv(t)
	rec := filepath.Join(e.work, "ports.jsonl")
	e.writeConf("ports", netList("ports", "1.0.0",
		recorderConf(map[string]any{"recordFile": rec, "capabilities": map[string]any{"portMappings": true}})))
	e.start()
	e.cnictlNetns("ports")

	e.mustRun("add", "ports", "ports", "--publish", "8080:80/tcp")
	e.mustRun("del", "ports", "ports")

	recs := records(t, rec)
	if got := commands(recs); !slices.Equal(got, []string{"ADD", "DEL"}) {
		t.Fatalf("recorder calls %v, want ADD DEL", got)
	}
	for _, r := range recs {
		pm := parseRequest(t, r).RuntimeConfig.PortMappings
		if len(pm) != 1 || pm[0].HostPort != 8080 || pm[0].ContainerPort != 80 || pm[0].Protocol != "tcp" {
			t.Errorf("%s got runtimeConfig.portMappings %+v, want 8080->80/tcp: %s", r.Command, pm, r.Stdin)
		}
	}
}

// TestGCDeletesStaleAttachment removes one of two attached namespaces
// behind cnictl's back: gc DELs that attachment (the plugin frees its
// state, the cache entry goes) and tells the plugins that only the other
// one is valid.
func TestGCDeletesStaleAttachment(t *testing.T) {
	e := newEnv(t)
	rec := filepath.Join(e.work, "gc.jsonl")
	state := filepath.Join(e.work, "state")
	e.writeConf("gcnet", netList("gcnet", "1.1.0", recorderConf(map[string]any{"recordFile": rec, "stateDir": state})))
	e.start(state)
	live, stale := ipNetns(t, "gc-live"), ipNetns(t, "gc-stale")
	liveID, staleID := cnitoolID(live), cnitoolID(stale)

	e.mustRun("add", "gcnet", "gc-live")
	e.mustRun("add", "gcnet", "gc-stale")
	runTool(t, "ip", "netns", "del", "gc-stale")
	skip := len(records(t, rec))

	e.mustRun("gc", "gcnet")

	if _, err := os.Stat(filepath.Join(state, staleID+"-eth0")); !os.IsNotExist(err) {
		t.Errorf("the stale attachment's plugin state is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(state, liveID+"-eth0")); err != nil {
		t.Errorf("the live attachment's plugin state is gone: %v", err)
	}
	if got := cacheFiles(t, e.cacheDir); !slices.Equal(got, []string{"gcnet-" + liveID + "-eth0"}) {
		t.Errorf("cache holds %v, want the live attachment only", got)
	}
	recs := records(t, rec)[skip:]
	if got := commands(recs); !slices.Equal(got, []string{"DEL", "GC"}) {
		t.Fatalf("gc made the calls %v, want DEL GC", got)
	}
	if recs[0].ContainerID != staleID || recs[0].Netns != stale {
		t.Errorf("gc deleted %s in %s, want %s in %s", recs[0].ContainerID, recs[0].Netns, staleID, stale)
	}
	valid := parseRequest(t, recs[1]).ValidAttachments
	if len(valid) != 1 || valid[0].ContainerID != liveID || valid[0].IfName != "eth0" {
		t.Errorf("GC valid attachments %+v, want only %s/eth0: %s", valid, liveID, recs[1].Stdin)
	}

	e.mustRun("del", "gcnet", "gc-live")
}

// TestNetRmForce removes a network with an attachment: without --force it
// refuses and keeps everything; with it, the attachment is deleted (the
// plugin gets DEL, the cache entry goes) before the file is removed.
func TestNetRmForce(t *testing.T) {
	e := newEnv(t)
	rec := filepath.Join(e.work, "rm.jsonl")
	conf := filepath.Join(e.confDir, "rmnet.conflist")
	e.writeConf("rmnet", netList("rmnet", "1.1.0", recorderConf(map[string]any{"recordFile": rec})))
	e.start()
	e.cnictlNetns("rm")
	e.mustRun("add", "rmnet", "rm")

	if r := e.run("net", "rm", "rmnet"); r.code != 8 {
		t.Errorf("net rm of a network in use: exit %d, want 8 (attached)\n%s", r.code, r)
	}
	if _, err := os.Stat(conf); err != nil {
		t.Fatalf("the refused net rm removed the file: %v", err)
	}
	e.mustRun("net", "rm", "--force", "rmnet")
	// start's priming gc is the first call.
	if got := commands(records(t, rec)); !slices.Equal(got, []string{"GC", "ADD", "DEL"}) {
		t.Errorf("recorder calls %v, want GC ADD DEL", got)
	}
	if got := cacheFiles(t, e.cacheDir); len(got) != 0 {
		t.Errorf("cache entries left after net rm --force: %v", got)
	}
	if _, err := os.Stat(conf); !os.IsNotExist(err) {
		t.Errorf("net rm --force kept %s: %v", conf, err)
	}
}

// TestNetRmKeepsForeignBridge removes a network whose bridge cnictl did not
// create: the bridge stays, idle or not.
func TestNetRmKeepsForeignBridge(t *testing.T) {
	e := newEnv(t)
	e.pluginPath = testbin.Bundled(t)
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "userbr0"}}
	if err := netlink.LinkAdd(br); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netlink.LinkDel(br) })
	e.mustRun("net", "create", "foreign", "--subnet", "10.121.0.0/24", "--bridge", "userbr0")
	e.networks = []string{"foreign"}
	e.start()
	e.mustRun("net", "rm", "foreign")
	if _, err := netlink.LinkByName("userbr0"); err != nil {
		t.Errorf("net rm removed a bridge it did not create: %v", err)
	}
}
