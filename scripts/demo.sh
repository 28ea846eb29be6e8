#!/usr/bin/env bash
# `make demo`: init, lock, generate, build and run examples/sklearn-cpu in a scratch copy.
set -euo pipefail
dest=${1:-build/demo/sklearn-cpu}
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
cp -r examples/sklearn-cpu "$dest"
cd "$dest"
set -x
reproenv init
reproenv lock
reproenv generate
reproenv build
reproenv run -- python train.py
