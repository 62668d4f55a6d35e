#!/usr/bin/env bash
# EVM ledger adapter checks (ledger-evm/, issue 10), against a local chain:
# installs the pinned npm packages of contracts/ (ganache, solc) when missing,
# compiles AnchorRegistry.sol with solc-js, starts Ganache on a free port with
# the deterministic wallet, and runs the ledger-evm integration tests and the
# CLI's chain tests against it. The node is stopped on exit (trap), also on
# failure. Idempotent; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=never
step() { printf '\n=== evm: %s\n' "$*"; }
T0=$(date +%s)
WORK=$(mktemp -d)
NODE_PID=
cleanup() {
  if [ -n "$NODE_PID" ] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill "$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step "npm packages (ganache, solc) from contracts/package-lock.json"
if [ ! -x contracts/node_modules/.bin/ganache ] || [ ! -d contracts/node_modules/solc ]; then
  (cd contracts && npm ci --no-audit --no-fund --loglevel=error)
fi

step "compile AnchorRegistry.sol (solc-js)"
node contracts/compile.js
ART="$ROOT/contracts/out"

step "start ganache"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
contracts/node_modules/.bin/ganache --port "$PORT" --host 127.0.0.1 --wallet.deterministic \
  --chain.chainId 1337 --logging.quiet >"$WORK/ganache.log" 2>&1 &
NODE_PID=$!
RPC="http://127.0.0.1:$PORT"
for _ in $(seq 120); do
  if curl -sf -X POST -H 'content-type: application/json' \
       --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$RPC" >/dev/null 2>&1; then
    break
  fi
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$WORK/ganache.log"; echo "ganache exited"; exit 1; }
  sleep 0.25
done
curl -sf -X POST -H 'content-type: application/json' \
  --data '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' "$RPC" >/dev/null \
  || { cat "$WORK/ganache.log"; echo "ganache did not answer"; exit 1; }
echo "ganache pid $NODE_PID at $RPC"

export CERTANCHOR_EVM_RPC="$RPC"
export CERTANCHOR_EVM_ARTIFACTS="$ART"
export CERTANCHOR_EVM_GANACHE="$ROOT/contracts/node_modules/.bin/ganache"

step "cargo test -p certanchor-ledger-evm (against the chain)"
cargo test -p certanchor-ledger-evm --locked -- --include-ignored --nocapture

step "cargo test -p certanchor-cli --test evm (CLI against the chain)"
cargo test -p certanchor-cli --locked --test evm -- --ignored --nocapture

echo
echo "evm tests passed in $(( $(date +%s) - T0 )) s"
