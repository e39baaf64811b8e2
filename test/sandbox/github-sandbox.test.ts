import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError } from "../../src/errors.js";
import { createGateway } from "../../src/github/octokit-gateway.js";
import { cloneTestRepo } from "../helpers/git-repo.js";
import { startSandbox, type GitHubSandbox } from "./github-sandbox.js";

let sandbox: GitHubSandbox;
let octokit: Octokit;

beforeAll(async () => {
  sandbox = await startSandbox({
    files: { "README.md": "# accounts\n", "src/a.ts": "export const a = 1;\n" },
    users: [
      { login: "maya", permission: "admin" },
      { login: "rita", permission: "read" },
    ],
  });
  octokit = new Octokit({
    baseUrl: sandbox.url,
    auth: sandbox.state.issueToken("maya"),
    request: { retries: 0 },
  });
}, 30_000);

afterAll(async () => {
  await sandbox?.close();
});

const repo = { owner: "acme", repo: "accounts" };

describe("GitHub sandbox: issues, comments, permissions", () => {
  it("refuses requests without a known token", async () => {
    const anonymous = new Octokit({ baseUrl: sandbox.url, auth: "nope", request: { retries: 0 } });
    await expect(anonymous.rest.repos.get(repo)).rejects.toMatchObject({ status: 401 });
  });

  it("serves issues, paginated comments, reactions, labels and permissions", async () => {
    const issue = await sandbox.createIssue("maya", "Add 2FA", "we need it");
    for (let i = 0; i < 35; i++)
      await octokit.rest.issues.createComment({ ...repo, issue_number: issue.number, body: `c${i}` });
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: issue.number,
      per_page: 10,
    });
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 35 }, (_, i) => `c${i}`));
    const first = all[0];
    if (!first) throw new Error("no comment");
    await octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: first.id, content: "eyes" });
    expect(sandbox.state.reactions).toHaveLength(1);
    await octokit.rest.issues.addLabels({ ...repo, issue_number: issue.number, labels: ["planwright"] });
    expect(
      (await octokit.rest.issues.get({ ...repo, issue_number: issue.number })).data.labels,
    ).toMatchObject([{ name: "planwright" }]);
    const gateway = createGateway(octokit, repo);
    expect(await gateway.permissionOf("maya")).toBe("admin");
    expect(await gateway.permissionOf("rita")).toBe("read");
    expect(await gateway.permissionOf("stranger")).toBe("none");
    expect(sandbox.violations).toEqual([]);
  });

  it("lets only the author, writers and apps edit a comment", async () => {
    const issue = await sandbox.createIssue("maya", "edit test");
    const comment = await sandbox.comment("maya", issue.number, "mine");
    const reader = new Octokit({
      baseUrl: sandbox.url,
      auth: sandbox.state.issueToken("rita"),
      request: { retries: 0 },
    });
    await expect(
      reader.rest.issues.updateComment({ ...repo, comment_id: comment.id, body: "x" }),
    ).rejects.toMatchObject({ status: 403 });
    const app = new Octokit({
      baseUrl: sandbox.url,
      auth: sandbox.state.issueToken("planwright[bot]"),
      request: { retries: 0 },
    });
    await app.rest.issues.updateComment({ ...repo, comment_id: comment.id, body: "edited" });
    expect(sandbox.state.comments.get(comment.id)?.history).toEqual(["mine", "edited"]);
  });
});

describe("GitHub sandbox: git data over a real bare repository", () => {
  it("commits through the real gateway, visible to git clone, and refuses a non-fast-forward", async () => {
    const gateway = createGateway(octokit, repo);
    const main = await gateway.defaultBranch();
    expect(main.name).toBe("main");
    const { sha } = await gateway.commitFiles({
      branch: "feature",
      parentSha: main.sha,
      message: "Add b\n\nPlanwright-Task: b",
      files: [
        { path: "src/b.ts", content: "export const b = 2;\n" },
        { path: "src/a.ts", content: null },
      ],
      createBranch: true,
    });
    expect(await gateway.branchHead("feature")).toBe(sha);
    expect((await gateway.readFile("src/b.ts", "feature"))?.content).toBe("export const b = 2;\n");
    expect(await gateway.readFile("src/a.ts", "feature")).toBeUndefined();
    expect((await gateway.listTree("feature")).paths.sort()).toEqual(["README.md", "src/b.ts"]);
    const commits = await gateway.listCommits("feature", main.sha);
    expect(commits.map((c) => c.message)).toEqual(["Add b\n\nPlanwright-Task: b"]);

    const clone = await cloneTestRepo(sandbox.remote);
    try {
      await clone.git("checkout", "--quiet", "feature");
      expect(await clone.git("log", "-1", "--format=%s")).toBe("Add b");
    } finally {
      await clone.cleanup();
    }
    // A commit on main's old head does not fast-forward feature.
    await expect(
      gateway.commitFiles({
        branch: "feature",
        parentSha: main.sha,
        message: "x",
        files: [{ path: "x", content: "x" }],
        createBranch: false,
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(sandbox.violations).toEqual([]);
  });

  it("shows a push by a person on the branch (head sha read from git)", async () => {
    const gateway = createGateway(octokit, repo);
    const before = await gateway.branchHead("feature");
    const sha = await sandbox.pushAs("rita", "feature", { "notes.md": "hi\n" }, "notes");
    expect(sha).not.toBe(before);
    const commits = await gateway.listCommits("feature", before);
    expect(commits).toMatchObject([{ sha, author: "rita", message: "notes" }]);
  });
});

describe("GitHub sandbox: pulls, reviews, checks, workflows", () => {
  it("opens a PR, records reviews with inline comments, check runs and a dispatched run", async () => {
    const gateway = createGateway(octokit, repo);
    const pull = await gateway.createPull({ title: "Plan", head: "feature", base: "main", body: "body" });
    expect(pull).toMatchObject({ headRef: "feature", baseRef: "main", fromFork: false, state: "open" });
    expect((await gateway.findPullForBranch("feature"))?.number).toBe(pull.number);
    await expect(
      gateway.createPull({ title: "again", head: "feature", base: "main", body: "" }),
    ).rejects.toThrow(/already exists/);

    await sandbox.review("rita", pull.number, {
      state: "CHANGES_REQUESTED",
      body: "no",
      comments: [{ path: "src/b.ts", line: 1, body: "rename" }],
    });
    const reviews = await gateway.listReviews(pull.number);
    expect(reviews).toMatchObject([
      { state: "CHANGES_REQUESTED", commitId: pull.headSha, user: { login: "rita" } },
    ]);
    const inline = await gateway.listReviewComments(pull.number, reviews[0]?.id);
    expect(inline).toMatchObject([{ path: "src/b.ts", body: "rename" }]);

    const check = await gateway.createCheckRun({
      name: "planwright",
      headSha: pull.headSha,
      status: "in_progress",
      title: "Awaiting approval",
      summary: "s",
    });
    await gateway.updateCheckRun(check.id, {
      status: "completed",
      conclusion: "success",
      title: "Done",
      summary: "done",
    });
    expect(await gateway.findCheckRun(pull.headSha, "planwright")).toMatchObject({
      id: check.id,
      conclusion: "success",
    });

    const ran: Record<string, string>[] = [];
    sandbox.setRunner(async (run) => {
      ran.push(run.inputs);
      return "success";
    });
    await sandbox.pushAs(
      "maya",
      "main",
      { ".github/workflows/planwright.yml": "on: workflow_dispatch\n" },
      "workflow",
    );
    await gateway.dispatchWorkflow("planwright.yml", "main", { command: "execute", pr: String(pull.number) });
    await sandbox.idle();
    expect(ran).toEqual([{ command: "execute", pr: String(pull.number) }]);
    expect(await gateway.listWorkflowRuns("planwright.yml")).toMatchObject([
      { status: "completed", conclusion: "success" },
    ]);
    expect(sandbox.violations).toEqual([]);
  });
});

describe("GitHub sandbox: webhooks, faults, counting", () => {
  it("signs webhooks with the secret, and can send a wrong or missing signature", async () => {
    const received: { event: string; valid: boolean; signed: boolean }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const expected = `sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`;
        const signature = req.headers["x-hub-signature-256"];
        received.push({
          event: String(req.headers["x-github-event"]),
          valid: signature === expected,
          signed: signature !== undefined,
        });
        res.writeHead(signature === expected ? 200 : 401).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      sandbox.setWebhook({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        secret: "s3cret",
      });
      const issue = await sandbox.createIssue("maya", "hooks");
      await sandbox.comment("maya", issue.number, "/plan add 2FA");
      await sandbox.idle();
      expect(received.slice(-2)).toEqual([
        { event: "issues", valid: true, signed: true },
        { event: "issue_comment", valid: true, signed: true },
      ]);
      const wrong = await sandbox.deliver("ping", { zen: "hi" }, { signature: "wrong" });
      const none = await sandbox.deliver("ping", { zen: "hi" }, { signature: "none" });
      expect([wrong.status, none.status]).toEqual([401, 401]);
      expect(received.slice(-2)).toEqual([
        { event: "ping", valid: false, signed: true },
        { event: "ping", valid: false, signed: false },
      ]);
    } finally {
      sandbox.setWebhook(undefined);
      server.close();
    }
  });

  it("injects faults deterministically and counts requests per route", async () => {
    sandbox.resetCounts();
    sandbox.setFaults({ rate: 1, kinds: ["502"] });
    await expect(octokit.rest.repos.get(repo)).rejects.toMatchObject({ status: 502 });
    sandbox.setFaults({ rate: 1, kinds: ["secondary"] });
    const limited = await octokit.rest.repos
      .get(repo)
      .catch((error: { status: number; response?: { headers: Record<string, string> } }) => error);
    expect(limited).toMatchObject({ status: 403, response: { headers: { "retry-after": "1" } } });
    sandbox.setFaults({ rate: 1, kinds: ["drop"] });
    await expect(octokit.rest.repos.get(repo)).rejects.toThrow();
    sandbox.setFaults({ rate: 0.2, seed: 7 });
    let failures = 0;
    for (let i = 0; i < 100; i++) await octokit.rest.repos.get(repo).catch(() => failures++);
    sandbox.setFaults(undefined);
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(35);
    expect(sandbox.counts()).toEqual({ "GET /repos/{owner}/{repo}": 103 });
  });
});
