# cnictl — build, test and demo.
#
#   make            build cnictl and the reference plugins into ./bin
#   make test       vet and run every test (as root: tests run in private
#                   network and mount namespaces and never touch the host)
#   sudo make demo  attach a throwaway namespace to a bridge network, ping
#                   through it, and tear everything down again

GO      ?= go
BIN     ?= $(CURDIR)/bin
PLUGINS ?= $(BIN)/plugins
TESTFLAGS ?= -count=1 -timeout 25m

# The reference plugins, built from the module version pinned in go.mod,
# serve as the plugin set until cnictl's bundled plugins replace them.
REFERENCE_PLUGINS = \
	github.com/containernetworking/plugins/plugins/main/bridge \
	github.com/containernetworking/plugins/plugins/main/loopback \
	github.com/containernetworking/plugins/plugins/main/ptp \
	github.com/containernetworking/plugins/plugins/main/macvlan \
	github.com/containernetworking/plugins/plugins/ipam/host-local \
	github.com/containernetworking/plugins/plugins/ipam/static \
	github.com/containernetworking/plugins/plugins/meta/portmap \
	github.com/containernetworking/plugins/plugins/meta/firewall \
	github.com/containernetworking/plugins/plugins/meta/tuning \
	github.com/containernetworking/plugins/plugins/meta/bandwidth

.PHONY: all build plugins test vet demo clean

all: build

build: plugins
	$(GO) build -o $(BIN)/cnictl ./cmd/cnictl

plugins:
	@mkdir -p $(PLUGINS)
	$(GO) build -o $(PLUGINS)/ $(REFERENCE_PLUGINS)

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...

test: vet
	$(GO) test $(TESTFLAGS) ./...

demo: build
	BIN=$(BIN) PLUGINS=$(PLUGINS) sh scripts/demo.sh

clean:
	rm -rf $(BIN)
