import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig, type Config } from "../../src/config.js";
import { createApprovalCache, evaluateApproval } from "../../src/flows/evaluate-approval.js";
import { createGateway } from "../../src/github/octokit-gateway.js";
import { checkAllRequests } from "../helpers/openapi.js";

const API = "https://api.github.com";
const HEAD = "1".repeat(40);
const OLD = "2".repeat(40);
const BLOB = "b".repeat(40);
const OLD_BLOB = "a".repeat(40);
const PLAN_PATH = ".planwright/plans/42-add-2fa.yaml";

const plan = (risk = "low") => `version: 1
id: 42-add-2fa
title: Add 2FA
request: add 2FA
risk: ${risk}
phases:
  - id: main
    tasks:
      - id: docs
        title: Document 2FA
        write: { path: docs/2fa.md, content: "# 2FA" }
`;

function config(text = ""): Config {
  const { config: c, diagnostics } = parseConfig(text);
  if (!c) throw new Error(diagnostics.map((d) => d.message).join("; "));
  return c;
}

const user = (login: string, type = "User") => ({ login, id: 1, type });

const pullReply = {
  number: 12,
  title: "Plan: Add 2FA (#42)",
  body: "",
  state: "open",
  merged: false,
  user: user("planwright[bot]", "Bot"),
  head: { ref: "planwright/42-add-2fa", sha: HEAD, repo: { full_name: "o/r" } },
  base: { ref: "main", sha: "0".repeat(40), repo: { full_name: "o/r" } },
  html_url: "https://github.com/o/r/pull/12",
};

let reviewId = 100;
const review = (login: string, state: string, commit = HEAD, type = "User") => ({
  id: reviewId++,
  user: user(login, type),
  state,
  body: "",
  commit_id: commit,
  submitted_at: new Date(Date.UTC(2026, 0, 1, 0, reviewId)).toISOString(),
});

const contents = (text: string, sha: string) => ({
  type: "file",
  path: PLAN_PATH,
  sha,
  encoding: "base64",
  content: Buffer.from(text).toString("base64"),
});

/** Counts every request the scope answers, by "METHOD path". */
function mock() {
  const scope = nock(API);
  const check = checkAllRequests(scope);
  const seen: string[] = [];
  scope.on("request", (req: { method: string; url: string }) => {
    seen.push(`${req.method} ${new URL(req.url, API).pathname}`);
  });
  const gateway = createGateway(new Octokit({ auth: "test-token", request: { retries: 0 } }), {
    owner: "o",
    repo: "r",
  });
  return {
    scope,
    gateway,
    seen,
    done() {
      scope.done();
      check.assertValid();
    },
  };
}

function basics(scope: nock.Scope, reviews: object[], planText = plan(), withPull = true) {
  if (withPull) scope.get("/repos/o/r/pulls/12").reply(200, pullReply);
  scope
    .get("/repos/o/r/pulls/12/reviews")
    .query(true)
    .reply(200, reviews)
    .get(`/repos/o/r/contents/${encodeURIComponent(PLAN_PATH)}`)
    .query({ ref: HEAD })
    .reply(200, contents(planText, BLOB));
}

let checkBodies: Record<string, unknown>[] = [];
function expectCheckRun(scope: nock.Scope) {
  scope
    .post("/repos/o/r/check-runs")
    .reply(201, { id: 77, name: "planwright", head_sha: HEAD, status: "completed", conclusion: null });
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  checkBodies = [];
});

describe("evaluateApproval", () => {
  it("one reviewer on the head, /execute mode: five requests (four beyond the reviews)", async () => {
    const gh = mock();
    basics(gh.scope, [review("alice", "COMMENTED"), review("alice", "APPROVED")]);
    gh.scope.get("/repos/o/r/collaborators/alice/permission").reply(200, { permission: "write" });
    gh.scope
      .post("/repos/o/r/check-runs", (body: Record<string, unknown>) => {
        checkBodies.push(body);
        return true;
      })
      .reply(201, {
        id: 77,
        name: "planwright",
        head_sha: HEAD,
        status: "completed",
        conclusion: "action_required",
      });
    const result = await evaluateApproval({
      gateway: gh.gateway,
      pull: 12,
      config: config("execution: { auto_execute: false }"),
      planPath: PLAN_PATH,
    });
    gh.done();
    expect(result).toMatchObject({
      satisfied: true,
      dispatched: false,
      summary: "approved by @alice; comment /execute to run it",
      planBlob: BLOB,
      risk: "low",
      checkRunId: 77,
    });
    expect(gh.seen.filter((r) => !r.includes("/reviews"))).toHaveLength(4);
    expect(checkBodies[0]).toMatchObject({
      name: "planwright",
      head_sha: HEAD,
      status: "completed",
      conclusion: "action_required",
      external_id: "42-add-2fa",
      output: { title: "approved by @alice; comment /execute to run it" },
      actions: [{ label: "Execute", identifier: "execute" }],
    });
  });

  it("dispatches the workflow on the default branch when approved and auto_execute is on", async () => {
    const gh = mock();
    basics(gh.scope, [review("alice", "approved")]);
    let dispatched: unknown;
    gh.scope
      .get("/repos/o/r/collaborators/alice/permission")
      .reply(200, { permission: "admin" })
      .get("/repos/o/r")
      .reply(200, { default_branch: "trunk" })
      .get("/repos/o/r/git/ref/heads%2Ftrunk")
      .reply(200, { ref: "refs/heads/trunk", object: { sha: "3".repeat(40), type: "commit" } })
      .post("/repos/o/r/actions/workflows/planwright.yml/dispatches", (body: unknown) => {
        dispatched = body;
        return true;
      })
      .reply(204)
      .post("/repos/o/r/check-runs", (body: Record<string, unknown>) => {
        checkBodies.push(body);
        return true;
      })
      .reply(201, { id: 78, name: "planwright", head_sha: HEAD, status: "in_progress", conclusion: null });
    const result = await evaluateApproval({
      gateway: gh.gateway,
      pull: 12,
      config: config(),
      planPath: PLAN_PATH,
    });
    gh.done();
    expect(result).toMatchObject({
      satisfied: true,
      dispatched: true,
      summary: "approved by @alice, executing",
    });
    expect(dispatched).toEqual({
      ref: "trunk",
      inputs: { command: "execute", pr: "12", plan: PLAN_PATH, "plan-blob": BLOB },
    });
    expect(checkBodies[0]).toMatchObject({
      status: "in_progress",
      output: { title: "approved by @alice, executing" },
    });
    // The PR, the plan, one permission, the repository, its default branch, the dispatch, the check run.
    expect(gh.seen.filter((r) => !r.includes("/reviews"))).toHaveLength(7);
  });

  it("with the PR and default branch from the webhook payload: four requests beyond the reviews, dispatch included", async () => {
    const gh = mock();
    basics(gh.scope, [review("alice", "APPROVED")], plan(), false);
    gh.scope
      .get("/repos/o/r/collaborators/alice/permission")
      .reply(200, { permission: "write" })
      .post("/repos/o/r/actions/workflows/planwright.yml/dispatches")
      .reply(204)
      .post("/repos/o/r/check-runs")
      .reply(201, { id: 79, name: "planwright", head_sha: HEAD, status: "in_progress", conclusion: null });
    const result = await evaluateApproval({
      gateway: gh.gateway,
      pull: {
        number: 12,
        title: "",
        body: "",
        state: "open",
        merged: false,
        user: { login: "planwright[bot]", type: "Bot" },
        headRef: "planwright/42-add-2fa",
        headSha: HEAD,
        baseRef: "main",
        fromFork: false,
        htmlUrl: "",
      },
      config: config(),
      planPath: PLAN_PATH,
      defaultBranch: "main",
    });
    gh.done();
    expect(result.dispatched).toBe(true);
    expect(gh.seen.filter((r) => !r.includes("/reviews"))).toHaveLength(4);
  });

  it("awaits a second approval for a high-risk plan and explains the stale one", async () => {
    const gh = mock();
    basics(gh.scope, [review("alice", "APPROVED"), review("bob", "APPROVED", OLD)], plan("high"));
    gh.scope
      .get("/repos/o/r/collaborators/alice/permission")
      .reply(200, { permission: "write" })
      .get("/repos/o/r/collaborators/bob/permission")
      .reply(200, { permission: "maintain" })
      .get(`/repos/o/r/contents/${encodeURIComponent(PLAN_PATH)}`)
      .query({ ref: OLD })
      .reply(200, contents("old plan", OLD_BLOB))
      .post("/repos/o/r/check-runs", (body: Record<string, unknown>) => {
        checkBodies.push(body);
        return true;
      })
      .reply(201, {
        id: 80,
        name: "planwright",
        head_sha: HEAD,
        status: "completed",
        conclusion: "action_required",
      });
    const result = await evaluateApproval({
      gateway: gh.gateway,
      pull: 12,
      config: config(),
      planPath: PLAN_PATH,
    });
    gh.done();
    expect(result.summary).toBe("awaiting approval: 1 of 2 approvals; @bob's approval is for an older plan");
    expect(result.satisfied).toBe(false);
    expect(result.dispatched).toBe(false);
    expect(checkBodies[0]).toMatchObject({
      conclusion: "action_required",
      output: { title: "awaiting approval: 1 of 2 approvals; @bob's approval is for an older plan" },
    });
    const summary = (checkBodies[0]?.output as { summary: string }).summary;
    expect(summary).toContain("risk **high**: 2 approvals needed");
    expect(summary).toContain("- not counted: @bob's approval is for an older plan");
  });

  it("asks nothing about bots, read-only reviewers' blobs or cached answers", async () => {
    const gh = mock();
    const reviews = [
      review("dependabot[bot]", "APPROVED", OLD, "Bot"),
      review("dave", "APPROVED", OLD),
      review("carol", "CHANGES_REQUESTED", OLD),
    ];
    basics(gh.scope, reviews);
    gh.scope
      .get("/repos/o/r/collaborators/dave/permission")
      .reply(200, { permission: "read" })
      .get("/repos/o/r/collaborators/carol/permission")
      .reply(200, { permission: "write" });
    const cache = createApprovalCache();
    const first = await evaluateApproval({
      gateway: gh.gateway,
      pull: 12,
      config: config(),
      planPath: PLAN_PATH,
      cache,
      report: false,
    });
    gh.done();
    expect(first.summary).toBe(
      "awaiting approval: 0 of 1 approval; changes requested by @carol (blocks until they approve or the review is dismissed); @dependabot[bot]'s approval does not count (a bot); @dave's approval does not count (read permission; approvals need write)",
    );
    nock.cleanAll();

    const again = mock();
    basics(again.scope, reviews);
    const second = await evaluateApproval({
      gateway: again.gateway,
      pull: 12,
      config: config(),
      planPath: PLAN_PATH,
      cache,
      report: false,
    });
    again.done();
    expect(second.summary).toBe(first.summary);
    expect(again.seen).toHaveLength(3);
  });

  it("fails the check with annotations when the plan does not validate", async () => {
    const gh = mock();
    basics(gh.scope, [review("alice", "APPROVED")], plan().replace("title: Add 2FA", "titel: Add 2FA"));
    gh.scope
      .post("/repos/o/r/check-runs", (body: Record<string, unknown>) => {
        checkBodies.push(body);
        return true;
      })
      .reply(201, { id: 81, name: "planwright", head_sha: HEAD, status: "completed", conclusion: "failure" });
    const result = await evaluateApproval({
      gateway: gh.gateway,
      pull: 12,
      config: config(),
      planPath: PLAN_PATH,
    });
    gh.done();
    expect(result).toMatchObject({ satisfied: false, summary: "the plan does not validate (2 problems)" });
    expect(checkBodies[0]).toMatchObject({ conclusion: "failure" });
    const output = checkBodies[0]?.output as { summary: string; annotations: { start_line: number }[] };
    expect(output.summary).toContain('unknown key "titel" (did you mean "title"?)');
    expect(output.annotations.map((a) => a.start_line)).toEqual([1, 3]);
  });

  it("fails the check when there is no plan file on the head", async () => {
    const gh = mock();
    gh.scope
      .get("/repos/o/r/pulls/12")
      .reply(200, pullReply)
      .get("/repos/o/r/pulls/12/reviews")
      .query(true)
      .reply(200, [])
      .get(`/repos/o/r/contents/${encodeURIComponent(PLAN_PATH)}`)
      .query({ ref: HEAD })
      .reply(404, { message: "Not Found" });
    expectCheckRun(gh.scope);
    const result = await evaluateApproval({
      gateway: gh.gateway,
      pull: 12,
      config: config(),
      planPath: PLAN_PATH,
    });
    gh.done();
    expect(result).toMatchObject({
      satisfied: false,
      summary: `no plan file at ${PLAN_PATH} on the head commit`,
    });
  });

  it("reports a workflow that cannot be dispatched instead of claiming to execute", async () => {
    const gh = mock();
    basics(gh.scope, [review("alice", "APPROVED")]);
    gh.scope
      .get("/repos/o/r/collaborators/alice/permission")
      .reply(200, { permission: "write" })
      .post("/repos/o/r/actions/workflows/planwright.yml/dispatches")
      .reply(404, { message: "Not Found" })
      .post("/repos/o/r/check-runs", (body: Record<string, unknown>) => {
        checkBodies.push(body);
        return true;
      })
      .reply(201, { id: 82, name: "planwright", head_sha: HEAD, status: "completed", conclusion: "failure" });
    const result = await evaluateApproval({
      gateway: gh.gateway,
      pull: 12,
      config: config(),
      planPath: PLAN_PATH,
      defaultBranch: "main",
    });
    gh.done();
    expect(result.dispatched).toBe(false);
    expect(result.summary).toMatch(/^approved by @alice; could not start workflow planwright\.yml: /);
    expect(checkBodies[0]).toMatchObject({ conclusion: "failure" });
  });

  it("does not execute a pull request from a fork unless allowed", async () => {
    const gh = mock();
    gh.scope.get("/repos/o/r/pulls/12").reply(200, {
      ...pullReply,
      head: { ...pullReply.head, repo: { full_name: "mallory/r" } },
    });
    basics(gh.scope, [review("alice", "APPROVED")], plan(), false);
    gh.scope.get("/repos/o/r/collaborators/alice/permission").reply(200, { permission: "write" });
    expectCheckRun(gh.scope);
    const result = await evaluateApproval({
      gateway: gh.gateway,
      pull: 12,
      config: config(),
      planPath: PLAN_PATH,
    });
    gh.done();
    expect(result).toMatchObject({
      satisfied: true,
      dispatched: false,
      summary: "approved by @alice; the pull request comes from a fork (execution.allow_forks is false)",
    });
  });
});
