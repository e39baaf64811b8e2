/**
 * Bundles the Action (src/action/index.ts) into action/dist/ with esbuild: the entry
 * action/dist/index.js (what action.yml runs, main and post step) and chunks in
 * action/dist/chunks/ that the entry loads with import() only when a command needs them (the model
 * SDK for edit tasks and /plan, rollback). So a step starts by evaluating what it runs, not 1.7 MB.
 *
 * What the Action never runs is left out: @actions/core reaches @actions/http-client (and undici,
 * 400 KiB) only for getIDToken(), which Planwright never calls, and zod's `z.locales` brings every
 * translation of its messages where only English is used. Both are replaced by small modules that
 * fail loudly if they are ever reached.
 *
 * Deterministic: same sources and lockfile, same bytes (content-hashed chunk names, no timestamps,
 * no absolute paths, fixed options), so CI can rebuild and compare (`npm run check-dist`).
 */
import { build, type Metafile, type Plugin } from "esbuild";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Modules the Action never runs, by the import that reaches them, with their stand-ins. */
const NEVER_RUN: { filter: RegExp; importer: RegExp; contents: string }[] = [
  {
    // only core.getIDToken() (OIDC) uses it
    filter: /^@actions\/http-client(\/.*)?$/,
    importer: /@actions[\\/]core[\\/]/,
    contents: `const unused = () => { throw new Error("planwright: @actions/http-client is not bundled (OIDC tokens are not used)"); };
export class HttpClient { constructor() { unused(); } }
export const HttpCodes = {};
export class BearerCredentialHandler { constructor() { unused(); } }
export class BasicCredentialHandler { constructor() { unused(); } }
export class PersonalAccessTokenCredentialHandler { constructor() { unused(); } }`,
  },
  {
    // `export * as locales` of zod's classic API; the English locale it configures is imported on its own
    filter: /^\.\.\/locales\/index\.js$/,
    importer: /zod[\\/]v4[\\/](classic[\\/]external|core[\\/]index)\.js$/,
    contents: `export { default as en } from "./en.js";`,
  },
];

const neverRun: Plugin = {
  name: "planwright-never-run",
  setup(b) {
    for (const [i, rule] of NEVER_RUN.entries()) {
      b.onResolve({ filter: rule.filter }, (args) =>
        rule.importer.test(args.importer)
          ? {
              path: `never-run-${i}`,
              namespace: "planwright-never-run",
              // relative imports of the stand-in resolve where the module it replaces was
              pluginData: join(args.resolveDir, dirname(args.path)),
            }
          : undefined,
      );
    }
    b.onLoad({ filter: /.*/, namespace: "planwright-never-run" }, (args) => ({
      contents: NEVER_RUN[Number(args.path.slice("never-run-".length))]?.contents ?? "",
      loader: "js",
      resolveDir: String(args.pluginData),
    }));
  },
};

/** Builds the Action into `outdir` (emptied first, so no chunk of an older build stays behind). */
export async function buildAction(outdir = join(root, "action", "dist")): Promise<Metafile> {
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { index: "src/action/index.ts" },
    outdir,
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    splitting: true,
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
    plugins: [neverRun],
    // ESM output still meets CommonJS dependencies that call require() on Node built-ins
    banner: {
      js: 'import { createRequire as __planwrightRequire } from "node:module"; const require = __planwrightRequire(import.meta.url);',
    },
  });
  return result.metafile;
}

/** The output files the entry loads before it runs (its static imports, transitively). */
export function startupOutputs(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of metafile.outputs[file]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
    }
  };
  visit(entry);
  return [...seen];
}

/** Bytes in the output per package (node_modules) or source folder, largest first. */
export function composition(metafile: Metafile, outputs?: readonly string[]): [string, number][] {
  const by = new Map<string, number>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (outputs && !outputs.includes(file)) continue;
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
      const key = pkg ?? (path.startsWith("src/") ? path.split("/").slice(0, 2).join("/") : path);
      by.set(key, (by.get(key) ?? 0) + input.bytesInOutput);
    }
  }
  return [...by].sort((a, b) => b[1] - a[1]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const metafile = await buildAction();
  const outputs = Object.entries(metafile.outputs);
  const total = outputs.reduce((n, [, o]) => n + o.bytes, 0);
  const entry = outputs.find(([file]) => file.endsWith("action/dist/index.js"))?.[0] ?? "";
  const start = startupOutputs(metafile, entry).reduce((n, f) => n + (metafile.outputs[f]?.bytes ?? 0), 0);
  process.stdout.write(
    `action/dist: ${(total / 1024).toFixed(0)} KiB in ${outputs.length} files; ` +
      `${(start / 1024).toFixed(0)} KiB load at start\n`,
  );
}
