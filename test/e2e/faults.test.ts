/**
 * The cycle under faults: the sandbox fails 20 % of API requests (HTTP 500/502, secondary rate
 * limits with retry-after, dropped connections) and the model answers 429 and 529 before it
 * answers; the plan is still made and executed, with no duplicated comment, commit or PR. The
 * App's requests and the Action's are faulted in separate tests, so a failure names its side.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIONS_BOT } from "../sandbox/action-runner.js";
import type { IssueRecord } from "../sandbox/sandbox-state.js";
import { startWorld, type World } from "./e2e-harness.js";
import { PLAN, submitPlan } from "./scripted-plans.js";

const BOT = "planwright[bot]";
let world: World;

beforeAll(async () => {
  // the Action on the workflow token, so that faults can be aimed at it alone
  world = await startWorld({ runner: { token: "actions" } });
  world.github.addUser("sam", "write");
}, 60_000);
afterAll(async () => {
  await world?.close();
});

async function branchMessages(branch: string): Promise<string[]> {
  const { git } = world.github;
  const shas = await git.revList(`refs/heads/${branch}`, "refs/heads/main");
  return Promise.all(shas.map(async (sha) => (await git.commit(sha)).message));
}

const tasksOf = (messages: string[]) =>
  messages.flatMap((m) => /^Planwright-Task: (.+)$/m.exec(m)?.[1] ?? []);

function expectNoDuplicateComments(numbers: number[]): void {
  for (const number of numbers) {
    // The App's and the Action's (its status comment on the PR is written by the workflow's token).
    const byBots = [...world.github.state.comments.values()]
      .filter((c) => c.issue === number && c.user.endsWith("[bot]"))
      .map((c) => c.body);
    expect(byBots.filter((b) => b.includes("planwright:status"))).toHaveLength(1);
    expect(new Set(byBots).size).toBe(byBots.length);
  }
}

async function requestPlan(): Promise<{ issue: IssueRecord; pull: IssueRecord | undefined }> {
  const { github } = world;
  const issue = await github.createIssue("maya", "Two-factor login");
  await github.comment("maya", issue.number, "/plan add 2FA");
  const find = () =>
    [...github.state.issues.values()].find((i) => i.pull && i.body.includes(`Refs #${issue.number}`));
  const pull = await world.waitFor("the plan PR", find, 20_000).catch(() => undefined);
  return { issue, pull };
}

describe("faults", () => {
  it("makes the plan PR with 20 % of the App's GitHub requests failing and the model overloaded", async () => {
    const { github, model } = world;
    github.setFaults({ rate: 0.2, seed: 42, actor: BOT });
    model.enqueue(
      {
        status: 429,
        retryAfter: 0,
        body: { type: "error", error: { type: "rate_limit_error", message: "slow down" } },
      },
      { status: 529, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
      submitPlan(PLAN),
    );
    const { issue, pull } = await requestPlan();
    github.setFaults(undefined);
    const failed = github.requests.filter((r) => r.fault).map((r) => `${r.fault} ${r.route}`);
    expect(failed.length).toBeGreaterThan(0);
    expect(pull, `no plan PR; faults injected: ${failed.join(", ")}`).toBeDefined();
    expect([...github.state.issues.values()].filter((i) => i.pull)).toHaveLength(1);
    expect(tasksOf(await branchMessages(pull?.pull?.head ?? ""))).toEqual([]);
    expectNoDuplicateComments([issue.number]);
  }, 120_000);

  it("executes with 20 % of the Action's GitHub requests failing, each task committed once", async () => {
    const { github, model } = world;
    model.enqueue(submitPlan(PLAN));
    const { issue, pull } = await requestPlan();
    if (!pull?.pull) throw new Error("no plan PR without faults");
    const branch = pull.pull.head;
    github.setFaults({ rate: 0.2, seed: 7, actor: ACTIONS_BOT });
    await github.review("rob", pull.number, { state: "APPROVED" });
    await github.review("sam", pull.number, { state: "APPROVED" });
    const done = await world
      .waitFor(
        "both tasks on the branch",
        async () => {
          const tasks = tasksOf(await branchMessages(branch));
          return tasks.length >= 2 ? tasks : undefined;
        },
        90_000,
      )
      .catch(() => undefined);
    github.setFaults(undefined);
    const failed = github.requests
      .filter((r) => r.fault && r.actor === ACTIONS_BOT)
      .map((r) => `${r.fault} ${r.route}`);
    const logs = [...github.state.workflowRuns.values()].map((r) =>
      r.log
        .split("\n")
        .filter((l) => /error|planwright:/.test(l))
        .join(" | "),
    );
    expect(done, `faults: ${failed.join(", ")}\nruns: ${logs.join("\n")}`).toBeDefined();
    expect(tasksOf(await branchMessages(branch)).sort()).toEqual(["login-step", "totp-service"]);
    expectNoDuplicateComments([issue.number, pull.number]);
    expect(github.violations).toEqual([]);
  }, 150_000);
});
