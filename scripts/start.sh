#!/usr/bin/env bash
# `npm start`: runs the compiled App (dist/app/server.js), as a production start does. Builds first
# when dist/ is missing or older than the sources or the build configuration, so a fresh clone
# starts after `npm ci && npm start`; an up-to-date build starts at once (one `find`, no compiler).
set -euo pipefail
cd "$(dirname "$0")/.."
set --
source scripts/node.sh
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ ! -f dist/app/server.js ] ||
  [ -n "$(find src package.json package-lock.json tsconfig.json tsconfig.build.json -newer "$stamp" -print -quit)" ]; then
  echo "planwright: building dist/ (npm run build)" >&2
  npm run --silent build >&2
  touch "$stamp"
fi
exec node dist/app/server.js
