#!/usr/bin/env bash
# Seeds the fuzz corpora from the repository's real config files. Run from anywhere; the
# corpora are written under fuzz/corpus/ (ignored by git) and regenerated each time.
#
#   corpus/parse/         selector byte + file, for every format (byte i = Format::names()[i])
#   corpus/parse-<name>/  the files as they are, for CONFDRIFT_FUZZ_FORMAT=<name>
#   corpus/diff/          selector byte + old + "\n===\n" + new, for every format
#   corpus/sniff/         each file whole, and each neighbour pair old + "\n===\n" + new
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/fuzz/corpus"

# Format::names(): the FORMATS table's names in order, then "text". Read from the table so
# that formats added to it get seeds too.
mapfile -t names < <(sed -n '/^pub static FORMATS/,/^];/s/^ *name: "\([^"]*\)",$/\1/p' \
    "$root/src/normalize/mod.rs")
names+=(text)

mapfile -t files < <(cd "$root" && find fixtures/upstream fixtures/fleet baselines \
    -type f ! -name '*.md' | sort; echo confdrift.toml; echo Cargo.toml)

# The selector byte for format i (a NUL cannot live in a shell variable, so print it).
sel() { printf "\\x$(printf %02x "$1")"; }

rm -rf "$out/parse" "$out/diff" "$out/sniff" "$out"/parse-*
mkdir -p "$out/parse" "$out/diff" "$out/sniff"
for i in "${!names[@]}"; do
    name=${names[$i]}
    mkdir -p "$out/parse-$name"
    for f in "${files[@]}"; do
        flat=${f//\//_}
        cp "$root/$f" "$out/parse-$name/$flat"
        { sel "$i"; cat "$root/$f"; } > "$out/parse/$i-$flat"
    done
    # Neighbours in sorted order: mostly files of one format, sometimes two formats.
    prev=
    for f in "${files[@]}"; do
        flat=${f//\//_}
        if [[ -n $prev ]]; then
            { sel "$i"; cat "$root/$prev"; printf '\n===\n'; cat "$root/$f"; } \
                > "$out/diff/$i-$flat"
        fi
        prev=$f
    done
done
# Pairs that a drift check really compares: the same file on two hosts.
for f in "$root"/fixtures/fleet/app-1/etc/myapp/*; do
    rel=${f#"$root"/fixtures/fleet/app-1/}
    for host in app-2 app-3; do
        other="$root/fixtures/fleet/$host/$rel"
        [[ -f $other ]] || continue
        for i in "${!names[@]}"; do
                    { sel "$i"; cat "$f"; printf '\n===\n'; cat "$other"; } \
                > "$out/diff/$i-app-1-vs-$host-${rel//\//_}"
        done
    done
done
# Content detection: no selector byte; files whole and neighbours paired.
prev=
for f in "${files[@]}"; do
    flat=${f//\//_}
    cp "$root/$f" "$out/sniff/$flat"
    if [[ -n $prev ]]; then
        { cat "$root/$prev"; printf '\n===\n'; cat "$root/$f"; } > "$out/sniff/pair-$flat"
    fi
    prev=$f
done
echo "formats: ${names[*]}"
for d in "$out"/*/; do printf '%6d files  %s\n' "$(ls "$d" | wc -l)" "${d#"$root"/}"; done
