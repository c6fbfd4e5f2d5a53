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
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT

if has integration || has e2e; then bash scripts/setup-editor.sh; fi
# The monitoring tests scrape `mlops monitor --serve` with a real Prometheus (Debian package).
if has unit && ! command -v prometheus >/dev/null 2>&1 && [ "${MLOPS_SKIP_PROMETHEUS:-}" != 1 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "test: apt-get install prometheus"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

echo "== typecheck"; tsc --noEmit -p .
echo "== build";     node esbuild.mjs
status=0
if has unit; then
  echo "== unit tests"
  node --test --test-reporter=spec --test-reporter-destination=stdout "test/unit/**/*.test.ts" 2>&1 | tee "$LOGS/unit" || status=1
fi
if has integration; then
  echo "== integration tests (extension host in code-server)"
  { node esbuild.mjs --tests && node test/integration/runTests.ts; } 2>&1 | tee "$LOGS/integration" || status=1
fi
if has e2e; then
  echo "== e2e journeys (Chromium + code-server + packaged .vsix)"
  node test/e2e/run.ts 2>&1 | tee "$LOGS/e2e" || status=1
fi

# One summary line across the tiers.
num() { grep -Eo "$1" "$2" 2>/dev/null | grep -Eo '[0-9]+' | tail -1 || true; }
passed=0; failed=0
add() { passed=$((passed + ${1:-0})); failed=$((failed + ${2:-0})); }
[ -f "$LOGS/unit" ] && add "$(num '^ℹ pass [0-9]+' "$LOGS/unit")" "$(num '^ℹ fail [0-9]+' "$LOGS/unit")"
[ -f "$LOGS/integration" ] && add "$(num '[0-9]+ passing' "$LOGS/integration")" "$(num '[0-9]+ failing' "$LOGS/integration")"
[ -f "$LOGS/e2e" ] && add "$(num '^[0-9]+ passed' "$LOGS/e2e")" "$(num '[0-9]+ failed$' "$LOGS/e2e")"
if [ $status != 0 ] && [ $failed = 0 ]; then failed=1; fi
echo
echo "test: $passed passed, $failed failed"
exit $status
