#!/usr/bin/env bash
# npm run bench: runs every benchmark (each prints one JSON line). Benchmarks that need the
# testworld start their own (root needed). Record figures in docs/benchmarks.md with date,
# machine and command.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/runtime.sh
mailsec_runtime
mailsec_deps
bash scripts/install-debian-deps.sh
# the SPF benchmark compares with pyspf (Debian python3-spf)
if ! dpkg-query -W -f='${Status}' python3-spf 2>/dev/null | grep -q 'install ok installed'; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-spf >/dev/null
fi
export MAILSEC_EGRESS_ALLOW='127.0.0.0/8,::1/128'
for f in $(find bench -name '*.bench.ts' | sort); do
  echo "# $f" >&2
  node "$f"
done
