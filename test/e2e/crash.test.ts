/**
 * Crash: the App process is killed (SIGKILL) while the model is still generating a plan, then
 * started again on the same job journal; the request completes exactly once.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeMessagesServer, type FakeMessagesServer } from "../llm/fake-messages-server.js";
import { startSandbox, type GitHubSandbox } from "../sandbox/github-sandbox.js";
import { startAppProcess, type AppProcess } from "./app-process.js";
import { freePort } from "./app-server.js";
import { CONFIG_FILES, PEOPLE, SECRET, exampleRepoFiles } from "./e2e-harness.js";
import { PLAN, submitPlan } from "./scripted-plans.js";

const BOT = "planwright[bot]";
let github: GitHubSandbox;
let model: FakeMessagesServer;
let stateDir: string;
let port: number;
let child: AppProcess | undefined;

function startApp(): Promise<AppProcess> {
  return startAppProcess({
    githubUrl: github.url,
    modelUrl: model.url,
    webhookSecret: SECRET,
    stateDir,
    port,
  });
}

async function until<T>(what: string, check: () => T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    await github.idle();
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  model = await startFakeMessagesServer();
  github = await startSandbox({ files: { ...(await exampleRepoFiles()), ...CONFIG_FILES }, users: PEOPLE });
  stateDir = await mkdtemp(join(tmpdir(), "planwright-e2e-crash-"));
  port = await freePort();
  github.setWebhook({ url: `http://127.0.0.1:${port}/api/github/webhooks`, secret: SECRET });
}, 60_000);

afterAll(async () => {
  if (child) await child.kill();
  await github?.close();
  await model?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe("crash", () => {
  it("finishes a /plan once after the App is killed while the model is generating", async () => {
    child = await startApp();
    const issue = await github.createIssue("maya", "Two-factor login");
    // The first answer comes too late for the first process; the second serves the restarted one.
    model.enqueue({ ...submitPlan(PLAN), delayMs: 5_000 }, submitPlan(PLAN));
    await github.comment("maya", issue.number, "/plan add 2FA");
    await until("the model call", () => (model.requests.length > 0 ? true : undefined), 30_000);
    await child.kill();
    expect([...github.state.issues.values()].filter((i) => i.pull)).toHaveLength(0);

    child = await startApp();
    const pull = await until(
      "the plan PR",
      () => [...github.state.issues.values()].find((i) => i.pull),
      60_000,
    );
    // Let the restarted process settle, then look for anything done twice.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await github.idle();
    expect([...github.state.issues.values()].filter((i) => i.pull)).toHaveLength(1);
    const commits = await github.git.revList(`refs/heads/${pull.pull?.head ?? ""}`, "refs/heads/main");
    expect(commits).toHaveLength(1);
    const bot = [...github.state.comments.values()].filter((c) => c.issue === issue.number && c.user === BOT);
    expect(bot.filter((c) => c.body.includes("planwright:status"))).toHaveLength(1);
    // Two model calls: the one the killed process never saw answered, and the resumed job's.
    expect(model.requests).toHaveLength(2);
    expect(github.violations).toEqual([]);
  }, 120_000);
});
