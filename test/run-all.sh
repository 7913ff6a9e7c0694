#!/usr/bin/env bash
# Everything `npm test` checks, in order, stopping at the first failing stage:
#   build, type check (2 projects), unit tests, real-VS-Code harness install (cached),
#   integration suite in code-server's extension host, the same in restricted mode (an untrusted
#   workspace: only test/integration/restricted*.test.ts), browser e2e scenarios.
# Each stage prints its own counts; the last line of the output is exactly
#   N passed, N failed            (", N skipped" added when some were skipped)
# summing every stage: each type-checked project counts as one check, each mocha test and e2e scenario
# as one; the build and the install count only when they fail (as one failure).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
results=test-results
mkdir -p "$results"

passed=0
failed=0
skipped=0
started=$(date +%s)

summary() {
  local line="$passed passed, $failed failed"
  [ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
  echo "$line"
}

stage() {
  stage_name=$1
  stage_t0=$(date +%s)
  echo
  echo "=== $stage_name ==="
}

stage_done() {
  echo "--- $stage_name: $1 ($(($(date +%s) - stage_t0)) s)"
}

abort() {
  echo
  echo "test/run-all.sh: FAILED at stage '$stage_name': $1 (after $(($(date +%s) - started)) s)"
  summary
  exit 1
}

# Adds the counts a stage wrote to test-results/<file> ({ passed, failed, skipped }); prints them.
add_counts() {
  local file=$1 p f s
  if [ ! -f "$file" ]; then
    failed=$((failed + 1))
    stage_done "no counts written ($file missing): 0 passed, 1 failed"
    return 1
  fi
  read -r p f s < <(node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${c.passed | 0} ${c.failed | 0} ${c.skipped | 0}`)' "$file") || { failed=$((failed + 1)); return 1; }
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
  local line="$p passed, $f failed"
  [ "$s" -gt 0 ] && line="$line, $s skipped"
  stage_done "$line"
  last_failed=$f
  [ "$f" -eq 0 ]
}

# After a stage's command: its counts, and its exit code (a non-zero exit with no failed test counts one).
finish_stage() {
  local rc=$1 file=$2 what=$3
  last_failed=0
  if add_counts "$file" && [ "$rc" -eq 0 ]; then
    return 0
  fi
  if [ "$rc" -ne 0 ] && [ -f "$file" ] && [ "$last_failed" -eq 0 ]; then
    failed=$((failed + 1))
  fi
  abort "$what (exit code $rc)"
}

# The torch backend's tests need a Python with PyTorch. A `python3` first on the PATH may be another one
# (pyenv's, a virtual environment) without it; Debian's python3-torch, which .ci/run installs, is in /usr/bin.
if [ -z "${DLMODEL_PYTHON:-}" ] && ! python3 -c 'import torch' >/dev/null 2>&1 && /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
  export DLMODEL_PYTHON=/usr/bin/python3
fi

# --- build -------------------------------------------------------------------------------------
# Always rebuilt: esbuild takes about a second, and a stale bundle would test old code.
stage build
if ! npm run --silent build >"$results/build.log" 2>&1; then
  cat "$results/build.log"
  failed=$((failed + 1))
  abort "npm run build failed"
fi
stage_done "ok"

# --- type check --------------------------------------------------------------------------------
stage "type check"
tc_pass=0
tc_fail=0
for project in tsconfig.json webview/tsconfig.json; do
  if npx tsc --noEmit -p "$project"; then
    echo "tsc -p $project: ok"
    tc_pass=$((tc_pass + 1))
  else
    echo "tsc -p $project: errors above"
    tc_fail=$((tc_fail + 1))
  fi
done
passed=$((passed + tc_pass))
failed=$((failed + tc_fail))
stage_done "$tc_pass passed, $tc_fail failed"
[ "$tc_fail" -eq 0 ] || abort "type errors"

# --- unit tests --------------------------------------------------------------------------------
stage "unit tests"
rm -f "$results/unit.json"
if [ -z "$(find test/unit -name '*.test.ts' 2>/dev/null | head -n 1)" ]; then
  stage_done "no unit tests: 0 passed, 0 failed"
else
  npx mocha --reporter ./out/test/harness/mocha-reporter.js --reporter-option "output=$results/unit.json"
  rc=$?
  finish_stage "$rc" "$results/unit.json" "unit tests failed"
fi

# --- real VS Code ------------------------------------------------------------------------------
stage "install code-server (cached)"
if ! bash test/harness/install-code-server.sh; then
  failed=$((failed + 1))
  abort "could not install code-server"
fi
stage_done "ok"

stage "integration (code-server extension host)"
rm -f "$results/integration.json"
node out/test/harness/run-integration.js
rc=$?
finish_stage "$rc" "$results/integration.json" "integration tests failed"

stage "integration, restricted mode (untrusted workspace)"
rm -f "$results/integration-restricted.json"
node out/test/harness/run-integration.js --restricted
rc=$?
finish_stage "$rc" "$results/integration-restricted.json" "restricted-mode integration tests failed"

stage "e2e (code-server + chromium)"
rm -f "$results/e2e.json"
node out/test/harness/run-e2e.js
rc=$?
finish_stage "$rc" "$results/e2e.json" "e2e scenarios failed"

echo
echo "all stages passed in $(($(date +%s) - started)) s"
summary
