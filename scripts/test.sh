#!/usr/bin/env bash
# Installs whatever is missing, builds, and runs every test (ctest labels unit, integration, fuzz,
# and the container test unless FIBDNS_SKIP_CONTAINERS=1). Exits non-zero on any failure.
#   BUILD_DIR   build directory (default: build)
#   FIBDNS_SKIP_CONTAINERS=1   skip the Docker stage (CI's build-and-test job)
#   FIBDNS_SANITIZE=1          build with AddressSanitizer + UBSan (use its own BUILD_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh

fibdns_install_packages "${FIBDNS_BUILD_PACKAGES[@]}" "${FIBDNS_TEST_PACKAGES[@]}"

build_dir=${BUILD_DIR:-build}
sanitize=OFF
[ "${FIBDNS_SANITIZE:-0}" = 1 ] && sanitize=ON
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIBDNS_BUILD_TESTS=ON \
  -DFIBDNS_SANITIZE="$sanitize" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

start=$(date +%s)
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 300
echo "ctest: $(( $(date +%s) - start )) s"

if [ "${FIBDNS_SKIP_CONTAINERS:-0}" != 1 ] && [ -x tests/integration/containers_test.sh ]; then
  tests/integration/containers_test.sh
fi
