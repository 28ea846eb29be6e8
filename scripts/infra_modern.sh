#!/usr/bin/env bash
# A modern Docker engine beside Debian 12's, for bit-for-bit builds: Debian 13's docker.io
# (26.x) and docker-cli, containerd and docker-buildx, downloaded with a private apt configuration
# and extracted under the state folder (nothing is installed), run with Debian 12's runc (Debian
# 13's needs a newer glibc) and the containerd image store, which layer timestamps can be
# rewritten in. It has its own socket, data root, exec root, pidfile and bridge, and leaves
# iptables alone (its bridge is masqueraded here), so that it does not fight the running engine.
#
# Instance 2 (and on) is one more such engine on the same extracted binaries, with its own data
# root, exec root, pidfile, socket, bridge and client config: a second machine, as
# far as one machine can show it (two builds of one lock must give one digest on both). Instance 1
# keeps the paths and names it always had.
#
# Usage: infra_modern.sh STATE_DIR DEBIAN_MIRROR [INSTANCE [stop]]   (as root; called by infra.sh)
# Idempotent and fast when the engine already answers. Logs go to stderr; stdout carries only
# `export NAME=value` lines (REPROENV_MODERN_* for instance 1, REPROENV_MODERN<N>_* for N).
# `stop` ends that instance's dockerd (by its pidfile) and nothing else. Exit status 4: the
# engine could not be set up (the caller decides whether that fails the test bed).
set -euo pipefail

MODERN=${1:?state folder}
MIRROR=${2:?Debian mirror}
INSTANCE=${3:-1}
ACTION=${4:-start}
SUITE=trixie
PACKAGES=(docker.io docker-cli containerd docker-buildx tini)

log() { printf 'infra: modern engine%s: %s\n' "${SUFFIX:+ $SUFFIX}" "$*" >&2; }

if ! [[ $INSTANCE =~ ^[1-9]$ ]]; then
  log "instance must be 1 to 9, not '$INSTANCE'"
  exit 4
fi
N=$((INSTANCE - 1))
SUFFIX=""
HOME_DIR="$MODERN"                # instance 1's state lies where it always did
if [ "$INSTANCE" != 1 ]; then
  SUFFIX=$INSTANCE
  HOME_DIR="$MODERN/instance$INSTANCE"
fi
PREFIX="REPROENV_MODERN${SUFFIX}"
run_dir_override="${PREFIX}_RUN_DIR"
RUN_DIR=${!run_dir_override:-/run/reproenv-modern$SUFFIX}
SOCKET="$RUN_DIR/docker.sock"
BRIDGE="reproenv-m$N"
# Outside Docker's default pools (172.17-31/16, 192.168/20) and each other's: 10.213.N.0/24.
BRIDGE_CIDR="10.213.$N.1/24"
BRIDGE_NET="10.213.$N.0/24"

ROOT="$MODERN/root"           # the extracted packages, shared by every instance
CLI="$ROOT/usr/bin/docker"
CONFIG="$HOME_DIR/config"     # DOCKER_CONFIG, with buildx as its CLI plugin

answers() {
  DOCKER_HOST="unix://$SOCKET" DOCKER_CONFIG="$CONFIG" "$CLI" version --format '{{.Server.Version}}' 2>/dev/null
}

apt_options() {
  printf '%s\n' -o "Dir::Etc::sourcelist=$MODERN/apt/sources.list" -o Dir::Etc::sourceparts=- \
    -o "Dir::State::Lists=$MODERN/apt/lists" -o "Dir::Cache=$MODERN/apt/cache" \
    -o "Dir::State::status=$MODERN/apt/status" -o APT::Architecture=amd64 \
    -o APT::Architectures=amd64 -o APT::Sandbox::User=root
}

# Download and extract once; a stamp names the packages, so a changed list re-extracts.
fetch_packages() {
  local stamp="$ROOT/.reproenv-packages" wanted="${PACKAGES[*]}"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -x "$CLI" ]; then return; fi
  local opts debs="$MODERN/debs"
  mapfile -t opts < <(apt_options)
  rm -rf "$MODERN/apt" "$debs" "$ROOT"
  mkdir -p "$MODERN/apt/lists/partial" "$MODERN/apt/cache/archives/partial" "$debs" "$ROOT"
  : >"$MODERN/apt/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $SUITE main" \
    >"$MODERN/apt/sources.list"
  log "downloading ${PACKAGES[*]} from $MIRROR ($SUITE)"
  if ! apt-get "${opts[@]}" -qq --error-on=any update >"$MODERN/apt.log" 2>&1 ||
     ! (cd "$debs" && apt-get "${opts[@]}" -qq download "${PACKAGES[@]}") >>"$MODERN/apt.log" 2>&1; then
    log "could not download Debian $SUITE's packages from $MIRROR (no network?); see $MODERN/apt.log"
    return 4
  fi
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$ROOT"; done
  # what the engine does not run: 50 MB of legacy shims and containerd's own client
  rm -rf "$debs" "$MODERN/apt/cache" "$MODERN/apt/lists" "$ROOT/usr/share" "$ROOT/usr/bin/ctr" \
    "$ROOT/usr/bin/containerd-shim" "$ROOT/usr/bin/containerd-shim-runc-v1"
  echo "$wanted" >"$stamp"
}

configure() {
  mkdir -p "$CONFIG/cli-plugins" "$HOME_DIR/data" "$RUN_DIR"
  ln -sfn "$ROOT/usr/libexec/docker/cli-plugins/docker-buildx" "$CONFIG/cli-plugins/docker-buildx"
  [ -f "$CONFIG/config.json" ] || echo '{}' >"$CONFIG/config.json"
  # No "default-address-pools": with one set, dockerd deletes the interface named docker0 on
  # every start that finds its own default network stored (whatever --bridge says), and
  # docker0 is Debian 12's engine's. Nothing creates networks on these engines; Docker's
  # default pools would serve one.
  echo '{"features": {"containerd-snapshotter": true}}' >"$HOME_DIR/daemon.json"
}

# dockerd only attaches to a bridge that exists; with --iptables=false its traffic out is ours
# to masquerade and forward (the running engine's FORWARD policy is DROP).
bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add name "$BRIDGE" type bridge
    ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  if ! command -v iptables >/dev/null 2>&1; then
    log "no iptables: containers on $BRIDGE reach only this machine"
    return
  fi
  iptables -t nat -C POSTROUTING -s "$BRIDGE_NET" ! -o "$BRIDGE" -j MASQUERADE 2>/dev/null ||
    iptables -t nat -A POSTROUTING -s "$BRIDGE_NET" ! -o "$BRIDGE" -j MASQUERADE
  iptables -C FORWARD -i "$BRIDGE" -j ACCEPT 2>/dev/null || iptables -I FORWARD -i "$BRIDGE" -j ACCEPT
  iptables -C FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT 2>/dev/null ||
    iptables -I FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
}

start_daemon() {
  local pidfile="$RUN_DIR/docker.pid" pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  # a dockerd that is still starting, not a killed one whose pid is a zombie or reused
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] &&
     ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$pid/stat" 2>/dev/null; then
    log "dockerd $pid is starting; waiting for it"
  else
    rm -f "$pidfile" "$SOCKET"
    log "starting dockerd on $SOCKET (log: $HOME_DIR/dockerd.log)"
    # its own binaries first: dockerd finds containerd, the shim, docker-init and docker-proxy
    # on PATH; runc comes from the system (Debian 12's)
    PATH="$ROOT/usr/sbin:$ROOT/usr/bin:$PATH" setsid dockerd \
      --config-file "$HOME_DIR/daemon.json" --data-root "$HOME_DIR/data" --exec-root "$RUN_DIR/exec" \
      --pidfile "$pidfile" -H "unix://$SOCKET" --bridge "$BRIDGE" \
      --iptables=false --ip6tables=false >"$HOME_DIR/dockerd.log" 2>&1 </dev/null &
  fi
  for _ in $(seq 120); do
    answers >/dev/null && return
    sleep 0.25
  done
  log "dockerd did not answer within 30 s; see $HOME_DIR/dockerd.log"
  return 4
}

# Every bridge on the machine but this instance's, one a line: what starting or stopping this
# engine must leave as it found it.
other_bridges() {
  ip -o link show type bridge 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}' |
    grep -vx "$BRIDGE" | sort || true
}

still_there() {
  local before=$1 gone
  gone=$(comm -23 <(printf '%s\n' "$before") <(other_bridges) | paste -sd' ' || true)
  if [ -n "$gone" ]; then
    log "the bridge(s) $gone of another engine vanished while this one $2"
    return 4
  fi
}

stop_daemon() {
  local pidfile="$RUN_DIR/docker.pid" pid before
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
    log "not running"
    return 0
  fi
  before=$(other_bridges)
  log "stopping dockerd $pid"
  kill -TERM "$pid"
  for _ in $(seq 120); do
    [ -d "/proc/$pid" ] || break
    sleep 0.25
  done
  if [ -d "/proc/$pid" ]; then
    log "dockerd $pid did not stop within 30 s"
    return 4
  fi
  still_there "$before" stopped
}

main() {
  if [ "$ACTION" = stop ]; then
    stop_daemon
    return
  fi
  if ! answers >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
      log "must run as root to start (it extracts packages and makes a bridge)"
      return 4
    fi
    if [ "$INSTANCE" = 1 ]; then
      fetch_packages
    elif [ ! -x "$CLI" ]; then
      # never extract under a running instance 1: infra.sh starts that one first
      log "no extracted packages under $ROOT: start instance 1 first"
      return 4
    fi
    local before
    before=$(other_bridges)
    configure
    bridge
    start_daemon
    still_there "$before" started
  fi
  echo "export ${PREFIX}_DOCKER=$CLI"
  echo "export ${PREFIX}_DOCKER_HOST=unix://$SOCKET"
  echo "export ${PREFIX}_DOCKER_CONFIG=$CONFIG"
}

main "$@"
