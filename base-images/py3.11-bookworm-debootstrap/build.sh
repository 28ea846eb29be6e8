#!/usr/bin/env bash
# Debootstrap Debian 12 with python3 into rootfs.tar beside the Dockerfile, then build it.
# usage: build.sh MIRROR TAG [DOCKER]   (as root; MIRROR: a Debian mirror URL)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mirror=$1 tag=$2 docker=${3:-docker}
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs" "$here/rootfs.tar"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  bookworm "$rootfs" "$mirror" >&2
rm -rf "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*
# python:X.Y images answer to `python`; Debian's package only installs python3
ln -sf python3 "$rootfs/usr/bin/python"
tar -C "$rootfs" -c . >"$here/rootfs.tar"
DOCKER_BUILDKIT=1 "$docker" build -t "$tag" "$here" >&2
