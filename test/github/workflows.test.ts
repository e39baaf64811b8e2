import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { createGateway } from "../../src/github/octokit-gateway.js";
import { checkAllRequests } from "../helpers/openapi.js";
import { GITHUB_API, mockGitHub } from "../helpers/github-nock.js";

afterEach(() => {
  nock.cleanAll();
});

describe("workflows", () => {
  it("dispatches a workflow with ref and inputs", async () => {
    const gh = mockGitHub();
    gh.scope
      .post("/repos/o/r/actions/workflows/planwright.yml/dispatches", {
        ref: "planwright/7-x",
        inputs: { plan: "7-x", pr: "9" },
      })
      .reply(204);
    await gh.gateway.dispatchWorkflow("planwright.yml", "planwright/7-x", { plan: "7-x", pr: "9" });
    gh.done();
  });

  it("refuses more than 25 inputs before asking GitHub", async () => {
    const gh = mockGitHub();
    const inputs = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`k${i}`, "v"]));
    await expect(gh.gateway.dispatchWorkflow("planwright.yml", "main", inputs)).rejects.toThrow(
      "cannot start workflow planwright.yml: 26 inputs, GitHub takes at most 25",
    );
    expect(gh.check.requests).toHaveLength(0);
    gh.done();
  });

  it("lists runs filtered by status and branch, and cancels one (409 when finished is fine)", async () => {
    const gh = mockGitHub();
    gh.scope
      .get("/repos/o/r/actions/workflows/planwright.yml/runs")
      .query({ per_page: "100", status: "in_progress", branch: "planwright/7-x" })
      .reply(200, {
        total_count: 1,
        workflow_runs: [
          {
            id: 55,
            status: "in_progress",
            conclusion: null,
            head_branch: "planwright/7-x",
            event: "workflow_dispatch",
            html_url: "https://github.com/o/r/actions/runs/55",
            created_at: "2026-01-01T00:00:00Z",
            display_title: "planwright execute #7",
          },
        ],
      })
      .post("/repos/o/r/actions/runs/55/cancel")
      .reply(202, {})
      .post("/repos/o/r/actions/runs/56/cancel")
      .reply(409, { message: "Cannot cancel a workflow run that is completed." });
    const runs = await gh.gateway.listWorkflowRuns("planwright.yml", {
      status: "in_progress",
      branch: "planwright/7-x",
    });
    expect(runs).toEqual([
      {
        id: 55,
        status: "in_progress",
        conclusion: null,
        headBranch: "planwright/7-x",
        event: "workflow_dispatch",
        htmlUrl: "https://github.com/o/r/actions/runs/55",
        createdAt: "2026-01-01T00:00:00Z",
        displayTitle: "planwright execute #7",
      },
    ]);
    await gh.gateway.cancelWorkflowRun(55);
    await gh.gateway.cancelWorkflowRun(56);
    gh.done();
  });
});

describe("Probot's Octokit", () => {
  it("serves the same gateway (retry and throttling off)", async () => {
    nock.disableNetConnect();
    const scope = nock(GITHUB_API)
      .get("/repos/o/r/collaborators/alice/permission")
      .reply(200, { permission: "admin", role_name: "admin" });
    const check = checkAllRequests(scope);
    const octokit = new ProbotOctokit({
      auth: { token: "test" },
      retry: { enabled: false },
      throttle: { enabled: false },
    });
    const gateway = createGateway(octokit, { owner: "o", repo: "r" });
    expect(await gateway.permissionOf("alice")).toBe("admin");
    scope.done();
    check.assertValid();
  });
});
