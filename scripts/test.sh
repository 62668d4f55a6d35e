#!/usr/bin/env bash
# The single test command (README.md). Installs what it needs when missing,
# then runs every check: fmt, clippy, Rust tests, docs, wasm32 build,
# examples, cross-language vectors and the Python interop tests.
# Idempotent: a second run skips every install.
#
# `scripts/test.sh --quick` is the inner loop: fmt, clippy and the Rust unit
# and integration tests only, no installs (about a tenth of the full run).
set -euo pipefail
QUICK=0
case "${1:-}" in
  --quick) QUICK=1 ;;
  "") ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=never
have() { command -v "$1" >/dev/null 2>&1; }
step() { printf '\n=== %s\n' "$*"; }
T0=$(date +%s)

APT_UPDATED=
apt_install() {  # apt_install PACKAGE…  (installs only what is missing)
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ -n "$APT_UPDATED" ] || { apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if [ "$QUICK" = 1 ]; then
  step "quick: cargo fmt --check, clippy, cargo test (no installs)"
  cargo fmt --all -- --check
  cargo clippy --workspace --all-targets --locked -- -D warnings
  cargo clippy -p certanchor --no-default-features --all-targets --locked -- -D warnings
  cargo test --workspace --locked
  echo "test.sh --quick: passed in $(( $(date +%s) - T0 )) s (the full run: scripts/test.sh)"
  exit 0
fi

step "toolchain"
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
[ -x venv/bin/python ] || python3 -m venv venv
# pycose 1.1 needs cbor2 < 6 (cbor2 6 decodes tagged arrays as tuples);
# cryptography's Ed25519 checks the cosignatures (tests/interop/test_cosignature.py).
venv/bin/python -c 'import pycose, cbor2, pytest, cryptography' 2>/dev/null \
  || venv/bin/pip install -q --disable-pip-version-check 'pycose==1.1.0' 'cbor2<6' pytest cryptography
# Go's golang.org/x/mod/sumdb (note, tlog) from Debian, for the ledger cross-check.
apt_install golang-go golang-golang-x-mod-dev

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
# the core without its default features (no rayon, no file ledger, no batch
# verification), tests and examples included: what the wasm build uses
cargo clippy -p certanchor --no-default-features --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --locked

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --lib --locked

step "core builds for wasm32 without default features"
cargo build -p certanchor --no-default-features --target wasm32-unknown-unknown --locked

step "examples and the demo (README's first command, debug build)"
cargo run -q --locked -p certanchor --example issue_and_verify >/dev/null
cargo run -q --locked -p certanchor-cli -- demo >/dev/null
# benches: clippy --all-targets above compiles them; here a tiny end-to-end
# smoke of `certanchor bench` (figures are never asserted: see BENCHMARKS.md)
cargo run -q --locked -p certanchor-cli -- bench --n 1000 --json >/dev/null

step "interop: pycose verifies our anchors, we accept pycose's status list; Python's Ed25519 and our code check each other's cosignatures"
cargo build -q --locked -p certanchor --example interop
CERTANCHOR_INTEROP_BIN="$ROOT/target/debug/examples/interop" \
  venv/bin/python -m pytest -q tests/interop

step "interop: Go's sumdb/note and sumdb/tlog verify our checkpoints and proofs"
cargo run -q --locked -p certanchor --example interop -- ledger-vectors > target/ledger-vectors.json
GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= go run tests/interop/go/crosscheck.go target/ledger-vectors.json

step "interop: Go's sumdb/tlog reads the tiles of \`ledger publish\` (tests/interop/tiles)"
# The Rust tests publish ledgers at two sizes (300 -> 1,000 and 65,000 -> 70,000,
# three tile levels) and run tests/interop/tiles/main.go
# on the site; CERTANCHOR_REQUIRE_GO makes a missing Go a failure, not a skip.
CERTANCHOR_REQUIRE_GO=1 cargo test -q --locked -p certanchor-cli --test ledger_tiles -- --include-ignored --nocapture

step "Python binding (scripts/test-python.sh)"
bash scripts/test-python.sh

step "WebAssembly package and the clerk's page (scripts/test-wasm.sh)"
bash scripts/test-wasm.sh

step "EVM ledger adapter against a local chain (scripts/test-evm.sh)"
bash scripts/test-evm.sh

step "fuzz smoke: every cargo-fuzz target for a few seconds (scripts/test-fuzz.sh)"
bash scripts/test-fuzz.sh

echo
echo "all tests passed in $(( $(date +%s) - T0 )) s"
