#!/usr/bin/env bash
# Runs test files N times in a row and reports, per run, which files and tests failed, with each
# file's wall time: the check that the suite never fails by chance.
#   bash scripts/test-repeat.sh [-n N] [-j J] [--fresh] [test files or folders ...]
#     -n N      runs (default 5)
#     -j J      files at a time (default 1); with J > 1 the files listed in test/integration/run-alone.txt
#               still run one at a time, after the others, as scripts/test.sh runs them in CI
#     --fresh   clone this commit (HEAD) into a temp folder and run `scripts/setup.sh` there first,
#               as CI does on a fresh clone (uncommitted changes are not in it)
#     files     *.test.ts files or folders (default: test/integration, the whole integration tier)
# Each file runs in its own `node --test` (the runner gives every file its own process anyway), one at a
# time unless -j. Logs: .run/test-repeat/<time>/run-<i>/<file>.log, a summary in .../summary.tsv
# (run, file, seconds, result); the slowest files are listed at the end. Exits 1 if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=5
jobs=1
fresh=0
targets=()
while (($#)); do
  case "$1" in
    -n) runs="$2"; shift 2 ;;
    -j) jobs="$2"; shift 2 ;;
    --fresh) fresh=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "test-repeat: -n needs a positive number, not '$runs'" >&2; exit 2; }
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "test-repeat: -j needs a positive number, not '$jobs'" >&2; exit 2; }
((${#targets[@]})) || targets=(test/integration)

out="$PWD/.run/test-repeat/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"

if ((fresh)); then
  clone="$(mktemp -d "${TMPDIR:-/tmp}/cti120-fresh-XXXXXX")"
  echo "== fresh clone of $(git rev-parse --short HEAD) in $clone"
  git clone --quiet --no-hardlinks "$PWD" "$clone" && git -C "$clone" checkout --quiet "$(git rev-parse HEAD)" || exit 1
  trap 'rm -rf "$clone"' EXIT
  cd "$clone" || exit 1
  bash scripts/setup.sh || { echo "test-repeat: setup failed in $clone" >&2; exit 1; }
fi

mapfile -t files < <(for t in "${targets[@]}"; do
  if [[ -d "$t" ]]; then find "$t" -name '*.test.ts' -type f -not -path '*/node_modules/*'; else echo "$t"; fi
done | sort -u)
for f in "${files[@]}"; do [[ -f "$f" ]] || { echo "test-repeat: no such test file: $f" >&2; exit 2; }; done
if ((jobs > 1)); then
  mapfile -t shared < <(bash scripts/test-lanes.sh "${files[@]}" | awk -F'\t' '$1 == "shared" { print $2 }')
  mapfile -t alone < <(bash scripts/test-lanes.sh "${files[@]}" | awk -F'\t' '$1 == "alone" { print $2 }')
else
  shared=()
  alone=("${files[@]}")
fi
echo "== ${#files[@]} file(s) x $runs run(s), ${#shared[@]} of them $jobs at a time; logs in $out"

summary="$out/summary.tsv"
printf 'run\tfile\tseconds\tresult\n' >"$summary"

# run_one RUN FILE: one file in its own node --test, its line appended to the summary
run_one() {
  local i="$1" f="$2" log s result
  log="$out/run-$i/$(echo "$f" | tr '/' '_').log"
  s=$SECONDS
  if node --import tsx --test --test-concurrency=1 --test-reporter=spec "$f" >"$log" 2>&1; then result=pass; else result=FAIL; fi
  printf '%s\t%s\t%s\t%s\n' "$i" "$f" "$((SECONDS - s))" "$result" >>"$summary"
}
export -f run_one
export out summary

failed_runs=0
for ((i = 1; i <= runs; i++)); do
  # state folders of the previous run's stopped stacks
  node_modules/.bin/tsx scripts/stack/cli.ts clean >/dev/null
  mkdir -p "$out/run-$i"
  t0=$SECONDS
  ((${#shared[@]} == 0)) || printf '%s\0' "${shared[@]}" | xargs -0 -n 1 -P "$jobs" bash -c 'run_one "$0" "$1"' "$i"
  for f in "${alone[@]}"; do run_one "$i" "$f"; done
  run_failed=()
  while IFS=$'\t' read -r f; do
    log="$out/run-$i/$(echo "$f" | tr '/' '_').log"
    # the spec reporter lists each failing test after "failing tests:"
    names=$(sed -n '/failing tests:/,$p' "$log" | grep -E '^✖ ' | grep -v '^✖ failing tests:' | sed -E 's/^✖ //; s/ \([0-9.]+ms\)$//' | paste -sd '|' -)
    run_failed+=("$f: ${names:-see $log}")
  done < <(awk -F'\t' -v i="$i" '$1 == i && $4 == "FAIL" { print $2 }' "$summary")
  if ((${#run_failed[@]})); then
    failed_runs=$((failed_runs + 1))
    echo "run $i: ${#run_failed[@]} file(s) failed in $((SECONDS - t0)) s"
    printf '  %s\n' "${run_failed[@]}"
  else
    echo "run $i: all ${#files[@]} file(s) passed in $((SECONDS - t0)) s"
  fi
done

echo "== slowest files (mean seconds over $runs run(s)):"
awk -F'\t' 'NR > 1 { sum[$2] += $3; n[$2]++ } END { for (f in sum) printf "%6.1f  %s\n", sum[f] / n[f], f }' "$summary" \
  | sort -rn | head -15
echo "== $failed_runs of $runs run(s) had failures (summary: $summary)"
((failed_runs == 0))
