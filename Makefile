# cnictl — build, install, test and demo.
#
#   make                 build cnictl and the bundled plugins into ./_output,
#                        laid out as they are installed
#   sudo make install    install into $(DESTDIR)$(PREFIX): bin/cnictl,
#                        lib/cnictl/plugins/* (searched by cnictl by default)
#                        and shell completion for bash, zsh and fish
#   sudo make install-cni-bin
#                        also link the bundled plugins into $(CNI_BIN_DIR)
#                        for other CNI tools, never replacing a plugin that
#                        is already there unless FORCE=1
#   sudo make demo       install, then attach two namespaces to the built-in
#                        network, ping, publish a port, and tear it all down
#   sudo make test       vet and run every test (tests run in private network
#                        and mount namespaces and never touch the host)

GO          ?= go
PREFIX      ?= /usr/local
DESTDIR     ?=
CNI_BIN_DIR ?= /opt/cni/bin
FORCE       ?= 0
OUT         ?= $(CURDIR)/_output
TESTFLAGS   ?= -count=1 -timeout 25m

# The bundled plugins are one executable, lib/cnictl/cnictl-plugins, that
# runs the plugin it is invoked as: lib/cnictl/plugins/TYPE are hard links
# to it. cnictl finds them relative to its own executable
# (bin/../lib/cnictl/plugins), so the staged tree works as installed.
MULTICALL   = lib/cnictl/cnictl-plugins
PLUGIN_DIR  = lib/cnictl/plugins
COMPLETIONS = share/bash-completion/completions/cnictl \
              share/zsh/site-functions/_cnictl \
              share/fish/vendor_completions.d/cnictl.fish

.PHONY: all build install install-cni-bin uninstall test vet demo clean

all: build

build:
	$(GO) build -o $(OUT)/bin/cnictl ./cmd/cnictl
	$(GO) build -o $(OUT)/$(MULTICALL) ./plugins/cmd/cnictl-plugins
	rm -rf $(OUT)/$(PLUGIN_DIR)
	mkdir -p $(OUT)/$(PLUGIN_DIR)
	for t in $$($(OUT)/$(MULTICALL)); do ln $(OUT)/$(MULTICALL) $(OUT)/$(PLUGIN_DIR)/$$t; done
	mkdir -p $(OUT)/share/bash-completion/completions $(OUT)/share/zsh/site-functions $(OUT)/share/fish/vendor_completions.d
	$(OUT)/bin/cnictl completion bash > $(OUT)/share/bash-completion/completions/cnictl
	$(OUT)/bin/cnictl completion zsh > $(OUT)/share/zsh/site-functions/_cnictl
	$(OUT)/bin/cnictl completion fish > $(OUT)/share/fish/vendor_completions.d/cnictl.fish

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/$(PLUGIN_DIR)
	install -m 0755 $(OUT)/bin/cnictl $(DESTDIR)$(PREFIX)/bin/cnictl
	install -m 0755 $(OUT)/$(MULTICALL) $(DESTDIR)$(PREFIX)/$(MULTICALL)
	for t in $$($(OUT)/$(MULTICALL)); do ln -f $(DESTDIR)$(PREFIX)/$(MULTICALL) $(DESTDIR)$(PREFIX)/$(PLUGIN_DIR)/$$t; done
	for f in $(COMPLETIONS); do install -D -m 0644 $(OUT)/$$f $(DESTDIR)$(PREFIX)/$$f; done

install-cni-bin: install
	install -d $(DESTDIR)$(CNI_BIN_DIR)
	for t in $$($(OUT)/$(MULTICALL)); do \
	  dst=$(DESTDIR)$(CNI_BIN_DIR)/$$t; \
	  if [ -e "$$dst" ] && [ "$(FORCE)" != 1 ]; then echo "kept $$dst (FORCE=1 replaces it)"; continue; fi; \
	  ln -sfn $(PREFIX)/$(MULTICALL) "$$dst"; \
	done

uninstall:
	for t in $$(ls $(DESTDIR)$(PREFIX)/$(PLUGIN_DIR) 2>/dev/null); do \
	  dst=$(DESTDIR)$(CNI_BIN_DIR)/$$t; \
	  if [ "$$(readlink "$$dst")" = "$(PREFIX)/$(MULTICALL)" ]; then rm -f "$$dst"; fi; \
	done
	rm -rf $(DESTDIR)$(PREFIX)/lib/cnictl
	rm -f $(DESTDIR)$(PREFIX)/bin/cnictl
	for f in $(COMPLETIONS); do rm -f $(DESTDIR)$(PREFIX)/$$f; done

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...

test: vet
	$(GO) test $(TESTFLAGS) ./...

demo: install
	CNICTL=$(DESTDIR)$(PREFIX)/bin/cnictl $(GO) run ./scripts/demo

clean:
	rm -rf $(OUT)
