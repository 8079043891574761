#!/usr/bin/env bash
# benches/ssh_collect.sh: confdrift's ssh collection wall time against the floor of plain
# `ssh HOST cat FILES`, over N loopback "hosts".
#
# Usage:  benches/ssh_collect.sh [--quick] [N ...]        (default N: 50 200)
#
#   JOBS=16        hosts in parallel, the same for both sides (`confdrift -j`, `xargs -P`)
#   RUNS=5         timed runs of each side per N; the median is reported
#   CONFDRIFT=...  the binary (default target/release/confdrift, built with
#                  `cargo build --release` if missing)
#   LOGIN_RC=0     0: sshd sets HOME to an empty directory, so root's own ~/.bashrc (which
#                  bash runs for every ssh command, e.g. `pyenv init`, hundreds of ms of CPU)
#                  does not swamp both sides; 1: keep this machine's real dotfiles
#   --quick        N=3 RUNS=1: a seconds-long smoke run (what CI could run)
#
# What it does, per N:
#   * ONE sshd on 127.0.0.1 (a free port), key-only root login, MaxStartups 1000:30:2000 and
#     MaxSessions 100 so hundreds of simultaneous connections are not throttled or dropped;
#   * a generated ssh_config with aliases h1..hN -> 127.0.0.1 (one shared host key, one
#     known_hosts line, StrictHostKeyChecking yes, BatchMode yes, IdentitiesOnly yes);
#   * four real config files (YAML, .properties, pgbouncer.ini, redis.conf from fixtures/)
#     copied to <tmp>/srv and fetched by absolute path from every "host";
#   * confdrift:  confdrift collect --config <tmp>/confdrift.toml --out <tmp>/out -j $JOBS -q
#     floor:      printf 'h%d\n' 1..N | xargs -P $JOBS -I{} ssh -F <cfg> {} cat F1 F2 F3 F4
#   * one untimed warm-up of each, which also checks that confdrift's output holds N x 4
#     files byte-identical to the sources (fails loudly otherwise), then RUNS timed runs of
#     each, alternating which goes first so noise hits both; prints the medians and the ratio.
#
# No ControlMaster / connection multiplexing on either side: ControlMaster, ControlPath and
# ControlPersist are forced off in the generated ssh_config. Each host costs a full TCP
# connection, key exchange, authentication and session on both sides, which is what confdrift
# does against a real fleet; multiplexing would turn the floor into a measurement of something
# else. The issue's goal is confdrift <= 1.2x the floor.
#
# Needs root (sshd logs in as root over loopback) and /usr/sbin/sshd (installed with apt-get
# if missing). Everything lives in a temporary directory removed on exit, with sshd killed.
# Nothing is run against the network: the sshd listens on 127.0.0.1 only.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

SIZES=()
QUICK=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    -h|--help) usage; exit 0 ;;
    ''|*[!0-9]*) echo "ssh_collect.sh: not a host count: $a (try --help)" >&2; exit 2 ;;
    *) [ "$a" -ge 1 ] || { echo "ssh_collect.sh: N must be at least 1" >&2; exit 2; }
       SIZES+=("$a") ;;
  esac
done
if [ "$QUICK" = 1 ]; then
  [ ${#SIZES[@]} -gt 0 ] || SIZES=(3)
  RUNS=${RUNS:-1}
fi
[ ${#SIZES[@]} -gt 0 ] || SIZES=(50 200)
JOBS=${JOBS:-16}
RUNS=${RUNS:-5}
LOGIN_RC=${LOGIN_RC:-0}
case "$JOBS$RUNS" in *[!0-9]*) echo "ssh_collect.sh: JOBS and RUNS must be numbers" >&2; exit 2 ;; esac
[ "$JOBS" -ge 1 ] && [ "$RUNS" -ge 1 ] || { echo "ssh_collect.sh: JOBS and RUNS must be >= 1" >&2; exit 2; }

die() { echo "ssh_collect.sh: $*" >&2; exit 1; }

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"

[ "$(id -u)" = 0 ] || die "needs root (the loopback sshd logs in as root)"
if [ ! -x /usr/sbin/sshd ]; then
  echo "installing openssh-server ..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null \
    || die "cannot install openssh-server"
fi
command -v ssh >/dev/null || die "no ssh client on the PATH"
command -v ssh-keygen >/dev/null || die "no ssh-keygen on the PATH"

CONFDRIFT=${CONFDRIFT:-target/release/confdrift}
if [ ! -x "$CONFDRIFT" ]; then
  [ "$CONFDRIFT" = target/release/confdrift ] || die "CONFDRIFT=$CONFDRIFT is not an executable"
  echo "building confdrift (cargo build --release) ..." >&2
  cargo build --release -q || die "cargo build --release failed"
fi
CONFDRIFT=$(cd "$(dirname "$CONFDRIFT")" && pwd)/$(basename "$CONFDRIFT")

SOURCES=(
  fixtures/fleet/app-1/etc/myapp/database.yml
  fixtures/fleet/app-1/etc/myapp/application.properties
  fixtures/upstream/pgbouncer/pgbouncer.ini
  fixtures/upstream/redis-server/redis.conf
)

# ---------------------------------------------------------------- the loopback sshd
T=$(mktemp -d /tmp/confdrift-bench.XXXXXX)
SSHD_PID=
cleanup() {
  if [ -n "$SSHD_PID" ]; then kill "$SSHD_PID" 2>/dev/null || true; wait "$SSHD_PID" 2>/dev/null || true; fi
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p /run/sshd "$T/srv" "$T/home"
chmod 700 "$T"
ssh-keygen -q -t ed25519 -N '' -C confdrift-bench-host -f "$T/host_key"
ssh-keygen -q -t ed25519 -N '' -C confdrift-bench-client -f "$T/client_key"
cp "$T/client_key.pub" "$T/authorized_keys"

FILES=()
for s in "${SOURCES[@]}"; do
  [ -f "$s" ] || die "missing fixture $s"
  cp "$s" "$T/srv/"
  FILES+=("$T/srv/$(basename "$s")")
done

start_sshd() { # $1 = port; returns nonzero if it did not come up
  cat > "$T/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $1
HostKey $T/host_key
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 1000:30:2000
MaxSessions 100
PrintMotd no
PrintLastLog no
UseDNS no
LogLevel ERROR
EOF
  if [ "$LOGIN_RC" = 0 ]; then
    # bash sources ~/.bashrc for every ssh command; point ~ at an empty directory.
    echo "SetEnv HOME=$T/home" >> "$T/sshd_config"
  fi
  # OpenSSH >= 9.8 throttles sources it sees misbehave; loopback is every "host" here.
  if /usr/sbin/sshd -t -f "$T/sshd_config" -o PerSourcePenalties=no 2>/dev/null; then
    echo "PerSourcePenalties no" >> "$T/sshd_config"
  fi
  /usr/sbin/sshd -t -f "$T/sshd_config" || die "sshd rejects the generated config"
  /usr/sbin/sshd -D -f "$T/sshd_config" -E "$T/sshd.log" &
  SSHD_PID=$!
  local i
  for i in $(seq 50); do
    kill -0 "$SSHD_PID" 2>/dev/null || { wait "$SSHD_PID" 2>/dev/null || true; SSHD_PID=; return 1; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  kill "$SSHD_PID" 2>/dev/null || true; wait "$SSHD_PID" 2>/dev/null || true; SSHD_PID=
  return 1
}
PORT=
for try in $(seq 20); do
  p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && start_sshd "$p"; then PORT=$p; break; fi
done
[ -n "$PORT" ] || die "could not start sshd on a free port (see $T/sshd.log)"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$T/host_key.pub")" > "$T/known_hosts"

MAXN=0
for n in "${SIZES[@]}"; do [ "$n" -gt "$MAXN" ] && MAXN=$n; done
{
  for i in $(seq "$MAXN"); do
    printf 'Host h%d\n  HostName 127.0.0.1\n' "$i"
  done
  cat <<EOF
Host *
  Port $PORT
  User root
  IdentityFile $T/client_key
  IdentitiesOnly yes
  UserKnownHostsFile $T/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ControlMaster no
  ControlPath none
  ControlPersist no
  LogLevel ERROR
EOF
} > "$T/ssh_config"

ssh -F "$T/ssh_config" h1 true || die "cannot log in to the loopback sshd (see $T/sshd.log)"

# ---------------------------------------------------------------- the two sides
write_config() { # $1 = N
  local q='' f h
  for f in "${FILES[@]}"; do q+="${q:+, }\"$f\""; done
  h=$(seq -f '"h%.0f"' -s ', ' "$1")
  cat > "$T/confdrift.toml" <<EOF
[ssh]
config = "$T/ssh_config"

[[group]]
name = "bench"
hosts = [$h]
transport = "ssh"
files = [$q]
EOF
}

run_confdrift() {
  rm -rf "$T/out"
  "$CONFDRIFT" collect --config "$T/confdrift.toml" --out "$T/out" -j "$JOBS" -q \
    || die "confdrift collect failed (exit $?)"
}

run_floor() { # $1 = N
  seq -f 'h%.0f' "$1" | xargs -P "$JOBS" -I{} ssh -F "$T/ssh_config" {} cat "${FILES[@]}" > /dev/null \
    || die "the xargs ssh cat floor failed"
}

verify() { # $1 = N: confdrift's output holds N x 4 files identical to the sources
  local n=$1 got want i f
  want=$(( n * ${#FILES[@]} ))
  got=$(find "$T/out" -type f | wc -l)
  [ "$got" = "$want" ] || die "VERIFY FAILED: $got files in confdrift's output, expected $want"
  for i in $(seq "$n"); do
    for f in "${FILES[@]}"; do
      cmp -s "$f" "$T/out/h$i$f" || die "VERIFY FAILED: $T/out/h$i$f differs from $f (or is missing)"
    done
  done
}

timed() { # runs "$@" in this shell (so a failure exits the script); seconds in $SECS
  local t0=$EPOCHREALTIME t1
  "$@"
  t1=$EPOCHREALTIME
  SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "confdrift $("$CONFDRIFT" --version | awk '{print $2}'), $(ssh -V 2>&1 | cut -d, -f1), JOBS=$JOBS RUNS=$RUNS LOGIN_RC=$LOGIN_RC, $(nproc) CPUs, ${#FILES[@]} files/host ($(cat "${FILES[@]}" | wc -c) bytes)" >&2
ROWS=()
for n in "${SIZES[@]}"; do
  write_config "$n"
  run_confdrift; verify "$n"   # warm-up + correctness, untimed
  run_floor "$n"
  A=(); B=()
  for r in $(seq "$RUNS"); do
    if [ $(( r % 2 )) = 1 ]; then
      timed run_confdrift; A+=("$SECS"); timed run_floor "$n"; B+=("$SECS")
    else
      timed run_floor "$n"; B+=("$SECS"); timed run_confdrift; A+=("$SECS")
    fi
  done
  ma=$(median "${A[@]}"); mb=$(median "${B[@]}")
  echo "N=$n confdrift: ${A[*]}  xargs ssh cat: ${B[*]}" >&2
  ROWS+=("$(awk -v n="$n" -v a="$ma" -v b="$mb" 'BEGIN { printf "| %5d | %11.3f | %16.3f | %5.2fx |", n, a, b, a / b }')")
done

echo "| hosts | confdrift s | xargs ssh cat s | ratio  |"
echo "| ----: | ----------: | --------------: | -----: |"
printf '%s\n' "${ROWS[@]}"
