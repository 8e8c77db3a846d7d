#!/usr/bin/env bash
# The test runner: typecheck, then the unit, contract and integration tiers in that order.
#   bash scripts/test.sh            all tiers (after `tsc --noEmit`)
#   bash scripts/test.sh unit       only test/unit (also: contract, integration)
# Extra arguments after the tier go to `node --test` (e.g. --test-name-pattern=queue).
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

# State folders of stopped test stacks from earlier runs (the last run's stay for inspection until now).
node_modules/.bin/tsx scripts/stack/cli.ts clean >/dev/null

failed=()
if ((typecheck)); then
  echo "== typecheck (tsc --noEmit -p .)"
  if ! node_modules/.bin/tsc --noEmit -p .; then failed+=(typecheck); fi
fi

for tier in "${tiers[@]}"; do
  [[ -d "test/$tier" ]] || continue
  mapfile -t files < <(find "test/$tier" -name '*.test.ts' -type f -not -path '*/node_modules/*' | sort)
  if ((${#files[@]} == 0)); then
    echo "== $tier: no tests"
    continue
  fi
  echo "== $tier: ${#files[@]} file(s)"
  if ! node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@" "${files[@]}"; then
    failed+=("$tier")
  fi
done

if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all passed"
