#!/usr/bin/env bash
# Container test: builds the three images from docker/Dockerfile, runs docker/compose.yaml under a
# unique project name and checks the system through the published ports only.
#
# Phases: yaml (compose file and CI workflow parse), engine (install/start Docker if needed), base
# image (made offline with debootstrap only when missing), build, up (wait for health), then the
# checks: self-registration, PUT /register of a second name, kill -9 + start of the AS (both names
# survive in the volume, sqlite3 shows both rows, 504 while the AS is down), clean SIGTERM stop.
# Everything it started (containers, network, volume) is removed on exit, also on failure.
# A dockerd it had to start is left running for the next run (it is the machine's engine).
#
# Called at the end of scripts/test.sh unless FIBDNS_SKIP_CONTAINERS=1. Environment (optional):
#   FIBDNS_COMPOSE        compose command, e.g. "docker compose" (default: docker-compose if
#                         present, else docker compose, else install docker-compose)
#   FIBDNS_TAG            image tag to build and run (default latest)
#   FIBDNS_BUILD_JOBS     make -j inside the image build (default: nproc)
#   FIBDNS_DEBIAN_MIRROR  mirror for debootstrap (default http://deb.debian.org/debian)
#   FIBDNS_KEEP_BASE_IMAGE_ROOTFS=1   keep the debootstrap tree (debugging)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/deps.sh

compose_file=docker/compose.yaml
project="fibdns-test-$$"
export FIBDNS_TAG=${FIBDNS_TAG:-latest}
# Published on loopback, on host ports Docker picks (empty = ephemeral): never collides with a
# run.sh or another compose project on this machine.
export FIBDNS_PUBLISH_IP=127.0.0.1 FIBDNS_AS_HOST_PORT="" FIBDNS_FS_HOST_PORT="" FIBDNS_US_HOST_PORT=""
export FIBDNS_AS_METRICS_HOST_PORT=""
export FIBDNS_LOG_LEVEL=${FIBDNS_LOG_LEVEL:-info}
# The network has a fixed range (the Knot secondary's fixed address is the AS's --notify target):
# a range of its own per run, so a stack already up on the default range does not collide.
subnet_octet=$(( $$ % 200 + 20 ))
export FIBDNS_SUBNET="172.30.$subnet_octet.0/24" FIBDNS_SECONDARY_IP="172.30.$subnet_octet.53"
export FIBDNS_SECONDARY_HOST_PORT=""
services=(authoritative-server fibonacci-server user-server)
max_image_bytes=$((100 * 1000 * 1000))

# ---- output and timing ---------------------------------------------------------------------
test_start=$(date +%s)
phase_name="" phase_start=0
timings=()
checks_passed=0
log() { echo "[containers] $*"; }
die() { echo "[containers] FAIL: $*" >&2; exit 1; }
phase_end() {
  [ -n "$phase_name" ] || return 0
  local took=$(( $(date +%s) - phase_start ))
  timings+=("$(printf '%-14s %4d s' "$phase_name" "$took")")
  log "phase $phase_name done in ${took} s"
  phase_name=""
}
phase() { phase_end; phase_name=$1; phase_start=$(date +%s); log "== phase $1"; }
pass() { checks_passed=$((checks_passed + 1)); log "ok: $*"; }
print_timings() {
  phase_end
  log "phase timings:"
  local t
  for t in "${timings[@]}"; do log "  $t"; done
  log "  total          $(printf '%4d' $(( $(date +%s) - test_start ))) s"
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.5 s, fails after SECONDS.
wait_until() {
  local limit=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || die "timed out after ${limit} s waiting for $what"
    sleep 0.5
  done
}

# ---- phase: yaml ---------------------------------------------------------------------------
phase yaml
yaml_parse() {  # yaml_parse FILE: parses with PyYAML or Ruby's Psych, else yamllint (installed if need be)
  if python3 -c 'import yaml' 2>/dev/null; then
    python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$1"
  elif command -v ruby >/dev/null 2>&1; then
    ruby -ryaml -e 'YAML.safe_load(File.read(ARGV[0]), aliases: true)' "$1"
  else
    command -v yamllint >/dev/null 2>&1 || fibdns_install_packages yamllint
    yamllint -d '{extends: relaxed, rules: {line-length: disable}}' "$1"
  fi
}
for f in "$compose_file" .github/workflows/ci.yml; do
  yaml_parse "$f" || die "$f does not parse as YAML"
done
# GitHub reads `on:`; YAML 1.1 parsers turn the bare key into true, hence the grep, not a parse.
grep -q '^on:' .github/workflows/ci.yml || die "ci.yml has no top-level on:"
for job in build-and-test containers; do
  grep -q "^  $job:" .github/workflows/ci.yml || die "ci.yml has no job $job"
done
pass "compose.yaml and ci.yml parse; ci.yml has jobs build-and-test and containers"

# ---- phase: engine -------------------------------------------------------------------------
phase engine
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null 2>&1 || fibdns_install_packages docker.io
  # A live dockerd (not a zombie left by a killed one) may still be starting: then only wait.
  if ! pgrep -x -r D,R,S dockerd >/dev/null 2>&1; then
    log "starting dockerd (log: /tmp/fibdns-dockerd.log)"
    # Detached (own session, no stdin/stdout): it outlives this script like a system service.
    setsid nohup dockerd </dev/null >/tmp/fibdns-dockerd.log 2>&1 &
  fi
  wait_until 60 "the Docker engine to answer" docker info
fi
if [ -n "${FIBDNS_COMPOSE:-}" ]; then
  read -r -a compose_cmd <<<"$FIBDNS_COMPOSE"
elif command -v docker-compose >/dev/null 2>&1; then
  compose_cmd=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
else
  fibdns_install_packages docker-compose
  compose_cmd=(docker-compose)
fi
compose() { "${compose_cmd[@]}" -p "$project" -f "$compose_file" "$@"; }
log "engine $(docker version -f '{{.Server.Version}}'); compose: ${compose_cmd[*]} ($("${compose_cmd[@]}" version --short 2>/dev/null || true))"
compose config -q || die "$compose_file is not valid for ${compose_cmd[*]}"
pass "${compose_cmd[*]} accepts $compose_file"
# The optional Knot secondary (issue 10) is not started here (its image takes a minute to build);
# its profile must still be valid.
compose --profile secondary config -q || die "$compose_file --profile secondary is not valid"
pass "${compose_cmd[*]} accepts $compose_file with --profile secondary"

# From here on, whatever happens, the project is torn down.
cleanup() {
  local rc=$?
  set +e
  phase_end
  if [ "$rc" -ne 0 ]; then
    log "logs of the failed run:"
    compose logs --no-color --tail 40 2>&1 | sed 's/^/    /'
  fi
  phase_name=teardown phase_start=$(date +%s)
  compose down -v --remove-orphans >/dev/null 2>&1
  # In case compose lost track (e.g. a half-created project): remove by the project's label.
  docker ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r docker rm -f >/dev/null 2>&1
  docker network ls -q --filter "label=com.docker.compose.project=$project" | xargs -r docker network rm >/dev/null 2>&1
  docker volume ls -q --filter "label=com.docker.compose.project=$project" | xargs -r docker volume rm >/dev/null 2>&1
  local left
  left=$(docker ps -aq --filter "label=com.docker.compose.project=$project"; docker network ls -q --filter "label=com.docker.compose.project=$project"; docker volume ls -q --filter "label=com.docker.compose.project=$project")
  [ -z "$left" ] || { log "teardown left: $left"; rc=1; }
  print_timings
  if [ "$rc" -eq 0 ]; then
    echo "containers: $checks_passed passed, 0 failed"
  else
    echo "containers: $checks_passed passed, 1 failed"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- phase: base image ---------------------------------------------------------------------
# No registry here: the Dockerfile's debian:bookworm-slim / debian:bookworm are made locally, once
# per machine, like the official slim image (minbase, no docs/man/locales, no apt lists). On GitHub's
# runners the build pulls the real images instead.
phase base-image
make_base_image() {
  local rootfs mirror=${FIBDNS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  command -v debootstrap >/dev/null 2>&1 || fibdns_install_packages debootstrap
  rootfs=$(mktemp -d /tmp/fibdns-rootfs.XXXXXX)
  log "debootstrap bookworm into $rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
    || { tail -20 "$rootfs.log"; die "debootstrap failed"; }
  # What the official image configures: the updates and security suites, no docs in later
  # installs, apt cleaning up after itself.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${mirror}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  printf 'Acquire::GzipIndexes "true";\nAcquire::CompressionTypes::Order:: "gz";\n' \
    >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
  printf 'APT::AutoRemove::SuggestsImportant "false";\n' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/{man,info,groff,lintian,linda}/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
         "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/* "$rootfs"/var/cache/debconf/*-old
  tar -C "$rootfs" --numeric-owner -c . \
    | docker import --change 'CMD ["bash"]' --message "debootstrap minbase bookworm (fibdns containers_test.sh)" \
        - debian:bookworm-slim >/dev/null
  [ "${FIBDNS_KEEP_BASE_IMAGE_ROOTFS:-0}" = 1 ] || rm -rf "$rootfs" "$rootfs.log"
}
if [ "${GITHUB_ACTIONS:-}" = true ]; then
  log "GitHub Actions: the build pulls debian:bookworm(-slim) from the registry"
else
  if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
    make_base_image
    log "made debian:bookworm-slim offline"
  fi
  docker image inspect debian:bookworm >/dev/null 2>&1 || docker tag debian:bookworm-slim debian:bookworm
  log "base image: debian:bookworm-slim $(docker image inspect -f '{{.Size}}' debian:bookworm-slim) bytes"
fi

# ---- phase: build --------------------------------------------------------------------------
phase build
for svc in "${services[@]}"; do
  log "docker build --target $svc"
  build_log=$(mktemp /tmp/fibdns-build-$svc.XXXXXX.log)
  if ! docker build --force-rm -f docker/Dockerfile --target "$svc" -t "fibdns/$svc:$FIBDNS_TAG" \
       --build-arg JOBS="${FIBDNS_BUILD_JOBS:-$(nproc)}" . >"$build_log" 2>&1; then
    tail -60 "$build_log"
    die "docker build --target $svc failed (full log: $build_log)"
  fi
  rm -f "$build_log"
done
for svc in "${services[@]}"; do
  size=$(docker image inspect -f '{{.Size}}' "fibdns/$svc:$FIBDNS_TAG")
  log "image fibdns/$svc:$FIBDNS_TAG: $(( size / 1000000 )) MB ($size bytes)"
  [ "$size" -le "$max_image_bytes" ] || die "fibdns/$svc is $size bytes, over $max_image_bytes"
  user=$(docker image inspect -f '{{.Config.User}}' "fibdns/$svc:$FIBDNS_TAG")
  case $user in ""|root|0|0:*|root:*) die "fibdns/$svc runs as root ($user)";; esac
  check=$(docker image inspect -f '{{if .Config.Healthcheck}}{{join .Config.Healthcheck.Test " "}}{{end}}' "fibdns/$svc:$FIBDNS_TAG")
  [[ $check == *"$svc --health-check"* ]] || die "fibdns/$svc has no HEALTHCHECK with --health-check ($check)"
done
pass "three images built, each at most 100 MB, not running as root, with a --health-check HEALTHCHECK"

# ---- phase: up -----------------------------------------------------------------------------
phase up
up_log=$(mktemp /tmp/fibdns-up.XXXXXX.log)
compose up -d --no-build >"$up_log" 2>&1 || { cat "$up_log"; rm -f "$up_log"; die "compose up failed"; }
rm -f "$up_log"
log "compose up -d returned after $(( $(date +%s) - phase_start )) s"
cid() { compose ps -q "$1"; }
as=$(cid authoritative-server) fs=$(cid fibonacci-server) us=$(cid user-server)
[ -n "$as" ] && [ -n "$fs" ] && [ -n "$us" ] || die "compose did not create all three containers"
healthy() { [ "$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1")" = healthy ]; }
all_healthy() { healthy "$as" && healthy "$fs" && healthy "$us"; }
wait_until 90 "the three containers to be healthy" all_healthy
host_port() {  # host_port SERVICE PORT[/PROTO] -> the published host port
  local proto=tcp port=$2 out
  case $port in */*) proto=${port#*/} port=${port%/*};; esac
  out=$(compose port --protocol "$proto" "$1" "$port")
  echo "${out##*:}"
}
us_port=$(host_port user-server 8080)
fs_port=$(host_port fibonacci-server 9090)
as_port=$(host_port authoritative-server 53533/udp)
as_metrics_port=$(host_port authoritative-server 9153)
[ -n "$us_port" ] && [ -n "$fs_port" ] && [ -n "$as_port" ] || die "ports not published"
log "published: US 127.0.0.1:$us_port, FS 127.0.0.1:$fs_port, AS 127.0.0.1:$as_port/udp"
pass "compose project $project up, all three healthy"

# ---- checks --------------------------------------------------------------------------------
ip_of() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
# us_get HOSTNAME NUMBER AS_IP -> "<status> <body>"
us_get() {
  local out
  out=$(curl -sS --max-time 20 -o - -w ' %{http_code}' \
    "http://127.0.0.1:$us_port/fibonacci?hostname=$1&fs_port=9090&number=$2&as_ip=$3&as_port=53533" 2>&1) || true
  echo "${out##* } ${out% *}"
}
expect_us() {  # expect_us "STATUS BODY" HOSTNAME NUMBER AS_IP
  local got
  got=$(us_get "$2" "$3" "$4")
  [ "$got" = "$1" ] || die "US hostname=$2 number=$3 as_ip=$4: expected '$1', got '$got'"
}
us_is() { [ "$(us_get "$2" "$3" "$4")" = "$1" ]; }

phase self-register
# The FS registers itself in the background with retries: give it a bounded moment.
wait_until 30 "the US to answer 200 55 for fibonacci.com" us_is "200 55" fibonacci.com 10 authoritative-server
expect_us "200 55" fibonacci.com 10 authoritative-server
pass "self-registration: US answers 200 55 for fibonacci.com (as_ip=authoritative-server)"

phase register
second=second.fibdns.test
fs_ip=$(ip_of "$fs") as_ip=$(ip_of "$as")
[ -n "$fs_ip" ] && [ -n "$as_ip" ] || die "no container IPs (fs '$fs_ip', as '$as_ip')"
code=$(curl -sS --max-time 20 -o /tmp/fibdns-register.$$ -w '%{http_code}' -X PUT \
  -H 'Content-Type: application/json' \
  --data "{\"hostname\":\"$second\",\"ip\":\"$fs_ip\",\"as_ip\":\"$as_ip\",\"as_port\":\"53533\"}" \
  "http://127.0.0.1:$fs_port/register") || true
body=$(cat /tmp/fibdns-register.$$ 2>/dev/null || true); rm -f /tmp/fibdns-register.$$
[ "$code" = 201 ] || die "PUT /register $second -> $fs_ip: expected 201, got '$code' '$body'"
expect_us "200 6765" "$second" 20 authoritative-server
pass "PUT /register $second -> $fs_ip (the FS's address) gave 201; US answers 200 6765"

phase metrics
# /metrics through the published ports: the text format, build info, process metrics, and a
# counter that moved by exactly the one request sent between two scrapes (the health checks hit
# /healthz, which has its own series). promtool checks the format when the host has it.
scrape() { curl -sS --max-time 10 "http://127.0.0.1:$1/metrics"; }
series() { awk -v s="$2" '$1 == s { print $2 }' <<<"$1"; }
for svc_port in "user-server:$us_port" "fibonacci-server:$fs_port" \
  "authoritative-server:$as_metrics_port"; do
  svc=${svc_port%%:*} port=${svc_port##*:}
  type=$(curl -sS --max-time 10 -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port/metrics")
  [ "$type" = "text/plain; version=0.0.4; charset=utf-8" ] || die "$svc /metrics Content-Type '$type'"
  text=$(scrape "$port")
  grep -q '^fibdns_build_info{' <<<"$text" || die "$svc /metrics has no fibdns_build_info"
  grep -q '^process_resident_memory_bytes ' <<<"$text" || die "$svc /metrics has no process metrics"
  if command -v promtool >/dev/null; then
    promtool check metrics <<<"$text" >/dev/null 2>&1 || die "$svc /metrics fails promtool check metrics"
  fi
done
before=$(scrape "$us_port")
expect_us "200 55" fibonacci.com 10 authoritative-server
after=$(scrape "$us_port")
key='fibdns_user_server_requests_total{code="200",path="/fibonacci"}'
b=$(series "$before" "$key") a=$(series "$after" "$key")
[ "$(( ${a:-0} - ${b:-0} ))" -eq 1 ] || die "US $key went from '${b:-}' to '${a:-}', not +1"
before=$(scrape "$as_metrics_port")
dig +short +time=3 +tries=1 -p "$as_port" @127.0.0.1 fibonacci.com A >/dev/null || die "dig to the AS failed"
after=$(scrape "$as_metrics_port")
key='fibdns_authoritative_server_dns_queries_total{rcode="NOERROR",transport="udp"}'
b=$(series "$before" "$key") a=$(series "$after" "$key")
[ "$(( ${a:-0} - ${b:-0} ))" -eq 1 ] || die "AS $key went from '${b:-}' to '${a:-}', not +1"
pass "/metrics on the US, FS and AS through the published ports: text format 0.0.4, build info, process metrics, promtool-clean, exact counts"

phase as-kill
docker kill -s KILL "$as" >/dev/null
stopped() { [ "$(docker inspect -f '{{.State.Running}}' "$as")" = false ]; }
wait_until 20 "the AS container to stop" stopped
# An as_ip whose answers the US has not cached (the cache key includes as_ip): no AS, no answer.
t0=$(date +%s)
got=$(us_get fibonacci.com 10 "$as_ip")
[ "${got%% *}" = 504 ] || die "US with the AS killed: expected 504, got '$got'"
log "US answered '$got' with the AS down, in $(( $(date +%s) - t0 )) s"
pass "US answers 504 while the AS is down"

phase as-restart
docker start "$as" >/dev/null
wait_until 60 "the AS to be healthy again" healthy "$as"
as_ip2=$(ip_of "$as")
# Fresh cache keys (the AS's new IP): the answers come from the records in the volume.
expect_us "200 55" fibonacci.com 10 "$as_ip2"
expect_us "200 6765" "$second" 20 "$as_ip2"
expect_us "200 55" fibonacci.com 10 authoritative-server
expect_us "200 6765" "$second" 20 authoritative-server
if [ "$as_ip2" != "$as_ip" ]; then
  log "the AS came back on $as_ip2 (was $as_ip)"
else
  expect_us "200 55" fibonacci.com 10 "$as_ip"
fi
pass "after kill -9 and start, both names are served again (from the volume); the US recovered"
# The README's line: compose exec (-T: no terminal here) runs the sqlite3 CLI inside the AS image.
rows=$(compose exec -T authoritative-server sqlite3 /var/lib/fibdns/records.db 'SELECT * FROM records') \
  || die "sqlite3 in the AS container failed"
log "records table:"; echo "$rows" | sed 's/^/    /'
grep -q "fibonacci.com" <<<"$rows" || die "records table lacks fibonacci.com"
grep -q "$second" <<<"$rows" || die "records table lacks $second"
grep -q "$fs_ip" <<<"$rows" || die "records table lacks the FS's address $fs_ip"
uid=$(docker exec "$as" id -u)
owner=$(docker exec "$as" stat -c %u /var/lib/fibdns/records.db)
[ "$uid" != 0 ] && [ "$owner" = "$uid" ] || die "AS runs as uid $uid, records.db owned by $owner"
pass "sqlite3 in the AS container shows both rows; the AS runs as uid $uid, which owns the DB"

phase stop
# SIGTERM (the images' STOPSIGNAL) must end each server cleanly and well before the 10 s grace.
for svc in user-server fibonacci-server authoritative-server; do
  id=$(cid "$svc")
  t0=$(date +%s%N)
  docker stop -t 10 "$id" >/dev/null
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  rc=$(docker inspect -f '{{.State.ExitCode}}' "$id")
  log "$svc stopped in ${ms} ms, exit code $rc"
  [ "$rc" = 0 ] || die "$svc exited with $rc on SIGTERM (137 = it ignored SIGTERM and was killed)"
  [ "$ms" -lt 8000 ] || die "$svc took ${ms} ms to stop"
done
pass "SIGTERM stops all three servers cleanly (exit 0)"
