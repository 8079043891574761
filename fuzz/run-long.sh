#!/usr/bin/env bash
# Long pinned runs of the parse target, one format after another, at low priority; each run's
# output in logs/<format>.log and its exit status in logs/summary.txt.
#
#   ./seed.sh && SECS=300 ./run-long.sh env sshd ssh redis sysctl nginx
set -u
cd "$(dirname "$0")"
mkdir -p logs
export RUSTC_BOOTSTRAP=1
nice -n 10 cargo fuzz build -s none parse > logs/build.log 2>&1 || { echo build failed; exit 1; }
secs=${SECS:-240}
for f in "$@"; do
  CONFDRIFT_FUZZ_FORMAT=$f nice -n 10 cargo fuzz run -s none parse corpus/parse-$f -- \
    -max_len=65536 -timeout=5 -rss_limit_mb=2048 -max_total_time=$secs -print_final_stats=1 \
    > logs/$f.log 2>&1
  echo "$f exit $?" >> logs/summary.txt
done
