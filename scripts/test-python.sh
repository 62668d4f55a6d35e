#!/usr/bin/env bash
# Python binding checks (bindings-python/): installs what is missing into the
# repo-root venv, builds the extension with maturin (release, abi3), then runs
# pytest (vectors, round trips, errors, pickling, threads, hypothesis, the
# security review's attacks (edited with cbor2, signed with cryptography),
# the examples in examples/python/), mypy --strict on the examples and
# tests, and stubtest on the package. Idempotent; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never PIP_DISABLE_PIP_VERSION_CHECK=1
step() { printf '\n=== python: %s\n' "$*"; }
T0=$(date +%s)
PY=venv/bin/python
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

step "venv and packages"
[ -x "$PY" ] || python3 -m venv venv
if ! "$PY" -c 'import maturin, pytest, mypy, hypothesis, pandas, pyarrow, tqdm, dask.dataframe, distributed, cbor2, cryptography' 2>/dev/null \
   || ! "$PY" -m pip show -q pandas-stubs types-tqdm >/dev/null 2>&1; then
  "$PY" -m pip install -q maturin pytest mypy hypothesis pandas pandas-stubs pyarrow \
    tqdm types-tqdm 'dask[dataframe,distributed]' cbor2 cryptography
fi

step "maturin develop --release"
if ! VIRTUAL_ENV=$PWD/venv venv/bin/maturin develop --release -q \
    -m bindings-python/Cargo.toml >"$OUT/maturin.log" 2>&1; then
  cat "$OUT/maturin.log"; echo "maturin develop failed"; exit 1
fi
grep -E '^(warning|error)' "$OUT/maturin.log" || true
"$PY" -c 'import certanchor; print("certanchor", certanchor.__version__, "from", certanchor.__file__)'

step "pytest"
set +e
"$PY" -m pytest -q -p no:cacheprovider bindings-python/tests 2>&1 | tee "$OUT/pytest.log"
rc=${PIPESTATUS[0]}
set -e
SUMMARY=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error)' "$OUT/pytest.log" | tail -1 || true)
[ "$rc" -eq 0 ] || { echo "pytest failed (exit $rc; 5 = no tests collected)"; exit 1; }

step "mypy --strict (examples, tests)"
# Caches live under target/ (ignored by git) so warm runs take seconds.
"$PY" -m mypy --strict --cache-dir target/mypy-examples examples/python/*.py
(cd bindings-python && ../"$PY" -m mypy --strict --cache-dir ../target/mypy-tests tests)

step "stubtest"
(cd bindings-python && ../"$PY" -m mypy.stubtest certanchor --allowlist stubtest-allowlist.txt && rm -rf .mypy_cache)

echo
echo "python: $SUMMARY"
echo "python checks passed in $(( $(date +%s) - T0 )) s"
