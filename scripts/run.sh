#!/usr/bin/env bash
# Installs what is missing, builds, and starts the three servers on 127.0.0.1 at their standard
# ports (AS udp/53533, FS http/9090, US http/8080), registers fibonacci.com -> 127.0.0.1 through
# the FS's PUT /register, prints a working example, and stops all three on Ctrl-C.
#   BUILD_DIR   build directory (default: build-release)
#   DATA_DIR    where the AS keeps records.db (default: ./data)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh

fibdns_install_packages "${FIBDNS_BUILD_PACKAGES[@]}" "${FIBDNS_RUN_PACKAGES[@]}"

build_dir=${BUILD_DIR:-build-release}
data_dir=${DATA_DIR:-data}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DFIBDNS_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target authoritative-server fibonacci-server user-server
mkdir -p "$data_dir"

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

"$build_dir/bin/authoritative-server" --bind 127.0.0.1 --port 53533 --db "$data_dir/records.db" &
pids+=($!)
"$build_dir/bin/fibonacci-server" --bind 127.0.0.1 --port 9090 &
pids+=($!)
"$build_dir/bin/user-server" --bind 127.0.0.1 --port 8080 &
pids+=($!)

# Wait (bounded) until both HTTP servers answer.
for url in http://127.0.0.1:9090/healthz http://127.0.0.1:8080/healthz; do
  for _ in $(seq 100); do
    curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && break
    sleep 0.1
  done
  curl -fsS -o /dev/null --max-time 1 "$url" || { echo "a server did not start ($url)"; exit 1; }
done

echo "registering fibonacci.com -> 127.0.0.1 through the FS:"
curl -sS --max-time 3 -X PUT http://127.0.0.1:9090/register -H 'Content-Type: application/json' \
  -d '{"hostname": "fibonacci.com", "ip": "127.0.0.1", "as_ip": "127.0.0.1", "as_port": "53533"}' \
  -w ' (HTTP %{http_code})\n'

example='http://127.0.0.1:8080/fibonacci?hostname=fibonacci.com&fs_port=9090&number=10&as_ip=127.0.0.1&as_port=53533'
cat <<MSG

fibdns is running (Ctrl-C stops all three):
  AS  udp 127.0.0.1:53533   records in $data_dir/records.db
  FS  http://127.0.0.1:9090
  US  http://127.0.0.1:8080

Try:
  curl '$example'
  printf 'TYPE=A\nNAME=fibonacci.com\n' | nc -u -w1 127.0.0.1 53533
  sqlite3 -header -column $data_dir/records.db 'SELECT * FROM records'
MSG
echo "  -> $(curl -sS --max-time 3 "$example")"
wait
