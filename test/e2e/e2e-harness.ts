/**
 * One end-to-end world: the GitHub sandbox holding the example repository (plus Planwright's
 * config and workflow), the App on its real HTTP server receiving the sandbox's signed webhooks,
 * the real bundled Action run for each dispatched workflow, and the fake Messages server as the
 * model. People act through the sandbox (`world.github.comment(...)`), and tests wait for the
 * outcome with `settle()` (no delivery, job or workflow run left).
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  startFakeMessagesServer,
  type FakeMessagesServer,
  type FakeServerOptions,
} from "../llm/fake-messages-server.js";
import { actionRunner, type ActionRunnerOptions } from "../sandbox/action-runner.js";
import { startSandbox, type GitHubSandbox, type SandboxOptions } from "../sandbox/github-sandbox.js";
import { startAppProcess } from "./app-process.js";
import { freePort, startAppServer, type AppServerOptions } from "./app-server.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const ACTION_ENTRY = join(ROOT, "action", "dist", "index.js");
export const SECRET = "sandbox-webhook-secret";

/** Planwright's files on the default branch: config and the workflow the App dispatches. */
export const CONFIG_FILES: Record<string, string> = {
  ".github/planwright.yml": [
    "who_can_command: write",
    "approvals: { required: 1, allow_requester: true }",
    "execution: { auto_execute: true, workflow: planwright.yml }",
    'defaults: { verify: "node --test", timeout: 2m, retries: 0 }',
    'policy: { commands: { allow: ["node *", "npm *"] } }',
    "",
  ].join("\n"),
  ".github/workflows/planwright.yml": [
    "name: planwright",
    "on:",
    "  workflow_dispatch:",
    "    inputs: { command: {}, pr: {}, plan: {}, plan-blob: {}, task: {} }",
    "jobs:",
    "  run:",
    "    runs-on: ubuntu-latest",
    "    steps:",
    "      - uses: actions/checkout@v4",
    "      - uses: planwright/action@v1",
    "        with:",
    "          command: ${{ inputs.command }}",
    "          pr: ${{ inputs.pr }}",
    "          plan: ${{ inputs.plan }}",
    "          plan-blob: ${{ inputs.plan-blob }}",
    "          task: ${{ inputs.task }}",
    "          github-token: ${{ secrets.GITHUB_TOKEN }}",
    "",
  ].join("\n"),
};

/**
 * CONFIG_FILES' configuration with execution started only by `/execute` and one approval for
 * every risk: what the tampering, forgery and theft suites start from.
 */
export function manualExecutionConfig(allowRequester: boolean): string {
  return (CONFIG_FILES[".github/planwright.yml"] ?? "")
    .replace(
      "approvals: { required: 1, allow_requester: true }",
      `approvals: { required: 1, by_risk: { high: 1, critical: 1 }, allow_requester: ${allowRequester} }`,
    )
    .replace("auto_execute: true", "auto_execute: false");
}

/** The example repository's files (examples/repo), relative paths to contents. */
export async function exampleRepoFiles(): Promise<Record<string, string>> {
  const base = join(ROOT, "examples", "repo");
  const files: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files[relative(base, full)] = await readFile(full, "utf8");
    }
  };
  await walk(base);
  return files;
}

export const PEOPLE: NonNullable<SandboxOptions["users"]> = [
  { login: "maya", permission: "maintain" },
  { login: "rob", permission: "write" },
  { login: "rita", permission: "read" },
  { login: "dependabot[bot]", permission: "write", type: "Bot" },
];

/** The App as the world runs it: in this process, or in its own with every log line kept. */
export interface WorldApp {
  webhookUrl: string;
  /** Resolves when the App has no job left (in its own process: at once; settle() waits longer). */
  idle(): Promise<void>;
  stop(): Promise<void>;
  /** Everything the App logged (in its own process only; empty otherwise). */
  log(): string;
}

export interface World {
  github: GitHubSandbox;
  model: FakeMessagesServer;
  app: WorldApp;
  stateDir: string;
  /** Waits until no webhook delivery, App job or workflow run is left (twice in a row). */
  settle(): Promise<void>;
  /** Polls `check` (after settling) until it returns a value; fails with `what` after `ms`. */
  waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms?: number): Promise<T>;
  close(): Promise<void>;
}

export interface WorldOptions {
  files?: Record<string, string>;
  /** More environment for workflow runs (canary secrets). */
  runnerEnv?: Record<string, string>;
  faults?: SandboxOptions["faults"];
  /** Run the App in its own process at this log level, keeping its output (see `app.log()`). */
  appProcessLogLevel?: AppServerOptions["logLevel"];
  /** More options of the workflow runner (token, runner folder, preparation of the checkout). */
  runner?: Pick<ActionRunnerOptions, "token" | "root" | "prepare">;
  /** Options of the fake model (e.g. a `fallback` answering every request). */
  model?: FakeServerOptions;
  /** The real Anthropic API instead of the fake model (the fake server still starts, unused). */
  anthropic?: { apiKey: string; baseURL: string };
  /** Called with each finished workflow run's log (output and job summary). */
  onRunLog?: (log: string) => void;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const model = await startFakeMessagesServer(options.model);
  const files = { ...(await exampleRepoFiles()), ...CONFIG_FILES, ...options.files };
  const github = await startSandbox({
    files,
    users: PEOPLE,
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const stateDir = await mkdtemp(join(tmpdir(), "planwright-e2e-app-"));
  const modelUrl = options.anthropic?.baseURL ?? model.url;
  const modelApiKey = options.anthropic?.apiKey ?? "sk-ant-sandbox";
  const settings = { githubUrl: github.url, webhookSecret: SECRET, modelUrl, modelApiKey, stateDir };
  let app: WorldApp;
  if (options.appProcessLogLevel) {
    const child = await startAppProcess({
      ...settings,
      port: await freePort(),
      logLevel: options.appProcessLogLevel,
    });
    app = { webhookUrl: child.webhookUrl, idle: async () => undefined, stop: child.kill, log: child.output };
  } else {
    const running = await startAppServer(settings);
    app = {
      webhookUrl: running.webhookUrl,
      idle: () => running.app.idle(),
      stop: running.stop,
      log: () => "",
    };
  }
  // Without the App's own idle signal, quiet must last longer before the world counts as settled.
  const quietMs = options.appProcessLogLevel ? 500 : 50;
  github.setWebhook({ url: app.webhookUrl, secret: SECRET });
  github.setRunner(
    actionRunner({
      entry: ACTION_ENTRY,
      anthropicApiKey: modelApiKey,
      env: { ANTHROPIC_BASE_URL: modelUrl, ...options.runnerEnv },
      ...(options.onRunLog ? { onLog: options.onRunLog } : {}),
      ...options.runner,
    }),
  );
  const world: World = {
    github,
    model,
    app,
    stateDir,
    async settle() {
      let quiet = 0;
      while (quiet < 2) {
        const state = () =>
          `${github.deliveries.length}/${github.requests.length}/${github.state.workflowRuns.size}/${model.requests.length}`;
        const before = state();
        await github.idle();
        await world.app.idle();
        await new Promise((resolve) => setTimeout(resolve, quietMs));
        const after = state();
        quiet = before === after ? quiet + 1 : 0;
      }
    },
    async waitFor(what, check, ms = 60_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        await world.settle();
        const value = await check();
        if (value !== undefined && value !== false) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await world.app.stop().catch(() => undefined);
      await github.close();
      await model.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  return world;
}

/** The bodies of the comments on an issue or PR, by author. */
export function commentsOn(world: World, issue: number, by?: string): string[] {
  return [...world.github.state.comments.values()]
    .filter((c) => c.issue === issue && (by === undefined || c.user === by))
    .map((c) => c.body);
}
