# Shared by scripts/*.sh: the Debian packages the project needs, and an installer that runs
# apt-get only for what is missing (every time: a fresh machine has none of them).

FIBDNS_BUILD_PACKAGES=(
  build-essential cmake pkg-config
  libsqlite3-dev libsqlitecpp-dev libpistache-dev rapidjson-dev
  libgtest-dev libgmock-dev libgmp-dev libcurl4-openssl-dev libssl-dev
  prometheus-cpp-dev libc-ares-dev
)
# Tools the scripts and integration tests call.
# bind9 brings tsig-keygen; bind9-dnsutils brings dig and nsupdate; knot, nsd: real secondaries
# (and a Knot primary) for the zone-transfer tests; prometheus: promtool checks every /metrics.
FIBDNS_TEST_PACKAGES=(sqlite3 curl netcat-openbsd bind9 bind9-dnsutils procps iproute2 knot nsd
                      prometheus)
FIBDNS_RUN_PACKAGES=(sqlite3 curl)

fibdns_install_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
