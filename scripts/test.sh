#!/usr/bin/env bash
# `npm test`: installs what the tests need, then runs all three tiers:
#   1. engine unit tests (Node's test runner, real SQLite files and git repos in temp dirs)
#   2. integration tests inside a real VS Code extension host (code-server)
#   3. browser journeys against code-server with the packaged .vsix (screenshots in test-results/)
# MLOPS_TIERS=unit,integration,e2e selects tiers.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/node ] || [ ! -d node_modules/better-sqlite3 ]; then
  echo "test: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
export PATH="$PWD/node_modules/.bin:$PATH"
TIERS="${MLOPS_TIERS:-unit,integration,e2e}"
has() { [[ ",$TIERS," == *",$1,"* ]]; }

if has integration || has e2e; then bash scripts/setup-editor.sh; fi

echo "== typecheck"; tsc --noEmit -p .
echo "== build";     node esbuild.mjs
status=0
if has unit; then
  echo "== unit tests"
  node --test --test-reporter=spec --test-reporter-destination=stdout "test/unit/**/*.test.ts" || status=1
fi
if has integration; then
  echo "== integration tests (extension host in code-server)"
  node esbuild.mjs --tests && node test/integration/runTests.ts || status=1
fi
if has e2e; then
  echo "== e2e journeys (Chromium + code-server + packaged .vsix)"
  node test/e2e/run.ts || status=1
fi
[ $status = 0 ] && echo "test: all tiers passed" || echo "test: FAILED (see above)"
exit $status
