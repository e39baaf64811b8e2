import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { GITHUB_API, mockGitHub } from "../helpers/github-nock.js";

afterEach(() => {
  nock.cleanAll();
});

const user = (login: string, type = "User") => ({ login, type, id: 1 });
const comment = (id: number, body: string, author = user("someone")) => ({
  id,
  body,
  user: author,
  created_at: "2026-01-01T00:00:00Z",
});
const bot = user("planwright[bot]", "Bot");
const nextPage = (path: string, page: number) => ({
  link: `<${GITHUB_API}${path}?per_page=100&page=${page}>; rel="next"`,
});

describe("permissionOf", () => {
  it("prefers role_name, which alone names maintain and triage", async () => {
    const gh = mockGitHub();
    const path = "/repos/o/r/collaborators/alice/permission";
    gh.scope
      .get(path)
      .reply(200, { permission: "write", role_name: "maintain", user: user("alice") })
      .get(path)
      .reply(200, { permission: "read", role_name: "triage", user: user("alice") })
      .get(path)
      .reply(200, { permission: "write", role_name: "release-managers", user: user("alice") });
    expect(await gh.gateway.permissionOf("alice")).toBe("maintain");
    expect(await gh.gateway.permissionOf("alice")).toBe("triage");
    // A custom role: its base permission is the legacy field.
    expect(await gh.gateway.permissionOf("alice")).toBe("write");
    gh.done();
  });

  it("reads a 404 as no permission", async () => {
    const gh = mockGitHub();
    gh.scope.get("/repos/o/r/collaborators/ghost/permission").reply(404, { message: "Not Found" });
    expect(await gh.gateway.permissionOf("ghost")).toBe("none");
    gh.done();
  });
});

describe("issues and comments", () => {
  it("reads an issue with its labels and whether it is a pull request", async () => {
    const gh = mockGitHub();
    gh.scope.get("/repos/o/r/issues/42").reply(200, {
      number: 42,
      title: "Add 2FA",
      body: null,
      user: user("alice"),
      labels: [{ name: "planwright" }, "plain"],
      pull_request: { url: "x" },
    });
    expect(await gh.gateway.getIssue(42)).toEqual({
      number: 42,
      title: "Add 2FA",
      body: "",
      user: { login: "alice", type: "User" },
      isPullRequest: true,
      labels: ["planwright", "plain"],
    });
    gh.done();
  });

  it("creates and updates comments with secrets redacted", async () => {
    const gh = mockGitHub();
    const token = `ghp_${"a".repeat(36)}`;
    gh.scope
      .post("/repos/o/r/issues/7/comments", { body: "token [redacted] leaked" })
      .reply(201, comment(11, "token [redacted] leaked"))
      .patch("/repos/o/r/issues/comments/11", { body: "fixed [redacted]" })
      .reply(200, comment(11, "fixed"));
    const created = await gh.gateway.createComment(7, `token ${token} leaked`);
    expect(created).toMatchObject({ id: 11, user: { login: "someone" } });
    await gh.gateway.updateComment(11, `fixed ${token}`);
    gh.done();
  });

  it("upsertComment finds the marker on page 3 and edits that comment in place", async () => {
    const gh = mockGitHub();
    const path = "/repos/o/r/issues/7/comments";
    const marker = "<!-- planwright:status plan=7-x -->";
    const page = (from: number) =>
      Array.from({ length: 100 }, (_, i) => comment(from + i, `chat ${from + i}`));
    gh.scope
      .get(path)
      .query({ per_page: "100" })
      .reply(200, page(1), nextPage(path, 2))
      .get(path)
      .query({ per_page: "100", page: "2" })
      .reply(200, page(101), nextPage(path, 3))
      .get(path)
      .query({ per_page: "100", page: "3" })
      .reply(200, [comment(201, "chat"), comment(202, `${marker}\nold status`, bot)])
      .patch("/repos/o/r/issues/comments/202", { body: `${marker}\nnew status` })
      .reply(200, comment(202, `${marker}\nnew status`, bot));
    const result = await gh.gateway.upsertComment(7, marker, `${marker}\nnew status`);
    expect(result).toMatchObject({ id: 202, body: `${marker}\nnew status` });
    expect(gh.check.requests).toHaveLength(4);
    gh.done();
  });

  it("upsertComment creates the comment (marker included) when none has the marker", async () => {
    const gh = mockGitHub();
    const marker = "<!-- planwright:status plan=7-x -->";
    gh.scope
      .get("/repos/o/r/issues/7/comments")
      .query(true)
      .reply(200, [comment(1, "hello")])
      .post("/repos/o/r/issues/7/comments", { body: `${marker}\nstatus` })
      .reply(201, comment(2, `${marker}\nstatus`));
    expect(await gh.gateway.upsertComment(7, marker, "status")).toMatchObject({ id: 2 });
    gh.done();
  });

  it("upsertComment sends nothing when the comment already says it", async () => {
    const gh = mockGitHub();
    const marker = "<!-- m -->";
    gh.scope
      .get("/repos/o/r/issues/7/comments")
      .query(true)
      .reply(200, [comment(3, `${marker} same`, bot)]);
    expect(await gh.gateway.upsertComment(7, marker, `${marker} same`)).toMatchObject({ id: 3 });
    expect(gh.check.requests).toHaveLength(1);
    gh.done();
  });

  it("upsertComment never takes over a person's comment that quotes the marker", async () => {
    const gh = mockGitHub();
    const marker = "<!-- planwright:status plan=7-x -->";
    gh.scope
      .get("/repos/o/r/issues/7/comments")
      .query(true)
      .reply(200, [comment(1, `${marker} fake status: approved`), comment(2, `${marker}\nold`, bot)])
      .patch("/repos/o/r/issues/comments/2", { body: `${marker}\nnew` })
      .reply(200, comment(2, `${marker}\nnew`, bot));
    expect(await gh.gateway.upsertComment(7, marker, `${marker}\nnew`)).toMatchObject({ id: 2 });
    gh.done();
  });

  it("adds reactions and labels, and skips an empty label list", async () => {
    const gh = mockGitHub();
    gh.scope
      .post("/repos/o/r/issues/comments/5/reactions", { content: "eyes" })
      .reply(201, { id: 1, content: "eyes" })
      .post("/repos/o/r/issues/7/labels", { labels: ["planwright"] })
      .reply(200, [{ name: "planwright" }]);
    await gh.gateway.addReaction(5, "eyes");
    await gh.gateway.addLabels(7, ["planwright"]);
    await gh.gateway.addLabels(7, []);
    expect(gh.check.requests).toHaveLength(2);
    gh.done();
  });
});

const pull = (number: number, headRef: string, forkName = "o/r") => ({
  number,
  title: "Plan",
  body: "body",
  state: "open",
  merged: false,
  user: user("planwright[bot]", "Bot"),
  head: { ref: headRef, sha: "h".repeat(40), repo: { full_name: forkName } },
  base: { ref: "main", sha: "b".repeat(40), repo: { full_name: "o/r" } },
  html_url: `https://github.com/o/r/pull/${number}`,
});

describe("pull requests and reviews", () => {
  it("creates, reads, finds and updates a pull request", async () => {
    const gh = mockGitHub();
    gh.scope
      .post("/repos/o/r/pulls", { title: "Plan", head: "planwright/7-x", base: "main", body: "b" })
      .reply(201, pull(9, "planwright/7-x"))
      .get("/repos/o/r/pulls/9")
      .reply(200, { ...pull(9, "planwright/7-x"), state: "closed", merged: true })
      .get("/repos/o/r/pulls")
      .query({ head: "o:planwright/7-x", state: "open", per_page: "10" })
      .reply(200, [pull(9, "planwright/7-x")])
      .get("/repos/o/r/pulls")
      .query(true)
      .reply(200, [])
      .patch("/repos/o/r/pulls/9", { body: "new" })
      .reply(200, pull(9, "planwright/7-x"));
    const created = await gh.gateway.createPull({
      title: "Plan",
      head: "planwright/7-x",
      base: "main",
      body: "b",
    });
    expect(created).toMatchObject({ number: 9, headRef: "planwright/7-x", fromFork: false, state: "open" });
    expect(await gh.gateway.getPull(9)).toMatchObject({ state: "closed", merged: true, baseRef: "main" });
    expect(await gh.gateway.findPullForBranch("planwright/7-x")).toMatchObject({ number: 9 });
    expect(await gh.gateway.findPullForBranch("planwright/8-y")).toBeUndefined();
    await gh.gateway.updatePull(9, { body: "new" });
    gh.done();
  });

  it("marks a pull request from a fork", async () => {
    const gh = mockGitHub();
    gh.scope.get("/repos/o/r/pulls/3").reply(200, pull(3, "main", "mallory/r"));
    expect(await gh.gateway.getPull(3)).toMatchObject({ fromFork: true });
    gh.done();
  });

  it("lists reviews over pages with states uppercase", async () => {
    const gh = mockGitHub();
    const path = "/repos/o/r/pulls/9/reviews";
    const review = (id: number, state: string) => ({
      id,
      user: user("bob"),
      state,
      body: "",
      commit_id: "c".repeat(40),
      submitted_at: "2026-01-01T00:00:00Z",
    });
    gh.scope
      .get(path)
      .query({ per_page: "100" })
      .reply(200, [review(1, "approved")], nextPage(path, 2))
      .get(path)
      .query({ per_page: "100", page: "2" })
      .reply(200, [review(2, "CHANGES_REQUESTED"), { ...review(3, "DISMISSED"), user: null }]);
    const reviews = await gh.gateway.listReviews(9);
    expect(reviews.map((r) => [r.id, r.state, r.user.login])).toEqual([
      [1, "APPROVED", "bob"],
      [2, "CHANGES_REQUESTED", "bob"],
      [3, "DISMISSED", "ghost"],
    ]);
    expect(reviews[0]?.commitId).toBe("c".repeat(40));
    gh.done();
  });

  it("lists review comments of a PR or of one review, line falling back to original_line", async () => {
    const gh = mockGitHub();
    const rc = (id: number, line: number | null, original: number) => ({
      id,
      pull_request_review_id: 77,
      user: user("bob"),
      path: "src/a.ts",
      line,
      original_line: original,
      body: "rename",
    });
    gh.scope
      .get("/repos/o/r/pulls/9/comments")
      .query(true)
      .reply(200, [rc(1, 10, 10), rc(2, null, 4)])
      .get("/repos/o/r/pulls/9/reviews/77/comments")
      .query(true)
      .reply(200, [rc(3, 8, 8)]);
    const all = await gh.gateway.listReviewComments(9);
    expect(all.map((c) => [c.id, c.line, c.reviewId])).toEqual([
      [1, 10, 77],
      [2, 4, 77],
    ]);
    expect((await gh.gateway.listReviewComments(9, 77)).map((c) => c.id)).toEqual([3]);
    gh.done();
  });
});

describe("the head of a branch and a commit on top of it", () => {
  const HEAD = "a".repeat(40);
  const TREE = "b".repeat(40);
  const NEW_TREE = "c".repeat(40);
  const COMMIT = "d".repeat(40);

  it("branchCommit reads the head commit and its tree in one request; an absent branch is undefined", async () => {
    const gh = mockGitHub();
    gh.scope
      .get("/repos/o/r/commits")
      .query({ sha: "main", per_page: "1" })
      .reply(200, [{ sha: HEAD, commit: { message: "m", tree: { sha: TREE } }, parents: [] }])
      .get("/repos/o/r/commits")
      .query({ sha: "gone", per_page: "1" })
      .reply(404, { message: "Not Found" });
    expect(await gh.gateway.branchCommit("main")).toEqual({ sha: HEAD, treeSha: TREE });
    expect(await gh.gateway.branchCommit("gone")).toBeUndefined();
    gh.done();
  });

  it("commitFiles with the parent's tree known makes three requests, not four", async () => {
    const gh = mockGitHub();
    const tree = [{ path: "plan.yaml", mode: "100644", type: "blob", content: "version: 1\n" }];
    gh.scope
      .post("/repos/o/r/git/trees", { base_tree: TREE, tree } as nock.RequestBodyMatcher)
      .reply(201, { sha: NEW_TREE, tree: [] })
      .post("/repos/o/r/git/commits", { message: "Plan 7-x", tree: NEW_TREE, parents: [HEAD] })
      .reply(201, { sha: COMMIT })
      .post("/repos/o/r/git/refs", { ref: "refs/heads/planwright/7-x", sha: COMMIT })
      .reply(201, { ref: "refs/heads/planwright/7-x", object: { sha: COMMIT } });
    const result = await gh.gateway.commitFiles({
      branch: "planwright/7-x",
      parentSha: HEAD,
      parentTreeSha: TREE,
      message: "Plan 7-x",
      files: [{ path: "plan.yaml", content: "version: 1\n" }],
      createBranch: true,
    });
    expect(result).toEqual({ sha: COMMIT });
    expect(gh.check.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /repos/o/r/git/trees",
      "POST /repos/o/r/git/commits",
      "POST /repos/o/r/git/refs",
    ]);
    gh.done();
  });
});
