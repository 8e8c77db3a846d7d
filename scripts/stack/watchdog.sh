#!/usr/bin/env bash
# Stops a stack's daemons when the process that started them dies without stopping them
# (kill -9, a test runner's timeout). Usage: watchdog.sh <owner-pid> <pgids-file>
# The owner keeps <pgids-file> current (one process-group id a line) and removes it on a clean stop.
owner=$1
file=$2
while kill -0 "$owner" 2>/dev/null; do
  [[ -f "$file" ]] || exit 0
  sleep 1
done
[[ -f "$file" ]] || exit 0
groups=$(cat "$file")
for g in $groups; do kill -TERM -- "-$g" 2>/dev/null; done
for _ in 1 2 3 4 5 6 7 8 9 10; do
  alive=0
  for g in $groups; do kill -0 -- "-$g" 2>/dev/null && alive=1; done
  ((alive)) || break
  sleep 0.5
done
for g in $groups; do kill -KILL -- "-$g" 2>/dev/null; done
rm -f "$file"
