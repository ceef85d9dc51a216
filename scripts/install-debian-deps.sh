#!/usr/bin/env bash
# Installs the Debian packages the testworld and the independent verifiers need, when missing:
# nsd (authoritative server), unbound (validating resolver), ldnsutils (ldns-keygen, ldns-signzone,
# ldns-key2ds, ldns-read-zone, drill, ldns-dane), postfix and openssl (SMTP testworld, test CA),
# chromium and a font (the HTML report is checked in headless Chromium; `report --format pdf`),
# dovecot-imapd (the IMAP server of the reports import tests), redis-server (the queue of the
# scale-out tests: scan --queue and mailsec worker).
# Needs root (CI and developer machines run as root). Idempotent and quiet when all are present.
set -euo pipefail
want=(nsd unbound ldnsutils postfix openssl chromium fonts-dejavu-core dovecot-imapd redis-server)
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
# Postfix asks how to configure itself; the testworld writes its own config, so: none.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
# Stop any system daemon a package started anyway (by its system pid file only: testworlds that
# are already running keep their own daemons). The testworld binds port 53 on its own addresses.
for pidfile in /run/unbound.pid /run/nsd/nsd.pid /var/run/unbound.pid /var/run/nsd/nsd.pid /run/dovecot/master.pid /run/redis/redis-server.pid; do
  [ -s "$pidfile" ] || continue
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  case "$pid" in '' | *[!0-9]*) continue ;; esac
  kill "$pid" 2>/dev/null || true
done
# The testworld needs these tools; fail loudly when the install did not provide them.
for tool in nsd unbound ldns-keygen ldns-signzone ldns-key2ds ldns-read-zone drill dovecot redis-server; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || {
    echo "mailsec: $tool is still missing after installing ${missing[*]}" >&2
    exit 1
  }
done
