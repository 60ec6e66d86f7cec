#!/usr/bin/env bash
# The original course's acceptance flow, unchanged, against the three real binaries at their
# standard addresses (127.0.0.1: AS udp/53533, FS 9090, US 8080): register fibonacci.com through
# PUT /register, then the US prints "200 55" for number=10, and a 400 without as_port. Each
# request has a 2.5 s timeout, as in the course's script.
#   usage: course_acceptance_test.sh BIN_DIR
set -euo pipefail
bin_dir=$1
work=$(mktemp -d /tmp/fibdns-acceptance.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$bin_dir/authoritative-server" --bind 127.0.0.1 --port 53533 --db "$work/records.db" 2>"$work/as.log" &
pids+=($!)
"$bin_dir/fibonacci-server" --bind 127.0.0.1 --port 9090 2>"$work/fs.log" &
pids+=($!)
"$bin_dir/user-server" --bind 127.0.0.1 --port 8080 2>"$work/us.log" &
pids+=($!)
for port in 9090 8080; do
  for _ in $(seq 100); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" 2>/dev/null && break
    sleep 0.05
  done
done

fail=0
check() {  # check LABEL EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$3'"; fail=1; fi
}

status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2.5 -X PUT http://127.0.0.1:9090/register \
  -H 'Content-Type: application/json' \
  -d '{"hostname": "fibonacci.com", "ip": "127.0.0.1", "as_ip": "127.0.0.1", "as_port": "53533"}')
check "PUT /register" 201 "$status"

url='http://127.0.0.1:8080/fibonacci?hostname=fibonacci.com&fs_port=9090&number=10&as_ip=127.0.0.1'
answer=$(curl -sS --max-time 2.5 -w ' %{http_code}' "$url&as_port=53533" | awk '{print $2, $1}')
check "US with every parameter" "200 55" "$answer"
status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2.5 "$url")
check "US without as_port" 400 "$status"

if [ "$fail" != 0 ]; then
  echo "--- AS log"; cat "$work/as.log"; echo "--- FS log"; cat "$work/fs.log"; echo "--- US log"; cat "$work/us.log"
  echo "0 passed, 1 failed"
  exit 1
fi
