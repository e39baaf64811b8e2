/**
 * The whole cycle against the GitHub sandbox, as one test: `/plan add 2FA` on an issue → plan PR →
 * changes requested inline → revision → approvals → the App dispatches, the bundled Action executes
 * (one commit per task, check runs) → `/rollback <task>` → `/rollback` → the branch's tree is the
 * base tree again (plus the plan file).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssueRecord } from "../sandbox/sandbox-state.js";
import { commentsOn, startWorld, type World } from "./e2e-harness.js";
import { PLAN, REVISED, submitPlan, submitRevision } from "./scripted-plans.js";

const BOT = "planwright[bot]";
const PLAN_PATH = ".planwright/plans/1-add-2fa.yaml";

let world: World;
beforeAll(async () => {
  world = await startWorld();
  world.github.addUser("sam", "write");
}, 60_000);
afterAll(async () => {
  await world?.close();
});

/** Task commits on the branch after `base`, oldest first, as `subject` + trailers. */
async function branchLog(branch: string): Promise<{ sha: string; task?: string; revert?: string }[]> {
  const { git } = world.github;
  const shas = (await git.revList(`refs/heads/${branch}`, "refs/heads/main")).reverse();
  return Promise.all(
    shas.map(async (sha) => {
      const message = (await git.commit(sha)).message;
      const task = /^Planwright-Task: (.+)$/m.exec(message)?.[1];
      const revert = /^Planwright-Revert: (.+)$/m.exec(message)?.[1];
      return { sha, ...(task ? { task } : {}), ...(revert ? { revert } : {}) };
    }),
  );
}

function checkRuns(name: string) {
  return [...world.github.state.checkRuns.values()].filter((run) => run.name === name);
}

function finishedRun(command: string, task: string | undefined) {
  return [...world.github.state.workflowRuns.values()].find(
    (r) => r.status === "completed" && r.inputs.command === command && r.inputs.task === task,
  );
}

async function headOf(pull: IssueRecord): Promise<string> {
  return (await world.github.git.branchHead(pull.pull?.head ?? "")) ?? "";
}

describe("end to end: plan, review, revise, approve, execute, roll back", () => {
  it("runs the whole cycle through the App, the Action and the sandbox", async () => {
    const { github, model } = world;

    // 1. A maintainer asks for a plan on an issue.
    const issue = await github.createIssue("maya", "Two-factor login", "Users want 2FA.");
    model.enqueue(submitPlan(PLAN));
    await github.comment("maya", issue.number, "/plan add 2FA");

    // 2. The App answers with a plan PR: branch, plan file, rendered body, check run, status comment.
    const pull = await world.waitFor("the plan PR", () =>
      [...github.state.issues.values()].find((i) => i.pull),
    );
    expect(pull.pull).toMatchObject({ head: "planwright/1-add-2fa", base: "main" });
    expect(pull.user).toBe(BOT);
    expect(pull.body).toContain("totp-service");
    const planBlob = await github.git.pathBlob(await headOf(pull), PLAN_PATH);
    expect(planBlob?.type).toBe("blob");
    // "Awaiting approval" is a completed run asking for action: it blocks merging until approved.
    expect(checkRuns("planwright")).toMatchObject([
      { headSha: await headOf(pull), status: "completed", conclusion: "action_required" },
    ]);
    expect(commentsOn(world, issue.number, BOT).join("\n")).toContain(
      "<!-- planwright:status plan=1-add-2fa -->",
    );

    // 3. A reviewer requests changes inline; the App revises the plan on the branch.
    const firstHead = await headOf(pull);
    model.enqueue(submitRevision(REVISED, "Added a docs task."));
    await github.review("rob", pull.number, {
      state: "CHANGES_REQUESTED",
      body: "Please document it.",
      comments: [{ path: PLAN_PATH, line: 5, body: "Add a task that documents 2FA in docs/2fa.md" }],
    });
    const revisedHead = await world.waitFor("the revision commit", async () => {
      const head = await headOf(pull);
      return head !== firstHead ? head : undefined;
    });
    const revised = (
      await github.git.blob((await github.git.pathBlob(revisedHead, PLAN_PATH))?.sha ?? "")
    ).toString();
    expect(revised).toContain("docs-2fa");
    expect(checkRuns("planwright").some((run) => run.headSha === revisedHead)).toBe(true);

    // Approvals (risk high: two) on the revised head: the App dispatches, the Action executes.
    await github.review("rob", pull.number, { state: "APPROVED" });
    await github.review("sam", pull.number, { state: "APPROVED" });
    const run = await world.waitFor(
      "the execute workflow run",
      () => [...github.state.workflowRuns.values()].find((r) => r.status === "completed"),
      90_000,
    );
    expect(run.inputs).toMatchObject({ command: "execute", pr: String(pull.number) });
    expect(run.conclusion, run.log).toBe("success");

    // 4. One commit per task, a check run per task on its commit, the plan check completed.
    const executed = await branchLog(pull.pull?.head ?? "");
    const tasks = executed.filter((c) => c.task && !c.revert).map((c) => c.task);
    expect(tasks).toEqual(["totp-service", "login-step", "docs-2fa"]);
    for (const commit of executed.filter((c) => c.task)) {
      expect(checkRuns(`planwright / ${commit.task}`).find((r) => r.headSha === commit.sha)).toMatchObject({
        status: "completed",
        conclusion: "success",
      });
    }
    const finalHead = await headOf(pull);
    const planCheck = checkRuns("planwright")
      .filter((r) => r.headSha === finalHead)
      .at(-1);
    expect(planCheck).toMatchObject({ status: "completed", conclusion: "success" });
    const status = commentsOn(world, pull.number, BOT).find((b) => b.includes("planwright:status"));
    expect(status, run.log).toMatch(/3\/3|3 of 3/);

    // 5. `/rollback totp-service` reverts it and its dependent; `/rollback` reverts the rest.
    await github.comment("maya", pull.number, "/rollback totp-service");
    await world.waitFor("the first rollback", () => finishedRun("rollback", "totp-service"), 90_000);
    const afterFirst = await branchLog(pull.pull?.head ?? "");
    expect(
      afterFirst
        .filter((c) => c.revert)
        .map((c) => c.revert)
        .sort(),
    ).toEqual(["login-step", "totp-service"]);

    await github.comment("maya", pull.number, "/rollback");
    await world.waitFor("the second rollback", () => finishedRun("rollback", undefined), 90_000);
    const afterAll = await branchLog(pull.pull?.head ?? "");
    expect(
      afterAll
        .filter((c) => c.revert)
        .map((c) => c.revert)
        .sort(),
    ).toEqual(["docs-2fa", "login-step", "totp-service"]);

    const base = await github.git.tree("refs/heads/main", true);
    const branch = (await github.git.tree(`refs/heads/${pull.pull?.head}`, true)).filter(
      (e) => !e.path.startsWith(".planwright"),
    );
    expect(branch).toEqual(base);

    // Nothing GitHub would refuse or answer differently, and no duplicates: one PR, one status
    // comment.
    expect(github.violations).toEqual([]);
    expect([...github.state.issues.values()].filter((i) => i.pull)).toHaveLength(1);
    const statusComments = commentsOn(world, pull.number, BOT).filter((b) => b.includes("planwright:status"));
    expect(statusComments).toHaveLength(1);
  }, 240_000);

  it("starts one execution for the approval: the Action's own pushes start no other", () => {
    const runs = [...world.github.state.workflowRuns.values()].map((r) =>
      `${r.inputs.command} ${r.inputs.task ?? ""}`.trim(),
    );
    expect(runs).toEqual(["execute", "rollback totp-service", "rollback"]);
  });
});
