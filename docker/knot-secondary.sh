#!/bin/sh
# Entrypoint of fibdns/knot-secondary: writes /var/lib/knot/knot.conf from the environment, then
# runs knotd in the foreground as a secondary of the AS.
#   FIBDNS_PRIMARY       the AS's host name or address          (default authoritative-server)
#   FIBDNS_PRIMARY_PORT  its DNS port                           (default 53533)
#   FIBDNS_ZONES         zones to transfer, comma-separated     (default ".", the AS's default zone)
#   FIBDNS_LISTEN_PORT   where this secondary answers           (default 53533)
# Transfers are unsigned: the AS allows them from the compose network's range (--allow-transfer),
# which only this project's containers are on. NOTIFY is accepted from the primary's address.
set -eu
primary=${FIBDNS_PRIMARY:-authoritative-server}
primary_port=${FIBDNS_PRIMARY_PORT:-53533}
zones=${FIBDNS_ZONES:-.}
listen_port=${FIBDNS_LISTEN_PORT:-53533}
dir=${FIBDNS_KNOT_DIR:-/var/lib/knot}
conf=$dir/knot.conf

# Knot's configuration takes addresses, not names: resolve the primary (bounded, 30 s).
address=""
tries=0
while [ -z "$address" ]; do
  address=$(getent ahostsv4 "$primary" | awk 'NR == 1 { print $1 }') || true
  if [ -z "$address" ]; then
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ]; then
      echo "knot-secondary: cannot resolve $primary" >&2
      exit 1
    fi
    sleep 1
  fi
done

mkdir -p "$dir/db"
{
  printf 'server:\n  rundir: "%s"\n  listen: 0.0.0.0@%s\n' "$dir" "$listen_port"
  printf 'log:\n  - target: stderr\n    any: info\n'
  printf 'remote:\n  - id: primary\n    address: %s@%s\n' "$address" "$primary_port"
  printf 'acl:\n  - id: notify_from_primary\n    address: %s\n    action: notify\n' "$address"
  printf 'database:\n  storage: "%s/db"\n' "$dir"
  printf 'template:\n  - id: default\n    storage: "%s"\n' "$dir"
  printf 'zone:\n'
  old_ifs=$IFS
  IFS=,
  for zone in $zones; do
    printf '  - domain: "%s"\n    master: primary\n    acl: notify_from_primary\n' "$zone"
  done
  IFS=$old_ifs
} >"$conf"
echo "knot-secondary: zones $zones from $primary ($address@$primary_port), listening on $listen_port" >&2
exec knotd -c "$conf"
