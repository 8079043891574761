#!/usr/bin/env bash
# scripts/defaults/package.sh: sourced by the other scripts here. `package_of PROGRAM` prints
# where the program a table is asked of came from, for the table's header: $PACKAGE when set
# (a program run from a package unpacked elsewhere, or another build: the caller names it, as
# `postgresql-13 13.23-0+deb11u4 (Debian bullseye)`), else the Debian package dpkg says owns
# the installed file, with its version.
package_of() {
  if [ -n "${PACKAGE:-}" ]; then
    echo "$PACKAGE"
    return
  fi
  local file pkg
  file=$(readlink -f "$(command -v "$1")")
  pkg=$(dpkg -S "$file" 2>/dev/null | grep -v '^diversion' | head -1 | cut -d: -f1 || true)
  if [ -n "$pkg" ]; then
    dpkg-query -W -f '${Package} ${Version}\n' "$pkg"
  else
    echo "$file (no package owns it; set PACKAGE to say where it came from)"
  fi
}
