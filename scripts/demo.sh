#!/usr/bin/env bash
# `npm run demo`: install, build, run the example project through the engine, then open it in VS Code
# with the extension loaded — desktop `code` when present, otherwise code-server on 127.0.0.1.
#   MLOPS_DEMO_PORT (default 8080), MLOPS_DEMO_NO_EDITOR=1 to stop after the engine steps.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
if [ ! -x node_modules/.bin/node ] || [ ! -d node_modules/better-sqlite3 ]; then npm ci --no-audit --no-fund; fi
export PATH="$REPO/node_modules/.bin:$PATH"
node esbuild.mjs

DEMO="$REPO/.demo/churn"
if [ ! -d "$DEMO" ]; then
  mkdir -p "$REPO/.demo"
  cp -R examples/churn "$DEMO"
  git -C "$DEMO" init -q -b main
  git -C "$DEMO" add -A
  git -C "$DEMO" -c user.name=demo -c user.email=demo@example.invalid commit -qm "example project"
fi
mlops() { node "$REPO/dist/cli.js" "$@"; }
echo "== mlops init";      (cd "$DEMO" && mlops init)
echo "== example pipeline"; (cd "$DEMO" && bash tools/run_all.sh)
echo "== mlops workspace"; (cd "$DEMO" && mlops workspace)
[ "${MLOPS_DEMO_NO_EDITOR:-}" = 1 ] && exit 0

if command -v code >/dev/null 2>&1; then
  echo "== opening VS Code with the extension loaded"
  exec code --extensionDevelopmentPath="$REPO" "$DEMO"
fi
bash scripts/setup-editor.sh
PORT="${MLOPS_DEMO_PORT:-8080}"
STATE="$REPO/.demo/code-server"
mkdir -p "$STATE/user/User" "$STATE/ext"
: > "$STATE/config.yaml"
[ -f "$STATE/user/User/settings.json" ] || echo '{"workbench.startupEditor":"none","telemetry.telemetryLevel":"off","chat.disableAIFeatures":true}' > "$STATE/user/User/settings.json"
VERSION=$(node -p "require('./package.json').version")
ln -sfn "$REPO" "$STATE/ext/mlops-workbench.mlops-workbench-$VERSION"
echo "== code-server with MLOps Workbench: http://127.0.0.1:$PORT/?folder=$DEMO   (Ctrl-C to stop)"
exec node "$REPO/.vscode-test/code-server/node_modules/.bin/code-server" --config "$STATE/config.yaml" \
  --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
  --user-data-dir "$STATE/user" --extensions-dir "$STATE/ext" "$DEMO"
