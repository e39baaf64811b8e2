#!/usr/bin/env node
// The published entry: the compiled CLI (npm run build writes dist/). Node's compile cache keeps
// the compiled code of the CLI and its dependencies on disk (in the OS temp folder), so that a
// command after the first starts without compiling them again; NODE_DISABLE_COMPILE_CACHE=1 turns
// it off.
import module from "node:module";

module.enableCompileCache?.();
await import("../dist/cli/index.js");
