#!/usr/bin/env bash
# Splits integration test files into two lanes, by test/integration/run-alone.txt:
#   bash scripts/test-lanes.sh FILE...   prints "alone<TAB>file" or "shared<TAB>file" a line, in the order given;
#                                        an alone file whose line is marked [beside-light] or [pool] gets a
#                                        third column "beside-light" or "pool"
# Shared files may run two at a time (scripts/test.sh, scripts/test-repeat.sh -j); alone files run with
# nothing beside them, except that scripts/test-schedule.ts runs those marked [beside-light] beside light
# files (no browser), and those marked [pool] beside one shared file (never beside a pair test nor beside
# another [pool] file). A line of run-alone.txt ending in / names a folder; the first line that matches a
# file decides.
set -euo pipefail
cd "$(dirname "$0")/.."

list="${CTI_RUN_ALONE_LIST:-test/integration/run-alone.txt}"   # another list: for a dry run of the scheduler
mapfile -t alone < <(sed -E 's/#.*//; s/[[:space:]]+$//; /^$/d' "$list")
for f in "$@"; do
  lane=shared
  mark=
  for line in "${alone[@]}"; do
    a="${line%% *}"
    if [[ "$f" == "$a" || ( "$a" == */ && "$f" == "$a"* ) ]]; then
      lane=alone
      [[ "$line" == *" [beside-light]" ]] && mark=$'\tbeside-light'
      [[ "$line" == *" [pool]" ]] && mark=$'\tpool'
      break
    fi
  done
  printf '%s\t%s%s\n' "$lane" "$f" "$mark"
done
