#!/usr/bin/env bash
# Longer fuzzing runs: scripts/fuzz.sh [--minutes N | --seconds S] [--runs R] [--jobs J] [target ...]
# Runs every target (or those named) for N minutes each (default 10), or
# until R executions when --runs is given (whichever comes first), seeded
# from the committed corpus fuzz/corpus/<target> (read only); new inputs go
# to fuzz/corpus-work/<target> (ignored by git; minimize and commit by hand). Crashes land in fuzz/artifacts/<target>/;
# turn each into core/tests/fuzz-crashers/<target>/<defect> (see that README).
# Prints executions per target; exits non-zero if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=10
seconds=
jobs=1
runs=
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --minutes=*) minutes="${1#*=}"; shift ;;
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done

have() { command -v "$1" >/dev/null 2>&1; }
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
have cargo-fuzz || cargo install cargo-fuzz --locked

if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd fuzz && cargo +nightly fuzz list)
fi

secs=${seconds:-$((minutes * 60))}
logdir=fuzz/logs
mkdir -p "$logdir"
(cd fuzz && cargo +nightly fuzz build -a)
failed=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/corpus-work/$t"
  par=(); [ "$jobs" -gt 1 ] && par=(-jobs="$jobs" -workers="$jobs")
  [ -n "$runs" ] && par+=(-runs="$runs")
  echo "== $t: ${secs} s${runs:+ or $runs runs}"
  t0=$(date +%s)
  log="$logdir/$t.log"
  if (cd fuzz && cargo +nightly fuzz run -a "$t" "corpus-work/$t" "corpus/$t" -- \
        -max_total_time="$secs" "${par[@]}" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1) >"$log" 2>&1; then
    status=ok
  else
    status=CRASH; failed=$((failed + 1))
  fi
  execs=$( (grep -ho 'stat::number_of_executed_units: *[0-9]*' "$log" fuzz/fuzz-*.log 2>/dev/null || true) \
          | awk '{s+=$2} END {print s+0}')
  cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -1 | awk '{print $2}')
  summary+=("$(printf '%-18s %-5s %12s execs  cov %-6s %6s s' "$t" "$status" "$execs" "${cov:-?}" "$(( $(date +%s) - t0 ))")")
  [ "$status" = ok ] || grep -m3 -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" || true
  rm -f fuzz/fuzz-*.log
done
printf '%s\n' "${summary[@]}"
echo "fuzz: $(( ${#targets[@]} - failed )) passed, $failed failed (${secs} s each; logs in $logdir)"
[ "$failed" -eq 0 ]
