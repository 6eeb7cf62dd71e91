#!/bin/bash
# A/B on SQLite, same machine, same moment, N keys each (default 200,000), old and new alternately:
# the previous implementation built in /tmp/imp-old
#   (git worktree add /tmp/imp-old a35834c && ln -s /work/main/node_modules /tmp/imp-old/
#    && (cd /tmp/imp-old && npx tsc -p tsconfig.build.json))
# and this tree's build (npx tsc -p tsconfig.build.json). Prints wall, CPU (user+sys), peak RSS, load.
cd /work/wt/import
for tree in /tmp/imp-old /work/wt/import /tmp/imp-old /work/wt/import; do
  read dir pid < <(BENCH_KEYS=${N:-200000} npx tsx bench/experiments/import-setup.ts 2>/dev/null | tail -1)
  /usr/bin/time -f "%e %U %S %M" -o /tmp/ab-time.txt env KAMENG_DATA_DIR=$dir NODE_ENV=development LOG_LEVEL=silent node --max-semi-space-size=2 $tree/bin/kameng.js keys import --product $pid --format text $dir/keys.txt >/dev/null 2>&1
  read e u s m < /tmp/ab-time.txt
  echo "$tree wall=${e}s cpu=$(echo "$u+$s" | bc)s maxrss=$((m/1024))MiB load=$(cut -d' ' -f1 /proc/loadavg)"
  rm -rf $dir
done
