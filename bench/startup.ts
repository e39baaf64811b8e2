/**
 * Start-up and memory of the three entry points, as whole processes against `node -e 0` in the
 * same interleaved rounds (the bench builds dist/ first, as `npm start` would):
 *
 * - CLI: `planwright --version`, `--help`, `validate` of a 5-task plan, and `validate` of a
 *   5,000-task plan that the task limit refuses (plus that refusal in-process, target <= 50 ms).
 *   Targets: --version <= 3x, validate <= 4x.
 * - Action: the bundle built from the sources (into .bench-tmp/) from spawn to its first output
 *   line. Target <= 4x. Its composition from esbuild's metafile: what loads at start, what later.
 * - App: `npm start` to "Listening" against `node dist/app/server.js`, and the App through tsx as
 *   `npm start` ran it before. Target: npm start <= 1.2x node dist/app/server.js.
 * - Peak RSS of each (a separate, untimed run with a preload that reports it).
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAction, composition, startupOutputs } from "../scripts/build-action.js";
import { loadPlan } from "../src/plan/load-plan.js";
import { freePort, peakRssMiB, startServer } from "./processes/spawn-server.js";
import { generatePlan } from "./validate.js";
import { interleave, median, report, timeProcess } from "./rounds.js";
import { ROOT } from "./root.js";

const ROUNDS = 7;
const node = process.execPath;
const RSS_HOOK = join(ROOT, "bench", "processes", "report-rss.mjs");

/** Peak RSS (MiB) of one run of `node args`, from the preload's report. */
async function peakOf(args: readonly string[], env?: NodeJS.ProcessEnv, until?: RegExp): Promise<number> {
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    const child = spawn(node, ["--import", RSS_HOOK, ...args], {
      env: env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (until?.test(output) && child.exitCode === null) child.kill("SIGINT");
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("close", () => {
      const kib = Number(/peak-rss-kib (\d+)/.exec(output)?.[1] ?? NaN);
      resolve(kib / 1024);
    });
  });
}

async function cli(dir: string): Promise<string[]> {
  const small = join(dir, "small.yaml");
  const huge = join(dir, "huge.yaml");
  await writeFile(small, generatePlan(5));
  const hugeText = generatePlan(5_000);
  await writeFile(huge, hugeText);
  const bin = join(ROOT, "bin", "planwright.js");
  const samples = await interleave(
    [
      { name: "node -e 0", run: () => timeProcess(node, ["-e", "0"]) },
      { name: "planwright --version", run: () => timeProcess(node, [bin, "--version"]) },
      { name: "planwright --help", run: () => timeProcess(node, [bin, "--help"]) },
      { name: "planwright validate (5 tasks)", run: () => timeProcess(node, [bin, "validate", small]) },
      {
        name: "planwright validate (5,000 tasks, refused)",
        run: () => timeProcess(node, [bin, "validate", huge], { okCodes: [1] }),
      },
    ],
    ROUNDS,
  );
  const refusals: number[] = [];
  for (let i = 0; i < 9; i++) {
    const started = performance.now();
    const result = loadPlan(new TextEncoder().encode(hugeText));
    refusals.push(performance.now() - started);
    if (result.plan || !/too many tasks/.test(result.diagnostics[0]?.message ?? ""))
      throw new Error("not refused");
  }
  const refusal = median(refusals);
  const rss = {
    node: await peakOf(["-e", "0"]),
    version: await peakOf([bin, "--version"]),
    validate: await peakOf([bin, "validate", small]),
    huge: await peakOf([bin, "validate", huge]),
  };
  return [
    `CLI start-up, whole processes (${ROUNDS} interleaved rounds after a warm-up):`,
    ...report(samples, "node -e 0", { "planwright --version": 3, "planwright validate (5 tasks)": 4 }),
    `  5,000-task plan (${(hugeText.length / 1024).toFixed(0)} KiB) refused by loadPlan in-process: ${refusal.toFixed(1)} ms ` +
      `median of 9 (target <= 50 ms) ${refusal <= 50 ? "ok" : "OVER"}`,
    `  peak RSS: node -e 0 ${rss.node.toFixed(0)} MiB, --version ${rss.version.toFixed(0)} MiB, validate (5 tasks) ` +
      `${rss.validate.toFixed(0)} MiB, validate (5,000 tasks, refused) ${rss.huge.toFixed(0)} MiB`,
  ];
}

async function action(dir: string): Promise<string[]> {
  const outdir = join(ROOT, ".bench-tmp", "action-dist");
  const metafile = await buildAction(outdir);
  const entry = Object.keys(metafile.outputs).find((f) => f.endsWith("action-dist/index.js")) ?? "";
  const start = startupOutputs(metafile, entry);
  const bytes = (files: readonly string[]) =>
    files.reduce((n, f) => n + (metafile.outputs[f]?.bytes ?? 0), 0);
  const all = Object.keys(metafile.outputs);
  const atStart = composition(metafile, start);
  const later = composition(
    metafile,
    all.filter((f) => !start.includes(f)),
  );
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  const list = (parts: [string, number][]) =>
    parts
      .slice(0, 8)
      .map(([name, n]) => `${name} ${kib(n)}`)
      .join(", ");
  const workspace = join(dir, "action-workspace");
  await mkdir(workspace, { recursive: true });
  await writeFile(join(dir, "state"), "");
  await writeFile(join(dir, "output"), "");
  const env = {
    PATH: process.env["PATH"] ?? "",
    HOME: dir,
    "INPUT_GITHUB-TOKEN": "ghs_bench000000000000000000000000000000",
    INPUT_COMMAND: "status",
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: "acme/bench",
    GITHUB_API_URL: "http://127.0.0.1:9",
    GITHUB_STATE: join(dir, "state"),
    GITHUB_OUTPUT: join(dir, "output"),
  };
  const bundle = join(outdir, "index.js");
  const samples = await interleave(
    [
      { name: "node -e 0", run: () => timeProcess(node, ["-e", "0"]) },
      { name: "Action to its first output", run: () => timeProcess(node, [bundle], { env, until: /^::/m }) },
    ],
    ROUNDS,
  );
  const rss = await peakOf([bundle], env);
  return [
    `Action bundle (built from the sources): ${kib(bytes(all))} in ${all.length} files, ${kib(bytes(start))} loaded at start`,
    `  at start: ${list(atStart)}`,
    `  loaded when used: ${list(later)}`,
    `Action start-up, whole processes (${ROUNDS} interleaved rounds after a warm-up):`,
    ...report(samples, "node -e 0", { "Action to its first output": 4 }),
    `  peak RSS of the Action (a status run that fails on the unreachable API): ${rss.toFixed(0)} MiB`,
  ];
}

async function app(dir: string): Promise<string[]> {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const envFor = async () => ({
    PATH: process.env["PATH"] ?? "",
    HOME: dir,
    APP_ID: "1",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: "bench",
    APP_SLUG: "planwright",
    ANTHROPIC_API_KEY: "sk-ant-bench",
    HOST: "127.0.0.1",
    PORT: String(await freePort()),
    PLANWRIGHT_STATE_DIR: join(dir, "app-state"),
  });
  const listening = /Listening on/;
  const timeStart = async (command: string, args: readonly string[]) => {
    const server = await startServer(command, args, { cwd: ROOT, env: await envFor(), ready: listening });
    await server.stop();
    return server.startMs;
  };
  const peak = async (command: string, args: readonly string[]) => {
    const server = await startServer(command, args, { cwd: ROOT, env: await envFor(), ready: listening });
    const rss = await peakRssMiB(server.child.pid ?? 0);
    await server.stop();
    return rss;
  };
  const compiled = [join(ROOT, "dist", "app", "server.js")];
  const viaTsx = ["--import", "tsx", join(ROOT, "src", "app", "server.ts")];
  const samples = await interleave(
    [
      { name: "node dist/app/server.js", run: () => timeStart(node, compiled) },
      { name: "npm start", run: () => timeStart("npm", ["start", "--silent"]) },
      { name: "node --import tsx src/app/server.ts", run: () => timeStart(node, viaTsx) },
    ],
    5,
  );
  const rssCompiled = await peak(node, compiled);
  const rssTsx = await peak(node, viaTsx);
  return [
    `App start to "Listening", whole processes (5 interleaved rounds after a warm-up):`,
    ...report(samples, "node dist/app/server.js", { "npm start": 1.2 }),
    `  peak RSS at start: compiled ${rssCompiled.toFixed(0)} MiB, through tsx ${rssTsx.toFixed(0)} MiB`,
  ];
}

export async function benchStartup(): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "planwright-bench-startup-"));
  try {
    await readFile(join(ROOT, "dist", "cli", "index.js")).catch(() => {
      throw new Error("dist/ is missing: npm run build first (npm run bench does)");
    });
    return [...(await cli(dir)), ...(await action(dir)), ...(await app(dir))];
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(join(ROOT, ".bench-tmp"), { recursive: true, force: true });
  }
}
