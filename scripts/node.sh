#!/usr/bin/env bash
# Runs a command with Node.js >= 22 first on PATH. When the machine's Node is older, Node 24 is
# fetched once from the npm registry (package node-linux-<arch>) into .tools/node and used instead.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
need_major=22
major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ -x "$root/.tools/node/bin/node" ]; then
  export PATH="$root/.tools/node/bin:$PATH"
elif [ "$(major node)" -lt "$need_major" ]; then
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "planwright: unsupported CPU $(uname -m); install Node >= $need_major" >&2; exit 1 ;; esac
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "planwright: unsupported OS; install Node >= $need_major" >&2; exit 1 ;; esac
  echo "planwright: Node $(node --version 2>/dev/null || echo none) is older than $need_major; installing Node 24 into .tools/node" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-$os-$arch@24" >/dev/null)
  mkdir -p "$root/.tools/node"
  tar xzf "$tmp"/node-*.tgz -C "$root/.tools/node" --strip-components=1
  rm -rf "$tmp"
  export PATH="$root/.tools/node/bin:$PATH"
fi
if [ "$#" -gt 0 ]; then exec "$@"; fi
