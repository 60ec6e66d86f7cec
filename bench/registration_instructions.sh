#!/usr/bin/env bash
# What a durable registration costs the AS in user-space instructions (its code, SQLite, libc),
# counted by valgrind's callgrind, beside the AS before the engine (BASELINE_REF, default fe72eaa)
# in the same run. Both take lab-load's WRITERS writers (each waits for its acknowledgement) for
# DUR seconds; the figure is the instructions of all the AS's threads, and of its busiest thread
# (the writer, or the predecessor's only loop: the thread every registration waits for), per
# acknowledged registration.
#
# Why a second measure beside engine_bench.sh's registrations/s: on a shared 2-core VM the rate
# moves by 15-30% between identical runs (the disk's fsync time, the neighbours), more than most
# single changes to the write path are worth. An instruction count does not move with the machine,
# so it can tell such a change apart. It does not see the kernel's work (sendto, the WAL's pwrite,
# fsync), cache misses or locked instructions, and valgrind runs the threads one at a time, so
# group commits are larger than on the real machine: it complements the rate, never replaces it.
#   DUR (seconds per server, default 8, at most 55), WRITERS (16), PORT (53630), INSTALL (1),
#   BUILD_DIR (build-release), BASELINE_REF (fe72eaa; empty: this tree only).
# Traffic goes only to 127.0.0.1; the AS runs in a temp folder, as SERVER_USER (nobody) when the
# script runs as root, and is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

dur=${DUR:-8}
[ "$dur" -ge 1 ] && [ "$dur" -le 55 ] || { echo "DUR must be 1..55" >&2; exit 2; }
writers=${WRITERS:-16}
port=${PORT:-53630}
work=$(mktemp -d /tmp/fibdns-reginstr.XXXXXX)
server_pid=""
stop_wait_tenths=300  # callgrind drains and writes a profile per thread at exit: give it 30 s
trap 'bench_stop_server; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

[ "${INSTALL:-1}" = 0 ] || bench_install valgrind netcat-openbsd bind9-dnsutils procps
bench_build authoritative-server lab-load
current_as_bin=$as_bin
baseline_ref=${BASELINE_REF-fe72eaa}
baseline_as_bin=""
[ -z "$baseline_ref" ] || bench_build_baseline_as "$baseline_ref"
bench_own_work

# profile DIR BINARY SECONDS: the AS under callgrind; registers fibonacci.fib.test, then (SECONDS
# > 0) takes lab-load's writers; writes DIR/totals ("THREAD INSTRUCTIONS", threads numbered in
# creation order) and DIR/acks.
profile() {
  local out=$1 seconds=$3
  mkdir -p "$out" && bench_own_work
  # start_as runs $as_bin as one word: valgrind goes in through a wrapper that execs (the PID
  # stays the server's, which bench_stop_server stops with SIGTERM: callgrind writes at exit).
  printf '#!/bin/bash\nexec valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=%q %q "$@"\n' \
    "$out/cg" "$(realpath "$2")" >"$out/run" && chmod +x "$out/run"
  as_bin=$out/run
  start_as "$port" "$out/as.db"
  register_fibonacci "$port"
  echo 0 >"$out/acks"
  if [ "$seconds" -gt 0 ]; then
    "$lab_load_bin" --target "127.0.0.1:$port" --only writes --writers "$writers" \
      --seconds "$seconds" >"$out/load" 2>&1 ||
      { echo "lab-load failed:" >&2; cat "$out/load" >&2; exit 1; }
    awk '/^  acknowledged/ { print $NF }' "$out/load" >"$out/acks"
  fi
  bench_stop_server
  [ "$server_rc" = 0 ] || { echo "$out: the AS exited with $server_rc (see $work/as.stderr)" >&2; exit 1; }
  compgen -G "$out/cg-*" >/dev/null || { echo "$out: callgrind wrote no profile (see $work/as.stderr)" >&2; exit 1; }
  local f n
  for f in "$out"/cg-*; do
    n=$(callgrind_annotate "$f" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
    [[ $n =~ ^[0-9]+$ ]] || { echo "$f: no instruction total in callgrind's profile" >&2; exit 1; }
    echo "${f##*-} $n"
  done >"$out/totals"
}

# measure LABEL BINARY: the same AS started, given fibonacci.fib.test and stopped without load,
# then with it; the difference (thread by thread) is what the registrations cost, without the
# start (migrations, loading) and the stop. Appends "LABEL ACKS ALL_THREADS BUSIEST_THREAD".
measure() {
  local label=$1 acks
  profile "$work/$label-idle" "$2" 0
  profile "$work/$label" "$2" "$dur"
  acks=$(cat "$work/$label/acks")
  [ -n "$acks" ] && [ "$acks" -gt 0 ] || { echo "$label: no registration acknowledged" >&2; cat "$work/$label/load" >&2; exit 1; }
  awk -v label="$label" -v acks="$acks" '
    NR == FNR { idle[$1] = $2; next }
    { cost = $2 - idle[$1]; all += cost; if (cost > busiest) busiest = cost }
    END { print label, acks, all, busiest }' "$work/$label-idle/totals" "$work/$label/totals" \
    >>"$work/results"
}

echo "== user-space instructions per acknowledged registration (callgrind, $writers writers, $dur s each) =="
[ -z "$baseline_as_bin" ] || measure "before-the-engine-$baseline_ref" "$baseline_as_bin"
measure "this-tree" "$current_as_bin"
mapfile -t results <"$work/results"
for r in "${results[@]}"; do
  read -r label acks all busiest <<<"$r"
  awk -v l="$label" -v a="$acks" -v t="$all" -v b="$busiest" 'BEGIN {
    printf "  %-28s %7d acknowledged  all threads %6.0f  busiest thread %6.0f instructions/registration\n",
      l, a, t / a, b / a }'
done
if [ ${#results[@]} -eq 2 ]; then
  read -r _ a0 t0 b0 <<<"${results[0]}"
  read -r _ a1 t1 b1 <<<"${results[1]}"
  awk -v a0="$a0" -v t0="$t0" -v b0="$b0" -v a1="$a1" -v t1="$t1" -v b1="$b1" 'BEGIN {
    printf "  this tree / before: all threads %.2fx, busiest thread %.2fx (lower is cheaper)\n",
      (t1 / a1) / (t0 / a0), (b1 / a1) / (b0 / a0) }'
fi
