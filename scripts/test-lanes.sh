#!/usr/bin/env bash
# Splits integration test files into two lanes, by test/integration/run-alone.txt:
#   bash scripts/test-lanes.sh FILE...   prints "alone<TAB>file" or "shared<TAB>file" a line, in the order given
# Shared files may run two at a time (scripts/test.sh, scripts/test-repeat.sh -j); alone files run with
# nothing beside them. A line of run-alone.txt ending in / names a folder.
set -euo pipefail
cd "$(dirname "$0")/.."

list=test/integration/run-alone.txt
mapfile -t alone < <(sed -E 's/#.*//; s/[[:space:]]+$//; /^$/d' "$list")
for f in "$@"; do
  lane=shared
  for a in "${alone[@]}"; do
    if [[ "$f" == "$a" || ( "$a" == */ && "$f" == "$a"* ) ]]; then lane=alone; break; fi
  done
  printf '%s\t%s\n' "$lane" "$f"
done
