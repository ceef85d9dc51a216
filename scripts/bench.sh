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
export MAILSEC_EGRESS_ALLOW='127.0.0.0/8,::1/128'
for f in $(find bench -name '*.bench.ts' | sort); do
  echo "# $f" >&2
  node "$f"
done
