#!/usr/bin/env bash
# The single test command (README.md). Installs what it needs when missing,
# then runs every check: fmt, clippy, Rust tests, docs, wasm32 build,
# examples, cross-language vectors and the Python interop tests.
# Idempotent: a second run skips every install.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=never
have() { command -v "$1" >/dev/null 2>&1; }
step() { printf '\n=== %s\n' "$*"; }
T0=$(date +%s)

step "toolchain"
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
[ -x venv/bin/python ] || python3 -m venv venv
# pycose 1.1 needs cbor2 < 6 (cbor2 6 decodes tagged arrays as tuples).
venv/bin/python -c 'import pycose, cbor2, pytest' 2>/dev/null \
  || venv/bin/pip install -q --disable-pip-version-check 'pycose==1.1.0' 'cbor2<6' pytest

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --locked

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "core builds for wasm32 without default features"
cargo build -p certanchor --no-default-features --target wasm32-unknown-unknown --locked

step "examples and the demo (README's first command, debug build)"
cargo run -q --locked -p certanchor --example issue_and_verify >/dev/null
cargo run -q --locked -p certanchor-cli -- demo >/dev/null

step "interop: pycose verifies our anchors, we accept pycose's status list"
cargo build -q --locked -p certanchor --example interop
CERTANCHOR_INTEROP_BIN="$ROOT/target/debug/examples/interop" \
  venv/bin/python -m pytest -q tests/interop

echo
echo "all tests passed in $(( $(date +%s) - T0 )) s"
