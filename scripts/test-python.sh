#!/usr/bin/env bash
# Python binding checks (bindings-python/): installs what is missing into the
# repo-root venv, builds the abi3 wheel with maturin (release) and installs
# it there; installs it again in a fresh venv and runs README.md's quick-start
# there as a doctest; installs `pip install ./bindings-python` in another
# fresh venv and verifies a bundle with it; then runs
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
ROOT=$PWD
trap 'rm -rf "$OUT"' EXIT

step "venv and packages"
[ -x "$PY" ] || python3 -m venv venv
if ! "$PY" -c 'import maturin, pytest, mypy, hypothesis, pandas, pyarrow, tqdm, dask.dataframe, distributed, cbor2, cryptography' 2>/dev/null \
   || ! "$PY" -m pip show -q pandas-stubs types-tqdm >/dev/null 2>&1; then
  "$PY" -m pip install -q maturin pytest mypy hypothesis pandas pandas-stubs pyarrow \
    tqdm types-tqdm 'dask[dataframe,distributed]' cbor2 cryptography
fi

step "maturin build --release: the abi3 wheel, installed in venv/"
rm -f target/wheels/certanchor-*.whl
if ! venv/bin/maturin build --release -q -m bindings-python/Cargo.toml -o target/wheels \
    >"$OUT/maturin.log" 2>&1; then
  cat "$OUT/maturin.log"; echo "maturin build failed"; exit 1
fi
grep -E '^(warning|error)' "$OUT/maturin.log" || true
WHEEL=$(ls target/wheels/certanchor-*-cp39-abi3-*.whl)
echo "wheel: $WHEEL ($(stat -c %s "$WHEEL") bytes)"
"$PY" -m pip install -q --force-reinstall --no-deps "$WHEEL"
"$PY" -c 'import certanchor; print("certanchor", certanchor.__version__, "from", certanchor.__file__)'

step "fresh virtualenvs: the wheel (README quick-start as a doctest), and pip install ./bindings-python"
# As a data team would: a new venv, the wheel with the extras the
# quick-start uses, then the README's quick-start run in an empty directory.
FRESH=target/venv-fresh
rm -rf "$FRESH-wheel" "$FRESH-src"
python3 -m venv "$FRESH-wheel"
"$FRESH-wheel/bin/pip" install -q "$WHEEL[pandas,arrow]"
mkdir -p "$OUT/quickstart"
(cd "$OUT/quickstart" && "$ROOT/$FRESH-wheel/bin/python" -m doctest "$ROOT/bindings-python/README.md") \
  || { echo "the README's quick-start failed in a fresh venv"; exit 1; }
echo "README quick-start: passed (fresh venv, wheel)"
# From the checkout: pip builds it with maturin (fetched by pip) and cargo.
python3 -m venv "$FRESH-src"
"$FRESH-src/bin/pip" install -q ./bindings-python
"$FRESH-src/bin/python" - <<'PYEOF'
import certanchor
from certanchor import sample
v = certanchor.Verifier(certanchor.TrustStore.from_json(sample.trust_json()))
issuer = certanchor.Issuer(sample.key("cn.beijing.scjgj"), "cn.beijing.scjgj")
batch = issuer.issue([sample.business_license(0)], "fresh", issued_at=sample.JAN_1_2024)
batch.endorse(sample.key("cn.beijing.tax"), at=sample.JAN_1_2024)
r = v.verify(batch.bundle(0), now=sample.JAN_1_2024 + 60)
assert r.verdict == "valid", r
print("pip install ./bindings-python: certanchor", certanchor.__version__, "verifies", r.verdict.value)
PYEOF
rm -rf "$FRESH-wheel" "$FRESH-src"

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
