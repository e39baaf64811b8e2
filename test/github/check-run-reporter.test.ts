/**
 * The engine reports a task commit before its push has landed. A sync of the reporter falling in
 * between meets GitHub's "No commit found for SHA" (422) for the task's check run and for the plan
 * check run on the new head; both are created at a later sync instead of being lost. Against the
 * GitHub stand-in, which answers as GitHub does for a commit it does not have.
 */
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckRunReporter } from "../../src/github/check-run-reporter.js";
import { createGateway } from "../../src/github/octokit-gateway.js";
import { planSchema } from "../../src/plan/schema.js";
import { cloneTestRepo } from "../helpers/git-repo.js";
import { startSandbox, type GitHubSandbox } from "../sandbox/github-sandbox.js";

let sandbox: GitHubSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ files: { "README.md": "# accounts\n" } });
}, 30_000);
afterAll(async () => {
  await sandbox?.close();
});

const plan = planSchema.parse({
  version: 1,
  id: "1-docs",
  title: "Docs",
  request: "docs",
  phases: [{ id: "all", tasks: [{ id: "t1", title: "Write", write: { path: "a.md", content: "a\n" } }] }],
});

/** A commit on a clone of the stand-in's repository, not pushed yet; `push()` lands it. */
async function unpushedCommit(branch: string) {
  const clone = await cloneTestRepo(sandbox.remote);
  await clone.git("checkout", "-q", "-b", branch);
  await clone.write({ [`${branch}.md`]: "a\n" });
  await clone.git("add", "-A");
  await clone.git("commit", "-qm", "Write");
  const sha = await clone.git("rev-parse", "HEAD");
  return { sha, push: () => clone.git("push", "-q", "origin", `HEAD:refs/heads/${branch}`), clone };
}

function reporterFor(head: string, warnings: string[]) {
  const gateway = createGateway(
    new Octokit({
      baseUrl: sandbox.url,
      auth: sandbox.state.issueToken("planwright[bot]"),
      request: { retries: 0 },
    }),
    { owner: "acme", repo: "accounts" },
  );
  // retries go one interval apart: a few syncs before the push must not use them all up
  return new CheckRunReporter({ plan, gateway, head, intervalMs: 150, onWarning: (w) => warnings.push(w) });
}

const runsOn = (sha: string) =>
  [...sandbox.state.checkRuns.values()].filter((r) => r.headSha === sha).map((r) => r.name);
const idle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe("check runs for a commit whose push has not landed yet", () => {
  it("are created once the push lands, none lost and no warning", async () => {
    const head = (await sandbox.git.branchHead("main")) ?? "";
    const commit = await unpushedCommit("planwright/1-docs");
    const warnings: string[] = [];
    const reporter = reporterFor(head, warnings);
    reporter.event({ type: "run-started", planId: plan.id, tasks: 1, done: 0, at: Date.now() });
    reporter.event({ type: "task-started", taskId: "t1", at: Date.now() });
    reporter.event({
      type: "task-committed",
      taskId: "t1",
      sha: commit.sha,
      durationMs: 5,
      attempts: 1,
      at: Date.now(),
    });
    await idle(); // a sync runs now, before the push: GitHub does not know the commit
    expect(runsOn(commit.sha)).toEqual([]);
    await commit.push();
    reporter.event({
      type: "run-finished",
      outcome: "succeeded",
      message: "",
      usage: reporter.view.usage,
      durationMs: 5,
      at: Date.now(),
    });
    await reporter.flush();
    expect(runsOn(commit.sha).sort()).toEqual(["planwright", "planwright / t1"]);
    expect(warnings).toEqual([]);
    await commit.clone.cleanup();
  });

  it("gives up with a warning after a bounded number of tries when the commit never lands", async () => {
    const head = (await sandbox.git.branchHead("main")) ?? "";
    const commit = await unpushedCommit("planwright/never");
    const warnings: string[] = [];
    const reporter = reporterFor(head, warnings);
    reporter.event({
      type: "task-committed",
      taskId: "t1",
      sha: commit.sha,
      durationMs: 5,
      attempts: 1,
      at: Date.now(),
    });
    sandbox.resetCounts();
    await reporter.flush();
    await idle();
    expect(runsOn(commit.sha)).toEqual([]);
    expect(warnings.some((w) => w.includes("No commit found for SHA"))).toBe(true);
    const creates = sandbox.counts()["POST /repos/{owner}/{repo}/check-runs"] ?? 0;
    expect(creates).toBeGreaterThan(1);
    expect(creates).toBeLessThanOrEqual(8);
    await commit.clone.cleanup();
  });
});
