import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findRequestMarker, findStatusMarker } from "../../src/flows/markers.js";
import { BOT, startHarness, type Harness } from "./app-harness.js";
import { ALICE, BOB, READER, REPO_FILES, checkRunActionPayload, revisionAnswer } from "./fixtures.js";
import { BRANCH, PLAN_ID, PLAN_PATH, openPlanPull, postComment, type PlanPull } from "./plan-pr-setup.js";

let h: Harness;
let pull: PlanPull;

beforeEach(async () => {
  h = await startHarness(
    { ...REPO_FILES, ".github/planwright.yml": "approvals:\n  by_risk:\n    high: 1\n" },
    {
      pullCreations: 1,
    },
  );
  h.github.permissions.set("bob", "write");
  h.github.permissions.set("reader", "read");
  pull = await openPlanPull(h);
});

afterEach(async () => {
  await h.close();
});

const approve = () => h.github.review(pull.number, BOB, "APPROVED", pull.sha);
/** Our comments on `thread`, newest last. */
const ours = (thread: number) =>
  h.github.comments.filter((c) => c.issue === thread && c.user.login === BOT.login);
const statusOn = (thread: number) => ours(thread).find((c) => findStatusMarker(c.body) === PLAN_ID);

async function command(text: string, user = ALICE, thread = pull.number) {
  const payload = postComment(h, text, user, thread);
  await h.settle("issue_comment", payload);
  return (payload["comment"] as { id: number }).id;
}

describe("execution commands on the plan PR", () => {
  it("/execute re-checks the approval, dispatches, and answers in the status comment", async () => {
    approve();
    const id = await command("/execute");
    expect(h.github.dispatches).toEqual([
      {
        workflow: "planwright.yml",
        ref: "main",
        inputs: {
          command: "execute",
          pr: String(pull.number),
          plan: PLAN_PATH,
          "plan-blob": expect.any(String),
        },
      },
    ]);
    const status = statusOn(pull.number)!;
    expect(status.body).toMatch(/Executing/);
    expect(findRequestMarker(status.body)).toBe(id);
    expect(h.github.reactions.map((r) => r.comment)).toContain(id);
    h.done();
  });

  it("/execute without the approvals is refused with the reason", async () => {
    await command("/execute");
    expect(h.github.dispatches).toHaveLength(0);
    expect(statusOn(pull.number)!.body).toMatch(/not approved yet \(0 of 1 approval\)/);
    h.done();
  });

  it("passes the task of /retry, /skip and /rollback, and /continue without one", async () => {
    approve();
    await command("/continue");
    await command("/retry login-step");
    await command("/skip login-step");
    await command("/rollback totp-service");
    expect(h.github.dispatches.map((d) => [d.inputs["command"], d.inputs["task"]])).toEqual([
      ["continue", undefined],
      ["retry", "login-step"],
      ["skip", "login-step"],
      ["rollback", "totp-service"],
    ]);
    // One status comment per plan and thread, edited in place.
    expect(ours(pull.number).filter((c) => findStatusMarker(c.body) === PLAN_ID)).toHaveLength(1);
    expect(await h.app.metrics.text()).toMatch(/planwright_plans_total\{event="rolled_back"\} 1/);
    h.done();
  });

  it("runs a redelivered command once", async () => {
    approve();
    const payload = postComment(h, "/execute", ALICE, pull.number);
    for (let i = 0; i < 3; i++) await h.deliver("issue_comment", payload, "same");
    await h.app.idle();
    expect(h.github.dispatches).toHaveLength(1);
    h.done();
  });

  it("refuses a reader politely and dispatches nothing", async () => {
    approve();
    await command("/execute", READER);
    expect(h.github.dispatches).toHaveLength(0);
    expect(ours(pull.number).at(-1)!.body).toMatch(/Sorry @reader/);
    h.done();
  });

  it("/cancel cancels the active run, and says so when none is active", async () => {
    await command("/cancel");
    expect(statusOn(pull.number)!.body).toMatch(/no Planwright run is active/);
    h.github.runs.push({
      id: 77,
      status: "in_progress",
      conclusion: null,
      head_branch: "main",
      event: "workflow_dispatch",
      html_url: "https://github.com/o/r/actions/runs/77",
      created_at: "2026-01-01T00:00:00Z",
    });
    await command("/cancel");
    expect(h.github.cancelled).toEqual([77]);
    expect(statusOn(pull.number)!.body).toMatch(/cancelled by @\u200b?alice/);
    h.done();
  });

  it("/cancel cancels only the runs whose title names this PR, not another plan's", async () => {
    const run = (id: number, title: string, status = "in_progress") => ({
      id,
      status,
      conclusion: null,
      head_branch: "main",
      event: "workflow_dispatch",
      html_url: `https://github.com/o/r/actions/runs/${id}`,
      created_at: "2026-01-01T00:00:00Z",
      display_title: title,
    });
    // Another plan's run only: nothing of this PR to cancel, and it is left alone.
    h.github.runs.push(run(80, `planwright execute #${pull.number}0`));
    await command("/cancel");
    expect(h.github.cancelled).toEqual([]);
    expect(statusOn(pull.number)!.body).toMatch(
      new RegExp(`Awaiting approval[\\s\\S]*no active Planwright run is for \\\\?#${pull.number}`),
    );

    h.github.runs.push(
      run(81, `planwright execute #${pull.number}`),
      run(82, `planwright rollback #${pull.number}`, "queued"),
      run(83, `planwright execute #${pull.number}`, "completed"),
    );
    await command("/cancel");
    expect(h.github.cancelled).toEqual([81, 82]);
    expect(statusOn(pull.number)!.body).toMatch(/cancelled by @\u200b?alice/);
    h.done();
  });

  it("/cancel with several runs whose titles name no PR (an older workflow file) refuses with their links", async () => {
    for (const id of [91, 92]) {
      h.github.runs.push({
        id,
        status: "in_progress",
        conclusion: null,
        head_branch: "main",
        event: "workflow_dispatch",
        html_url: `https://github.com/o/r/actions/runs/${id}`,
        created_at: "2026-01-01T00:00:00Z",
        display_title: "planwright",
      });
    }
    await command("/cancel");
    expect(h.github.cancelled).toEqual([]);
    const body = statusOn(pull.number)!.body;
    expect(body).toMatch(/2 Planwright runs are active and their titles name no pull request/);
    expect(body).toContain("actions/runs/91");
    h.done();
  });

  it("/status shows the approvals without dispatching", async () => {
    approve();
    await command("/status");
    expect(h.github.dispatches).toHaveLength(0);
    expect(statusOn(pull.number)!.body).toMatch(
      /Awaiting approval[\s\S]*approved by @\u200b?bob[\s\S]*`\/execute`/,
    );
    h.done();
  });

  it("the check run's Continue button dispatches continue as the person who pressed it", async () => {
    approve();
    await h.settle("check_run", checkRunActionPayload("continue", BOB, pull.number));
    expect(h.github.dispatches.map((d) => d.inputs["command"])).toEqual(["continue"]);
    h.done();
  });

  it("/execute on the issue acts on the issue's plan PR", async () => {
    approve();
    await command("/execute", ALICE, 42);
    expect(h.github.dispatches.map((d) => d.inputs["pr"])).toEqual([String(pull.number)]);
    h.done();
  });
});

describe("other commands", () => {
  it("/help, unknown and malformed commands answer with the command list", async () => {
    await command("/help");
    await command("/frobnicate now");
    await command("/skip");
    const replies = ours(pull.number).map((c) => c.body);
    expect(replies).toHaveLength(3);
    for (const reply of replies) expect(reply).toContain("/rollback [task]");
    expect(replies[1]).toMatch(/`\/frobnicate` is not a Planwright command/);
    expect(replies[2]).toMatch(/needs a task id/);
    h.done();
  });

  it("/revise on the PR revises the plan with the instruction", async () => {
    h.model.enqueue(revisionAnswer());
    await command("/revise add a docs task");
    expect(h.github.refs.get(BRANCH)).not.toBe(pull.sha);
    expect(h.github.filesAt(BRANCH)!.get(PLAN_PATH)).toContain("docs-2fa");
    expect(JSON.stringify(h.model.requests.at(-1)?.body)).toContain("add a docs task");
    h.done();
  });

  it("/revise on the issue revises its plan PR", async () => {
    h.model.enqueue(revisionAnswer());
    await command("/revise add a docs task", ALICE, 42);
    expect(h.github.filesAt(BRANCH)!.get(PLAN_PATH)).toContain("docs-2fa");
    h.done();
  });

  it("a command on an issue without a plan says how to start one", async () => {
    h.github.issues.set(7, { title: "Other", body: "", user: ALICE });
    await command("/execute", ALICE, 7);
    expect(ours(7).at(-1)?.body).toMatch(/no plan for this issue yet.*`\/plan <request>`/);
    expect(h.github.dispatches).toHaveLength(0);
    h.done();
  });

  it("/plan on the plan PR regenerates the plan", async () => {
    h.model.enqueue(revisionAnswer());
    await command("/plan");
    expect(JSON.stringify(h.model.requests.at(-1)?.body)).toContain("Regenerate the plan from scratch");
    expect(h.github.filesAt(BRANCH)!.get(PLAN_PATH)).toContain("docs-2fa");
    h.done();
  });
});
