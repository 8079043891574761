#!/usr/bin/env bash
# PostgreSQL 17 from Debian 13 (trixie) on a Debian 12 machine, for tests/cli/pghba_includes.rs:
# pg_hba.conf's `include`, `include_if_exists` and `include_dir` are PostgreSQL 16+, and
# bookworm has only 15. Downloads the server's .deb and the libraries bookworm lacks (trixie's
# glibc among them) with a private apt list, unpacks them into one directory, points the
# binaries at that glibc and those libraries (patchelf: interpreter and DT_RPATH), and checks
# `postgres -V`. Nothing is installed on the machine. Prints the bin directory on stdout (the
# tests read it from CONFDRIFT_PG17_BIN, else from the default directory below).
#
# Usage: .ci/trixie-postgres.sh [DIR]   (default: /var/cache/confdrift/trixie-postgres)
set -euo pipefail

dir=${1:-${CONFDRIFT_PG17_DIR:-/var/cache/confdrift/trixie-postgres}}
bin=$dir/root/usr/lib/postgresql/17/bin
if [ -x "$bin/postgres" ] && "$bin/postgres" -V 2>/dev/null | grep -q '^postgres (PostgreSQL) 17\.'; then
  echo "$bin"
  exit 0
fi

command -v patchelf >/dev/null 2>&1 || {
  echo "trixie-postgres: patchelf is missing (.ci/run installs it)" >&2
  exit 1
}
mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs"
echo "deb http://deb.debian.org/debian trixie main" >"$dir/apt/sources.list"
# Bookworm's debian-archive-keyring holds trixie's release keys.
apt_opts=(
  -o "Dir::Etc::SourceList=$dir/apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache"
  -o "Dir::State::status=/dev/null" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" -qq update >&2
# The server's NEEDED libraries whose bookworm versions are missing or too old (readelf -d),
# their own (libicu and libstdc++), and trixie's glibc they are built against.
packages=(postgresql-17 libc6 libicu76 libldap2 libpq5 libssl3t64 libxml2 libzstd1 liblz4-1
  libstdc++6 libgcc-s1)
(cd "$dir/debs" && apt-get "${apt_opts[@]}" -qq download "${packages[@]}" >&2)
rm -rf "$dir/root"
for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
lib=$dir/root/usr/lib/x86_64-linux-gnu
for f in "$bin"/*; do
  patchelf --set-interpreter "$dir/root/usr/lib64/ld-linux-x86-64.so.2" \
    --force-rpath --set-rpath "$lib" "$f"
done
# The server runs as `postgres` when the tests run as root: everything readable.
chmod -R a+rX "$dir"
"$bin/postgres" -V >&2
echo "$bin"
