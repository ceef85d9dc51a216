# shellcheck shell=bash
# Source this file: it puts a Node.js >= 22.19 first on PATH.
# The machine's node is used when new enough; otherwise Node 24 is fetched once from the npm
# registry (the node-linux-<arch> package ships the official binary) into .runtime/ (git-ignored).
MAILSEC_NODE_VERSION="${MAILSEC_NODE_VERSION:-24.21.0}"
_ms_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_ms_node_ok() { # $1 = node binary
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null
}

mailsec_runtime() {
  local rt="$_ms_root/.runtime"
  if [ -x "$rt/bin/node" ] && _ms_node_ok "$rt/bin/node"; then
    export PATH="$rt/bin:$PATH"; return 0
  fi
  if command -v node >/dev/null 2>&1 && _ms_node_ok "$(command -v node)"; then return 0; fi
  local arch; case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
  local pkg="node-linux-${arch}@${MAILSEC_NODE_VERSION}" tmp
  echo "mailsec: the machine's Node.js is older than 22.19; fetching ${pkg} from the npm registry into .runtime/ …" >&2
  tmp="$(mktemp -d)"
  if ! (cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1); then
    echo "mailsec: could not fetch ${pkg} with npm pack; install Node.js >= 22.19 and retry." >&2
    rm -rf "$tmp"; return 1
  fi
  rm -rf "$rt.partial" && mkdir -p "$rt.partial"
  tar xzf "$tmp"/*.tgz -C "$rt.partial" --strip-components=1 package/bin package/LICENSE
  rm -rf "$tmp" "$rt" && mv "$rt.partial" "$rt"
  export PATH="$rt/bin:$PATH"
  _ms_node_ok "$rt/bin/node"
}

# Installs npm dependencies when node_modules is missing or older than package-lock.json.
# (npm install --no-save, not npm ci: npm 11 here writes no lock entries for biome's optional
# packages of other platforms, and npm ci then refuses the lock file as out of sync.)
mailsec_deps() {
  local root="$_ms_root"
  if [ ! -f "$root/node_modules/.package-lock.json" ] || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
    echo "mailsec: installing npm dependencies …" >&2
    (cd "$root" && npm install --no-save --no-audit --no-fund --loglevel=error >&2)
  fi
}

# Builds dist/ when any source is newer than the last build.
mailsec_build() {
  local root="$_ms_root"
  if [ ! -f "$root/dist/.stamp" ] || [ -n "$(find "$root/src" "$root/testworld" "$root/package.json" "$root/tsconfig.json" "$root/tsconfig.build.json" -newer "$root/dist/.stamp" -print -quit 2>/dev/null)" ]; then
    echo "mailsec: building …" >&2
    (cd "$root" && rm -rf dist && npm run --silent build >&2 && touch dist/.stamp)
  fi
}
