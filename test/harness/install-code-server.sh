#!/usr/bin/env bash
# Installs the real VS Code used by the integration and e2e tests: code-server (it ships the VS Code
# server and workbench inside its npm tarball) plus playwright-core, in a folder of their own so the
# extension's dependencies never see them. Cached: a second run with the right versions does nothing.
#   bash test/harness/install-code-server.sh          (folder: .harness/code-server, or $DLMODEL_HARNESS_DIR)
# Why the environment variables: see shared/recipes/vscode-offline-e2e.md beside the repository. In short, code-server's
# postinstall refuses root without unsafe_perm, node-pty's postinstall runs `npx node-gyp` (needs yes),
# and @vscode/ripgrep downloads rg from GitHub unless it finds a cached tarball under $TMPDIR.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
RIPGREP_CACHE=vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=${DLMODEL_HARNESS_DIR:-$repo/.harness}/code-server
# playwright-core in the harness folder matches the one the extension's devDependencies pin.
pw_version=$(node -p "require('$repo/node_modules/playwright-core/package.json').version" 2>/dev/null || echo 1.65.1)
marker=$dir/.installed
want="code-server@$CODE_SERVER_VERSION playwright-core@$pw_version"

say() { printf '[install-code-server] %s\n' "$*"; }
die() { printf '[install-code-server] ERROR: %s\n' "$*" >&2; exit 1; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
command -v make >/dev/null 2>&1 || missing+=(build-essential)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v krb5-config >/dev/null 2>&1 || [ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  # As root with apt (CI, containers) the harness installs them itself; elsewhere it says what to install.
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
  else
    die "missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}"
  fi
fi

if [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ] && [ -x "$dir/node_modules/.bin/code-server" ]; then
  say "cached: $want in $dir"
  exit 0
fi

say "installing $want into $dir (about 1-3 minutes, ~300 MB)"
rm -f "$marker"
mkdir -p "$dir"
[ -f "$dir/package.json" ] || printf '{ "name": "dlmodel-harness-code-server", "private": true }\n' >"$dir/package.json"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/$(dirname "$RIPGREP_CACHE")"
tar czf "$tmp/$RIPGREP_CACHE" -C "$(dirname "$(command -v rg)")" rg
say "ripgrep: using $(command -v rg) (cached as $RIPGREP_CACHE)"

# node-gyp (kerberos, node-pty) downloads Node's headers unless it is told where they are; the running
# node's own install prefix carries them (Debian's nodejs and the official tarballs both do).
if [ -z "${npm_config_nodedir:-}" ] && [ -z "$(npm config get nodedir 2>/dev/null | grep -v '^undefined$' || true)" ]; then
  prefix=$(dirname "$(dirname "$(node -p 'process.execPath')")")
  if [ -f "$prefix/include/node/common.gypi" ]; then
    export npm_config_nodedir=$prefix
    say "node-gyp: using Node headers from $prefix/include/node"
  fi
fi

start=$(date +%s)
(
  cd "$dir"
  TMPDIR=$tmp npm_config_unsafe_perm=true npm_config_yes=true \
    npm install --no-audit --no-fund --save-exact --loglevel=error \
      "code-server@$CODE_SERVER_VERSION" "playwright-core@$pw_version"
) || die "npm install of $want failed (see the npm output above)"

version=$(node -p "require('$dir/node_modules/code-server/package.json').version" 2>/dev/null || true)
[ "$version" = "$CODE_SERVER_VERSION" ] || die "code-server did not install (found version '${version:-none}')"
[ -x "$dir/node_modules/.bin/code-server" ] || die "code-server binary missing at $dir/node_modules/.bin/code-server"
printf '%s' "$want" >"$marker"
say "installed $want in $(( $(date +%s) - start )) s"
