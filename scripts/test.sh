#!/usr/bin/env bash
# The test runner: the unit, contract and integration tiers in that order, the typecheck beside the first two.
#   bash scripts/test.sh            all tiers (after `tsc --noEmit`)
#   bash scripts/test.sh unit       only test/unit (also: contract, integration)
# Extra arguments after the tier go to `node --test` (e.g. --test-name-pattern=queue).
# The unit tier (pure logic) runs in one process (scripts/test-one-process.ts). In a run of every tier the
# contract and integration files are scheduled together by scripts/test-schedule.ts: the pair tests of
# test/integration/ha/ one after the other with light files (no browser) beside them one at a time, then the
# shared files left TEST_JOBS (default 2) at a time, then the other files of test/integration/run-alone.txt
# alone. Run alone, the contract tier goes one file at a time and the integration tier through the scheduler.
# Exits non-zero if the typecheck or any test fails; later tiers still run so one run shows everything.
set -uo pipefail
cd "$(dirname "$0")/.."

tiers=(unit contract integration)
if [[ $# -gt 0 && " ${tiers[*]} " == *" $1 "* ]]; then
  tiers=("$1")
  shift
  typecheck=0
else
  typecheck=1
fi

rm -f .run/test-failures.txt
# State folders of stopped test stacks from earlier runs (the last run's stay for inspection until now).
node_modules/.bin/tsx scripts/stack/cli.ts clean >/dev/null

jobs="${TEST_JOBS:-2}"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "test.sh: TEST_JOBS must be a positive number, not '$jobs'" >&2; exit 2; }

# run_files CONCURRENCY LABEL [node --test arguments] -- FILE...
run_files() {
  local concurrency="$1" label="$2" t0=$SECONDS args=()
  shift 2
  while [[ "$1" != "--" ]]; do args+=("$1"); shift; done
  shift
  if ! node --import tsx --test --test-concurrency="$concurrency" --test-reporter=spec "${args[@]}" "$@"; then
    failed+=("$label")
  fi
  echo "== $label: $# file(s), $concurrency at a time, $((SECONDS - t0)) s"
}

failed=()
# The typecheck (about 30 s of one core) runs beside the unit tier and the start of the next ones (the
# contract files, whose time is mostly spent waiting on real-time audio and daemons, and the first pair's
# start); its result is printed, and counted, at the end.
typecheck_pid=
if ((typecheck)); then
  echo "== typecheck (tsc --noEmit -p .) started beside the tests"
  typecheck_log="$(mktemp "${TMPDIR:-/tmp}/cti120-tsc-XXXXXX")"
  typecheck_t0=$SECONDS
  node_modules/.bin/tsc --noEmit -p . >"$typecheck_log" 2>&1 &
  typecheck_pid=$!
fi
typecheck_result() {
  [[ -n "$typecheck_pid" ]] || return 0
  local rc=0
  wait "$typecheck_pid" || rc=$?
  typecheck_pid=
  echo "== typecheck (tsc --noEmit -p .): $( ((rc == 0)) && echo passed || echo FAILED), finished $((SECONDS - typecheck_t0)) s after it started"
  cat "$typecheck_log"
  rm -f "$typecheck_log"
  ((rc == 0)) || failed+=(typecheck)
}

# contract + integration in one schedule when both run (the contract files join the light lane)
if [[ " ${tiers[*]} " == *" contract "* && " ${tiers[*]} " == *" integration "* ]]; then
  tiers=("${tiers[@]/contract/}")
  scheduled_contract=1
else
  scheduled_contract=0
fi

for tier in "${tiers[@]}"; do
  [[ -n "$tier" ]] || continue
  [[ -d "test/$tier" ]] || continue
  mapfile -t files < <(find "test/$tier" -name '*.test.ts' -type f -not -path '*/node_modules/*' | sort)
  if ((${#files[@]} == 0)); then
    echo "== $tier: no tests"
    continue
  fi
  echo "== $tier: ${#files[@]} file(s)"
  case "$tier" in
    unit)
      # pure logic: all files in one process (scripts/test-one-process.ts), not one Node + tsx start each
      t0=$SECONDS
      unit_log=$(mktemp)
      if ! node --import tsx --test-reporter=spec "$@" scripts/test-one-process.ts "${files[@]}" 2>&1 | tee "$unit_log"; then
        failed+=("$tier")
        # the failing tests' names and first error lines, for the digest printed last (scripts/test-schedule.ts)
        mkdir -p .run
        { echo "unit tier:"; sed -n '/^✖ failing tests:/,$p' "$unit_log" | grep -E '^✖ |^  [A-Za-z]*Error' | grep -v '^✖ failing tests' | head -n 8 | cut -c1-220; } >> .run/test-failures.txt
      fi
      rm -f "$unit_log"
      echo "== $tier: ${#files[@]} file(s) in one process, $((SECONDS - t0)) s" ;;
    integration)
      if ((scheduled_contract)); then
        mapfile -t contract < <(find test/contract -name '*.test.ts' -type f -not -path '*/node_modules/*' | sort)
        echo "== contract: ${#contract[@]} file(s), scheduled with the integration tier"
        files=("${contract[@]}" "${files[@]}")
      fi
      t0=$SECONDS
      if ! TEST_JOBS="$jobs" node --import tsx scripts/test-schedule.ts "$@" -- "${files[@]}"; then failed+=("$tier"); fi
      echo "== $tier: ${#files[@]} file(s) scheduled (scripts/test-schedule.ts), $((SECONDS - t0)) s" ;;
    *)
      run_files 1 "$tier" "$@" -- "${files[@]}" ;;
  esac
done

typecheck_result
echo "== test.sh: $SECONDS s in all"

if ((${#failed[@]})); then
  # the failing tests with their first error lines, last (CI keeps only the tail of a run)
  [[ -f .run/test-failures.txt ]] && { echo "== failing tests:"; cat .run/test-failures.txt; }
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all passed"
