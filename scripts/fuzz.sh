#!/usr/bin/env bash
# Longer fuzzing runs: scripts/fuzz.sh [--minutes N | --seconds S] [--runs R] [--cpu-seconds C] [--jobs J] [target ...]
# Runs every target (or those named) for N minutes each (default 10), or
# until R executions when --runs is given, or until the fuzzer has used C
# seconds of CPU when --cpu-seconds is given (whichever comes first: on a
# shared machine wall time is not CPU time; a watchdog reads the fuzzer's
# CPU time every 5 s and asks it to stop with SIGUSR1), seeded
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
cpu=
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --minutes=*) minutes="${1#*=}"; shift ;;
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --cpu-seconds) cpu="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
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
  echo "== $t: ${secs} s${runs:+ or $runs runs}${cpu:+ or $cpu CPU-seconds}"
  t0=$(date +%s)
  log="$logdir/$t.log"
  cpufile=$(mktemp)
  (cd fuzz && exec cargo +nightly fuzz run -a "$t" "corpus-work/$t" "corpus/$t" -- \
        -max_total_time="$secs" "${par[@]}" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1) >"$log" 2>&1 &
  runner=$!
  # CPU seconds of the fuzzer process (the target's binary), sampled every
  # 5 s; past --cpu-seconds it is asked to finish (SIGUSR1: libFuzzer stops
  # after the current input and prints its final stats).
  (
    bin="/release/$t"
    while kill -0 "$runner" 2>/dev/null; do
      pid=$(pgrep -n -f -- "$bin( |\$)" || true)
      if [ -n "$pid" ]; then
        used=$(ps -o cputimes= -p "$pid" 2>/dev/null | tr -d ' ')
        [ -n "$used" ] && echo "$used" >"$cpufile"
        if [ -n "$cpu" ] && [ -n "$used" ] && [ "$used" -ge "$cpu" ]; then
          kill -USR1 "$pid" 2>/dev/null || true
        fi
      fi
      sleep 5
    done
  ) &
  watchdog=$!
  if wait "$runner"; then
    status=ok
  else
    status=CRASH; failed=$((failed + 1))
  fi
  wait "$watchdog" 2>/dev/null || true
  cpu_used=$(cat "$cpufile" 2>/dev/null || echo "?"); rm -f "$cpufile"
  execs=$( (grep -ho 'stat::number_of_executed_units: *[0-9]*' "$log" fuzz/fuzz-*.log 2>/dev/null || true) \
          | awk '{s+=$2} END {print s+0}')
  cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -1 | awk '{print $2}')
  summary+=("$(printf '%-18s %-5s %12s execs  cov %-6s %6s s wall  %6s s CPU' "$t" "$status" "$execs" "${cov:-?}" "$(( $(date +%s) - t0 ))" "${cpu_used:-?}")")
  [ "$status" = ok ] || grep -m3 -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" || true
  rm -f fuzz/fuzz-*.log
done
printf '%s\n' "${summary[@]}"
echo "fuzz: $(( ${#targets[@]} - failed )) passed, $failed failed (${secs} s each; logs in $logdir)"
[ "$failed" -eq 0 ]
