#!/usr/bin/env bash
# Rebuilds the Action bundle and fails when it differs from the committed action/dist.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build:action
if ! git diff --quiet --exit-code -- action/dist || [ -n "$(git ls-files --others --exclude-standard -- action/dist)" ]; then
  echo "action/dist is out of date with src/: run 'npm run build:action' and commit action/dist" >&2
  git diff --stat -- action/dist >&2
  exit 1
fi
echo "action/dist matches the sources"
