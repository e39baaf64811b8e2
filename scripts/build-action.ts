/**
 * Bundles the Action (src/action/index.ts) into one file, action/dist/index.js, with esbuild.
 * Deterministic: same sources and lockfile, same bytes (no timestamps, no absolute paths, fixed
 * options), so CI can rebuild and compare (`npm run check-dist`).
 */
import { build } from "esbuild";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "action", "dist", "index.js");

await mkdir(dirname(outfile), { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ["src/action/index.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  minify: true,
  legalComments: "none",
  sourcemap: false,
  charset: "utf8",
  logLevel: "warning",
  metafile: true,
  // ESM output still meets CommonJS dependencies that call require() on Node built-ins
  banner: {
    js: 'import { createRequire as __planwrightRequire } from "node:module"; const require = __planwrightRequire(import.meta.url);',
  },
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stdout.write(`action/dist/index.js: ${(bytes / 1024).toFixed(0)} KiB\n`);
