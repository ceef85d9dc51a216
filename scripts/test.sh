#!/usr/bin/env bash
# npm test: installs what the tests need (runtime, npm packages, Debian packages), checks lint,
# format and types, then runs every test inside a fresh network namespace where only loopback
# exists, so no packet can leave 127.0.0.0/8 and ::1 whatever a test does.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian puts nsd, unbound, postfix and ip in /usr/sbin, which a user's PATH may lack
case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;; esac
. scripts/runtime.sh
mailsec_runtime
mailsec_deps
bash scripts/install-debian-deps.sh

echo "# lint and format (biome)"
npx --no-install biome check .
echo "# types (tsc --noEmit)"
npx --no-install tsc -p tsconfig.json --noEmit

export MAILSEC_EGRESS_ALLOW='127.0.0.0/8,::1/128'
# No test may fall back to the machine's resolver: a test that forgets --resolver gets this one,
# which the egress guard refuses loudly.
export MAILSEC_RESOLVER="${MAILSEC_TEST_FORBIDDEN_RESOLVER:-$(awk '/^nameserver/{print $2; exit}' /etc/resolv.conf 2>/dev/null || echo 10.0.0.1)}"
files=()
while IFS= read -r f; do files+=("$f"); done < <(find src test testworld -name '*.test.ts' 2>/dev/null | sort)
[ ${#files[@]} -gt 0 ] || { echo "no test files found" >&2; exit 1; }
run=(node --test --test-concurrency="${MAILSEC_TEST_CONCURRENCY:-3}" --test-timeout=300000 "${files[@]}")
if [ "${MAILSEC_TEST_NETNS:-1}" = 1 ] && unshare --net true 2>/dev/null; then
  echo "# tests (inside an own network namespace: loopback only)"
  export MAILSEC_IN_NETNS=1
  exec unshare --net bash -c 'ip link set lo up && exec "$@"' _ "${run[@]}"
else
  echo "# tests (no network namespace available: relying on the egress guard)" >&2
  exec "${run[@]}"
fi
