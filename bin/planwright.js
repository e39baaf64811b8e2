#!/usr/bin/env node
// The published entry: the compiled CLI (npm run build writes dist/).
await import("../dist/cli/index.js");
