#!/usr/bin/env bash
# Fuzz smoke: builds every cargo-fuzz target once and runs each for a few
# seconds on its committed seed corpus. Idempotent: installs the nightly
# toolchain and cargo-fuzz when missing. Exits non-zero on any crash.
#   FUZZ_SMOKE_SECS=10 (per target)   FUZZ_TARGETS="a b" (subset)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
secs="${FUZZ_SMOKE_SECS:-10}"

have() { command -v "$1" >/dev/null 2>&1; }
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
have cargo-fuzz || cargo install cargo-fuzz --locked

cd fuzz
if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
echo "fuzz smoke: building ${#targets[@]} targets"
if ! cargo +nightly fuzz build -a >build.log 2>&1; then
  tail -40 build.log; echo "fuzz smoke: build failed"; exit 1
fi
rm -f build.log

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "corpus/$t"
  log="$work/$t.log"
  # new inputs go to the scratch dir; the committed corpus is only read
  if cargo +nightly fuzz run -a "$t" "$work/$t" "corpus/$t" -- \
       -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       >"$log" 2>&1; then
    status=ok; passed=$((passed + 1))
  else
    status=FAILED; failed=$((failed + 1))
  fi
  execs=$( (grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" || true) | awk '{print $2}' | tail -1)
  printf '  %-18s %-6s %10s execs\n' "$t" "$status" "${execs:-?}"
  if [ "$status" != ok ]; then
    grep -E -m5 'panicked|ERROR: libFuzzer|SUMMARY|Test unit written|error' "$log" || tail -20 "$log"
  fi
done
echo "fuzz smoke: $passed passed, $failed failed ($(( $(date +%s) - start )) s)"
[ "$failed" -eq 0 ]
