import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Context } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app/app.js";
import type { HandlerRuntime } from "../../src/app/handler-runtime.js";
import type { AppJob } from "../../src/app/jobs.js";
import { createMetrics } from "../../src/app/metrics.js";
import { onIssueComment } from "../../src/app/on-issue-comment.js";
import { createFileJournal, createWorkQueue } from "../../src/app/work-queue.js";
import { requestMarker, statusMarker } from "../../src/flows/markers.js";
import { completePlan } from "../../src/llm/planner.js";
import { planToYaml } from "../../src/llm/plan-yaml.js";
import { BOT, INSTALLATION, newProbot, startHarness, testModel, type Harness } from "./app-harness.js";
import { ALICE, REPO_FILES, planAnswer } from "./fixtures.js";
import { BRANCH, PLAN_ID, PLAN_PATH, postComment } from "./plan-pr-setup.js";

let h: Harness;

const stateDirs: string[] = [];
afterEach(async () => {
  await h.close();
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("a process that dies mid-way", () => {
  it("leaves the accepted /plan in its journal, and the next start finishes it from GitHub's state", async () => {
    h = await startHarness(REPO_FILES, { pullCreations: 1 });
    h.github.permissions.set("alice", "write");
    h.github.issues.set(42, { title: "Two-factor login", body: "Users want 2FA.", user: ALICE });
    const dir = mkdtempSync(join(tmpdir(), "planwright-app-state-"));
    stateDirs.push(dir);

    // The first process: the real handler and journal, and a job that never gets to finish.
    const payload = postComment(h, "/plan add 2FA", ALICE);
    const acks: Promise<unknown>[] = [];
    const dying: HandlerRuntime = {
      queue: createWorkQueue<AppJob>(() => new Promise<void>(() => undefined), {
        journal: createFileJournal<AppJob>(dir),
      }),
      metrics: createMetrics(),
      logger: h.probot.log,
      detach: (work) => acks.push(work),
    };
    const octokit = await h.probot.auth(INSTALLATION);
    const event = { id: "d-1", name: "issue_comment", payload } as unknown as ConstructorParameters<
      typeof Context
    >[0];
    await onIssueComment(dying)(
      new Context(event, octokit, h.probot.log) as Context<"issue_comment.created">,
    );
    // What it got done before dying: the status comment, and the plan committed on its branch.
    const commentId = (payload["comment"] as { id: number }).id;
    h.github.comment(42, `${statusMarker(PLAN_ID)}\n${requestMarker(commentId)}\nPlanning…`, BOT);
    const yaml = planToYaml(
      completePlan(planAnswer(), {
        id: PLAN_ID,
        request: "add 2FA",
        issue: 42,
        base: { ref: "main", sha: h.github.refs.get("main")! },
      }),
    );
    const message = `Plan ${PLAN_ID}: Add two-factor authentication\n\nRequested by @alice on #42 (comment ${commentId}).`;
    h.github.push(BRANCH, { [PLAN_PATH]: yaml }, message);

    // The restart: a new Probot and App on the same state folder.
    const probot = newProbot();
    const app = createApp({ appSlug: "planwright", stateDir: dir, model: testModel(h.model.url) });
    await probot.load(app);
    await app.idle();

    expect(h.github.pulls).toHaveLength(1);
    expect(h.github.pulls[0]?.head).toBe(BRANCH);
    // Picked up from GitHub's state: the branch existed, so the model was not asked again.
    expect(h.model.requests).toHaveLength(0);
    const status = h.github.comments.filter((c) => c.issue === 42 && c.user.login === BOT.login);
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toMatch(/#100/);
    // A third start has nothing left to do.
    expect(createFileJournal<AppJob>(dir).pending()).toEqual([]);
    h.done();
  });
});
