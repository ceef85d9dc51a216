#!/usr/bin/env bash
# Installs the Debian packages the testworld and the independent verifiers need, when missing.
# Needs root (CI and developer machines run as root). Idempotent and quiet when all are present.
set -euo pipefail
want=(nsd unbound ldnsutils postfix openssl)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "mailsec: the testworld needs Debian packages: ${missing[*]} — run as root or install them: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "mailsec: installing Debian packages: ${missing[*]} …" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || apt-get update -qq
# policy-rc.d keeps the packages' own daemons from starting (the testworld runs its own).
had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
[ $had_policy = 1 ] || { printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
# Stop any daemon a package started anyway: the testworld binds port 53 on its own addresses.
pkill -x unbound 2>/dev/null || true
pkill -x nsd 2>/dev/null || true
