/**
 * `/cancel` in Action-only mode: the comment's own run cancels the other active runs of the
 * workflow that serve the PR (by run title or PR branch), never itself nor another PR's.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runsToCancel, titleNamesPull } from "../../src/action/cancel-runs.js";
import { run } from "../../src/action/main.js";
import { findRequestMarker, findStatusMarker } from "../../src/flows/markers.js";
import type { WorkflowRun } from "../../src/github/gateway.js";
import type { FakeWorkflowRun } from "./fake-github.js";
import { BRANCH, harness, plan, withEnv, type Harness } from "./harness.js";

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());

let open: Harness[] = [];
afterEach(async () => {
  nock.cleanAll();
  for (const h of open) await h.cleanup();
  open = [];
});

const SELF = 42;
const COMMENT = 88;

async function cancelIn(h: Harness, runs: FakeWorkflowRun[], body = "/cancel"): Promise<number> {
  h.github.workflowRuns.push(...runs);
  const file = join(h.dir, "..", "cancel-event.json");
  const payload = {
    action: "created",
    issue: { number: 5, pull_request: { url: "x" } },
    comment: { id: COMMENT, body, user: { login: "alice", type: "User" } },
  };
  await writeFile(file, JSON.stringify(payload));
  const env = await h.env(
    {},
    {
      GITHUB_EVENT_NAME: "issue_comment",
      GITHUB_EVENT_PATH: file,
      GITHUB_RUN_ID: String(SELF),
      GITHUB_WORKFLOW_REF: "o/r/.github/workflows/planwright-only.yml@refs/heads/main",
    },
  );
  return withEnv(env, () => run());
}

async function setup(): Promise<Harness> {
  const h = await harness(plan([{ id: "p", tasks: [{ id: "a", title: "A", run: "true" }] }]));
  open.push(h);
  h.github.mountNock();
  h.github.permissions.set("alice", "write");
  return h;
}

const wf = "planwright-only.yml";

describe("/cancel in Action-only mode", () => {
  it("cancels the active runs serving the PR, never its own run, another PR's or a finished one", async () => {
    const h = await setup();
    const code = await cancelIn(h, [
      {
        id: 38,
        status: "queued",
        event: "pull_request_review",
        displayTitle: "Plan",
        headBranch: BRANCH,
        workflow: wf,
      },
      {
        id: 39,
        status: "completed",
        conclusion: "success",
        event: "issue_comment",
        displayTitle: "planwright #5",
        workflow: wf,
      },
      { id: 40, status: "in_progress", event: "issue_comment", displayTitle: "planwright #51", workflow: wf },
      { id: 41, status: "in_progress", event: "issue_comment", displayTitle: "planwright #5", workflow: wf },
      {
        id: SELF,
        status: "in_progress",
        event: "issue_comment",
        displayTitle: "planwright #5",
        workflow: wf,
      },
      {
        id: 43,
        status: "in_progress",
        event: "issue_comment",
        displayTitle: "planwright #5",
        workflow: "other.yml",
      },
    ]);

    expect(code).toBe(0);
    expect(h.github.cancelled.sort()).toEqual([38, 41]);
    expect(h.github.workflowRuns.find((r) => r.id === SELF)?.status).toBe("in_progress");
    expect(await h.outputs()).toMatchObject({ status: "succeeded" });
    expect(h.github.reactions).toEqual([{ commentId: COMMENT, content: "eyes" }]);
    const status = h.github.comments.filter((c) => findStatusMarker(c.body) === "7-test");
    expect(status).toHaveLength(1);
    // the mention is defused (a zero-width space) so the status comment pings nobody
    expect(status[0]!.body).toMatch(/cancelled by @\u200b?alice/);
    expect(status[0]!.body).toContain("/execute");
    expect(findRequestMarker(status[0]!.body)).toBe(COMMENT);
    // nothing but reading, cancelling and the status comment: no check run, no push
    expect(h.github.checkRuns).toEqual([]);
    expect(await h.branchLog()).toEqual([]);
    expect(h.github.violations).toEqual([]);
  });

  it("with nothing to cancel, says so without failing the step", async () => {
    const h = await setup();
    const code = await cancelIn(h, [
      {
        id: SELF,
        status: "in_progress",
        event: "issue_comment",
        displayTitle: "planwright #5",
        workflow: wf,
      },
    ]);
    expect(code).toBe(0);
    expect(h.github.cancelled).toEqual([]);
    expect(await h.outputs()).toMatchObject({ status: "skipped" });
    expect(h.github.reactions.map((r) => r.content)).toEqual(["eyes", "confused"]);
    expect(h.github.comments).toEqual([]);
    expect(h.github.violations).toEqual([]);
  });

  it("a reader's /cancel cancels nothing", async () => {
    const h = await setup();
    h.github.permissions.set("alice", "read");
    await cancelIn(h, [
      { id: 41, status: "in_progress", event: "issue_comment", displayTitle: "planwright #5", workflow: wf },
    ]);
    expect(h.github.cancelled).toEqual([]);
    expect(h.github.writes()).toEqual([]);
  });
});

describe("runsToCancel", () => {
  const r = (id: number, displayTitle: string, more: Partial<WorkflowRun> = {}): WorkflowRun => ({
    id,
    status: "in_progress",
    conclusion: null,
    headBranch: "main",
    event: "issue_comment",
    htmlUrl: `https://github.com/o/r/actions/runs/${id}`,
    createdAt: "2026-01-01T00:00:00Z",
    displayTitle,
    ...more,
  });

  it("matches #n exactly", () => {
    expect(titleNamesPull("planwright #5", 5)).toBe(true);
    expect(titleNamesPull("planwright #5 /execute", 5)).toBe(true);
    expect(titleNamesPull("planwright #51", 5)).toBe(false);
    expect(titleNamesPull("planwright 5", 5)).toBe(false);
  });

  it("without run titles naming PRs: the one other active run, or a refusal listing several", () => {
    expect(runsToCancel([r(1, "planwright"), r(2, "planwright")], 5, "planwright/x", 2)).toEqual({
      cancel: [expect.objectContaining({ id: 1 })],
    });
    const several = runsToCancel([r(1, "planwright"), r(3, "planwright"), r(2, "planwright")], 5, "b", 2);
    expect(several).toEqual({ refuse: expect.stringMatching(/2 Planwright runs .*runs\/1, .*runs\/3$/) });
    expect(runsToCancel([r(1, "planwright #6")], 5, "b", 2)).toEqual({
      refuse: "no active Planwright run is for #5",
    });
    expect(runsToCancel([r(1, "x", { status: "completed" })], 5, "b")).toEqual({
      refuse: "no Planwright run is active",
    });
  });
});
