#!/bin/sh
# Shows cnictl end to end: two network namespaces on a bridge network ping
# each other and the gateway, a throwaway namespace runs a command, and
# everything is torn down again. Configuration, cache and IP allocations live
# in a temporary directory; the bridge and namespaces are removed on exit.
set -eu

BIN=${BIN:-$(pwd)/bin}
PLUGINS=${PLUGINS:-$BIN/plugins}
CNICTL="$BIN/cnictl"
BRIDGE=cnidemo0

[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (network namespaces): sudo make demo" >&2; exit 1; }

# A /24 that no route of this host covers yet.
SUBNET=
for third in 231 232 233 234 235; do
  candidate="10.$third.0"
  if ! ip -4 route show | grep -q "^$candidate\.0/"; then SUBNET="$candidate"; break; fi
done
[ -n "$SUBNET" ] || { echo "demo: no free 10.23x.0.0/24 subnet on this host" >&2; exit 1; }

work=$(mktemp -d)
export NETCONFPATH="$work/net.d" CNI_PATH="$PLUGINS"
CACHE="--cache-dir $work/cache"

cleanup() {
  set +e
  for ns in demo-a demo-b; do
    "$CNICTL" $CACHE -q del demo "$ns" 2>/dev/null
    "$CNICTL" -q netns del "$ns" 2>/dev/null
  done
  ip link del "$BRIDGE" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$NETCONFPATH"
cat > "$NETCONFPATH/10-demo.conflist" <<JSON
{
  "cniVersion": "1.1.0",
  "name": "demo",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true,
     "ipam": {"type": "host-local", "subnet": "$SUBNET.0/24", "dataDir": "$work/ipam"}},
    {"type": "loopback"}
  ]
}
JSON

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step "$CNICTL" net ls
step "$CNICTL" netns add demo-a
step "$CNICTL" netns add demo-b
step "$CNICTL" $CACHE add demo demo-a
printf '\n\033[1m$ %s\033[0m\n' "$CNICTL $CACHE add demo demo-b -o json"
"$CNICTL" $CACHE add demo demo-b -o json | tee "$work/b.json"
ip_b=$(sed -n 's/.*"address": "\([0-9.]*\)\/24".*/\1/p' "$work/b.json")
step "$CNICTL" $CACHE ls
step "$CNICTL" netns exec demo-a -- ping -c 1 -W 2 "$ip_b"
step "$CNICTL" netns exec demo-b -- ping -c 1 -W 2 "$SUBNET.1"
step "$CNICTL" $CACHE check demo demo-a
step "$CNICTL" $CACHE run --net demo -- ping -c 1 -W 2 "$SUBNET.1"
step "$CNICTL" $CACHE del demo demo-a
step "$CNICTL" $CACHE del demo demo-b
step "$CNICTL" $CACHE ls
printf '\ndemo: ok — two namespaces and a throwaway one reached each other and the gateway.\n'
