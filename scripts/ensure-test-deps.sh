#!/usr/bin/env bash
# Installs the system tools the test suites use, if they are missing: `dig` (Debian's
# bind9-dnsutils) for the DNS integration tests, `openssl` to check what `cairn tls` writes, and
# `curl` and `jq`, which the documentation's examples use (run by test/docs), `promtool` (Debian's
# prometheus package) for the alerting rules' tests (test/deploy), and `haproxy`, which runs the
# HAProxy example of docs/dns.md (test/dns/haproxy.test.ts). Idempotent and quick
# when everything is there; says what it does. Run by `npm test` (the pretest hook). The benchmark
# tools (dnsperf, BIND) are installed by `npm run bench:dns`, not here.
set -euo pipefail

# command -> Debian package that provides it
declare -A WANT=([dig]=bind9-dnsutils [openssl]=openssl [jq]=jq [curl]=curl [promtool]=prometheus [haproxy]=haproxy)

missing=()
for cmd in "${!WANT[@]}"; do
  if command -v "$cmd" >/dev/null 2>&1; then
    echo "ensure-test-deps: $cmd found ($(command -v "$cmd"))"
  else
    missing+=("${WANT[$cmd]}")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-deps: missing ${missing[*]} and no apt-get here: install them by hand" >&2
  exit 1
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else
    echo "ensure-test-deps: missing ${missing[*]}; not root and no sudo: install them by hand" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "ensure-test-deps: installing ${missing[*]} with apt-get"
# A fresh machine may have no package lists yet; update first only when the install cannot find them.
if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  echo "ensure-test-deps: apt-get update"
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The prometheus package also installs a Prometheus server, which Debian starts where systemd runs:
# only promtool is wanted, so a server this script brought in is stopped and disabled.
if [[ " ${missing[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
  echo "ensure-test-deps: stopping and disabling the prometheus service (only promtool is used)"
  "${SUDO[@]}" systemctl disable --now prometheus.service >/dev/null 2>&1 || true
fi
# Likewise the haproxy package starts an HAProxy service; the test runs its own.
if [[ " ${missing[*]} " == *" haproxy "* ]] && [ -d /run/systemd/system ]; then
  echo "ensure-test-deps: stopping and disabling the haproxy service (the test starts its own)"
  "${SUDO[@]}" systemctl disable --now haproxy.service >/dev/null 2>&1 || true
fi
for cmd in "${!WANT[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || { echo "ensure-test-deps: $cmd still missing" >&2; exit 1; }
  echo "ensure-test-deps: $cmd installed ($(command -v "$cmd"))"
done
