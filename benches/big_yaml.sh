#!/usr/bin/env bash
# benches/big_yaml.sh: a big honest YAML file against the same data in JSON, and alias bombs,
# through `confdrift diff`, wall time and peak RSS, in one run (issue 16 item 16).
#
# Usage:  benches/big_yaml.sh [--keys N] [--runs R] [--keep DIR]
#
#   --keys N    keys in the generated file (default 260000), in sections of 1,000
#   --runs R    timed runs of each measurement; the median is reported (default 5)
#   --keep DIR  write the inputs under DIR (kept) instead of a temporary directory
#   CONFDRIFT=PATH  time this binary instead of target/release/confdrift
#
# What it does:
#   * writes big.yml (N keys, no anchor or alias: ints, strings, booleans, a list every 100th
#     key) and big.json (the same tree), and a copy of each with the last value changed, so
#     that `confdrift diff` reads both files and finds exactly one change (exit 1);
#   * writes two alias bombs: a billion laughs (9 levels of 9 aliases, 387 M values expanded)
#     and a merge-key bomb (8 levels of `<<: [*m, *m, *m, *m]`), each of which must be refused
#     (exit 2, "possible alias bomb");
#   * runs each under `/usr/bin/time -v`, R times: wall time (median, from bash's
#     $EPOCHREALTIME) and peak RSS (the largest of the R runs).
#
# Uses the release build (`cargo build --release --bin confdrift`, run first; incremental).
# Needs /usr/bin/time (the `time` package, installed with apt-get when missing and root). A
# benchmark, not a test: the JSON baseline measured in the same run is what the YAML side is
# compared with.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "big_yaml.sh: $*" >&2; exit 1; }

KEYS=260000
RUNS=5
KEEP=
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) [ $# -ge 2 ] || die "--keys needs a number"; KEYS=$2; shift 2 ;;
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; RUNS=$2; shift 2 ;;
    --keep) [ $# -ge 2 ] || die "--keep needs a directory"; KEEP=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done

cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
  else
    die "needs /usr/bin/time (apt-get install time)"
  fi
fi
if [ -z "${CONFDRIFT:-}" ]; then
  cargo build --release --quiet --bin confdrift
  CONFDRIFT=$PWD/target/release/confdrift
fi
if [ -n "$KEEP" ]; then
  DIR=$KEEP
  mkdir -p "$DIR"
else
  DIR=$(mktemp -d)
  trap 'rm -rf "$DIR"' EXIT
fi

# The inputs. Python's json module writes the JSON side from the same tree.
python3 - "$DIR" "$KEYS" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
tree = {}
for i in range(n):
    section = tree.setdefault("section%d" % (i // 1000), {})
    kind = i % 4
    if i % 100 == 99:
        value = ["a%d" % i, i, True]
    elif kind == 0:
        value = i
    elif kind == 1:
        value = "value-%d" % i
    elif kind == 2:
        value = i % 3 == 0
    else:
        value = "host-%d.example.com" % i
    section["key%d" % i] = value

def yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)

def write_yaml(path, tree):
    with open(path, "w") as f:
        for s, keys in tree.items():
            f.write("%s:\n" % s)
            for k, v in keys.items():
                if isinstance(v, list):
                    f.write("  %s: [%s]\n" % (k, ", ".join(yaml_scalar(x) for x in v)))
                else:
                    f.write("  %s: %s\n" % (k, yaml_scalar(v)))

write_yaml(out + "/big.yml", tree)
with open(out + "/big.json", "w") as f:
    json.dump(tree, f, indent=2)
last_section = list(tree)[-1]
last_key = "key%d" % (n - 2)
tree[last_section][last_key] = "changed"
write_yaml(out + "/big2.yml", tree)
with open(out + "/big2.json", "w") as f:
    json.dump(tree, f, indent=2)

with open(out + "/laughs.yml", "w") as f:
    f.write("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
    for i in range(1, 10):
        f.write("a%d: &a%d [%s]\n" % (i, i, ", ".join(["*a%d" % (i - 1)] * 9)))
with open(out + "/merges.yml", "w") as f:
    f.write("m0: &m0 {a: 1, b: 2, c: 3, d: 4}\n")
    for i in range(1, 9):
        p = i - 1
        f.write("m%d: &m%d\n  <<: [%s]\n  x%d: [*m%d, *m%d, *m%d]\n"
                % (i, i, ", ".join(["*m%d" % p] * 4), i, p, p, p))
PY

# One measurement: median wall seconds, largest peak RSS (MiB), exit status, a line of output.
measure() {
  local name=$1 want=$2; shift 2
  local walls=() rss=0 code out
  for _ in $(seq "$RUNS"); do
    local start=$EPOCHREALTIME
    set +e
    /usr/bin/time -v -o "$DIR/time.txt" "$@" >"$DIR/out.txt" 2>&1
    code=$?
    set -e
    local end=$EPOCHREALTIME
    walls+=("$(echo "$end - $start" | bc -l)")
    local kb
    kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$DIR/time.txt")
    [ "$kb" -gt "$rss" ] && rss=$kb
    [ "$code" = "$want" ] || { cat "$DIR/out.txt" >&2; die "$name: exit $code, expected $want"; }
  done
  local median
  median=$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p")
  out=$(grep -m1 -o 'possible alias bomb\|DRIFT[^;]*\|changed' "$DIR/out.txt" || true)
  printf '%-34s %9.3f s %9.1f MiB  exit %s  %s\n' "$name" "$median" "$(echo "$rss / 1024" | bc -l)" "$code" "$out"
}

size() { printf '%.1f MiB' "$(echo "$(stat -c %s "$1") / 1048576" | bc -l)"; }
echo "$KEYS keys: big.yml $(size "$DIR/big.yml"), big.json $(size "$DIR/big.json"); $RUNS run(s), median wall, max RSS"
measure "diff big.yml big2.yml (yaml)" 1 "$CONFDRIFT" diff "$DIR/big.yml" "$DIR/big2.yml"
measure "diff big.json big2.json (json)" 1 "$CONFDRIFT" diff "$DIR/big.json" "$DIR/big2.json"
measure "diff big.yml --yaml 1.1 (yaml 1.1)" 1 "$CONFDRIFT" diff --yaml 1.1 "$DIR/big.yml" "$DIR/big2.yml"
measure "billion laughs (refused)" 2 "$CONFDRIFT" diff "$DIR/laughs.yml" "$DIR/laughs.yml"
measure "merge-key bomb (refused)" 2 "$CONFDRIFT" diff "$DIR/merges.yml" "$DIR/merges.yml"
