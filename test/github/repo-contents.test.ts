import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { ConflictError } from "../../src/errors.js";
import { mockGitHub } from "../helpers/github-nock.js";

afterEach(() => {
  nock.cleanAll();
});

const PARENT = "p".repeat(40);
const TREE = "t".repeat(40);
const NEW_TREE = "n".repeat(40);
const COMMIT = "c".repeat(40);
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The git-data sequence of commitFiles up to the ref update. */
function commitSequence(gh: ReturnType<typeof mockGitHub>, tree: unknown[], message: string) {
  gh.scope
    .get(`/repos/o/r/git/commits/${PARENT}`)
    .reply(200, { sha: PARENT, tree: { sha: TREE }, parents: [] })
    .post("/repos/o/r/git/trees", { base_tree: TREE, tree } as nock.RequestBodyMatcher)
    .reply(201, { sha: NEW_TREE, tree: [] })
    .post("/repos/o/r/git/commits", { message, tree: NEW_TREE, parents: [PARENT] })
    .reply(201, { sha: COMMIT });
}

describe("commitFiles", () => {
  it("commits one file in 4 requests, contents inline, and creates the branch", async () => {
    const gh = mockGitHub();
    commitSequence(
      gh,
      [{ path: "plan.yaml", mode: "100644", type: "blob", content: "version: 1\n" }],
      "Plan 7-x",
    );
    gh.scope.post("/repos/o/r/git/refs", { ref: "refs/heads/planwright/7-x", sha: COMMIT }).reply(201, {
      ref: "refs/heads/planwright/7-x",
      object: { sha: COMMIT },
    });
    const result = await gh.gateway.commitFiles({
      branch: "planwright/7-x",
      parentSha: PARENT,
      message: "Plan 7-x",
      files: [{ path: "plan.yaml", content: "version: 1\n" }],
      createBranch: true,
    });
    expect(result).toEqual({ sha: COMMIT });
    expect(gh.check.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/o/r/git/commits/${PARENT}`,
      "POST /repos/o/r/git/trees",
      "POST /repos/o/r/git/commits",
      "POST /repos/o/r/git/refs",
    ]);
    gh.done();
  });

  it("deletes with sha null, updates the ref without force, and redacts the message", async () => {
    const gh = mockGitHub();
    const token = `ghp_${"x".repeat(36)}`;
    commitSequence(
      gh,
      [
        { path: "a.txt", mode: "100644", type: "blob", content: "é ✓ 😀\n" },
        { path: "old.txt", mode: "100644", type: "blob", sha: null },
      ],
      "Update with [redacted]",
    );
    gh.scope
      .patch("/repos/o/r/git/refs/heads%2Fplanwright%2F7-x", { sha: COMMIT, force: false })
      .reply(200, { ref: "refs/heads/planwright/7-x", object: { sha: COMMIT } });
    await gh.gateway.commitFiles({
      branch: "planwright/7-x",
      parentSha: PARENT,
      message: `Update with ${token}`,
      files: [
        { path: "a.txt", content: "é ✓ 😀\n" },
        { path: "old.txt", content: null },
      ],
      createBranch: false,
    });
    expect(gh.check.requests).toHaveLength(4);
    gh.done();
  });

  it("still makes 4 requests for 20 files (a blob per file would make 24)", async () => {
    const gh = mockGitHub();
    const files = Array.from({ length: 20 }, (_, i) => ({ path: `docs/f${i}.md`, content: `# ${i}\n` }));
    commitSequence(
      gh,
      files.map((f) => ({ path: f.path, mode: "100644", type: "blob", content: f.content })),
      "Docs",
    );
    gh.scope
      .patch("/repos/o/r/git/refs/heads%2Fdocs")
      .reply(200, { ref: "refs/heads/docs", object: { sha: COMMIT } });
    await gh.gateway.commitFiles({
      branch: "docs",
      parentSha: PARENT,
      message: "Docs",
      files,
      createBranch: false,
    });
    expect(gh.check.requests).toHaveLength(4);
    gh.done();
  });

  it("turns a non-fast-forward ref update into a ConflictError", async () => {
    const gh = mockGitHub();
    commitSequence(gh, [{ path: "a", mode: "100644", type: "blob", content: "x" }], "m");
    gh.scope
      .patch("/repos/o/r/git/refs/heads%2Fb", { sha: COMMIT, force: false })
      .reply(422, { message: "Update is not a fast forward", status: "422" });
    const error = await gh.gateway
      .commitFiles({
        branch: "b",
        parentSha: PARENT,
        message: "m",
        files: [{ path: "a", content: "x" }],
        createBranch: false,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(String(error)).toMatch(
      /could not move branch b: the branch moved or already exists \(422: Update is not a fast forward\)/,
    );
    gh.done();
  });

  it("turns an existing branch on create into a ConflictError", async () => {
    const gh = mockGitHub();
    commitSequence(gh, [{ path: "a", mode: "100644", type: "blob", content: "x" }], "m");
    gh.scope.post("/repos/o/r/git/refs").reply(422, { message: "Reference already exists" });
    const error = await gh.gateway
      .commitFiles({
        branch: "b",
        parentSha: PARENT,
        message: "m",
        files: [{ path: "a", content: "x" }],
        createBranch: true,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    gh.done();
  });
});

describe("branches and files", () => {
  it("reads the default branch and its head", async () => {
    const gh = mockGitHub();
    gh.scope
      .get("/repos/o/r")
      .reply(200, { default_branch: "trunk" })
      .get("/repos/o/r/git/ref/heads%2Ftrunk")
      .reply(200, { ref: "refs/heads/trunk", object: { sha: PARENT, type: "commit" } });
    expect(await gh.gateway.defaultBranch()).toEqual({ name: "trunk", sha: PARENT });
    gh.done();
  });

  it("reads a missing branch as undefined", async () => {
    const gh = mockGitHub();
    gh.scope.get("/repos/o/r/git/ref/heads%2Fplanwright%2Fnope").reply(404, { message: "Not Found" });
    expect(await gh.gateway.branchHead("planwright/nope")).toBeUndefined();
    gh.done();
  });

  it("reads a file, a missing file as undefined, and a large file through the blob API", async () => {
    const gh = mockGitHub();
    gh.scope
      .get("/repos/o/r/contents/.github%2Fplanwright.yml")
      .query({ ref: "main" })
      .reply(200, {
        type: "file",
        sha: "s1",
        encoding: "base64",
        content: `${b64("model: x\n").slice(0, 4)}\n${b64("model: x\n").slice(4)}`,
      })
      .get("/repos/o/r/contents/missing.yml")
      .query({ ref: "main" })
      .reply(404, { message: "Not Found" })
      .get("/repos/o/r/contents/big.txt")
      .query({ ref: "main" })
      .reply(200, { type: "file", sha: "s2", encoding: "none", content: "" })
      .get("/repos/o/r/git/blobs/s2")
      .reply(200, { sha: "s2", encoding: "base64", content: b64("big ✓") })
      .get("/repos/o/r/contents/src")
      .query({ ref: "main" })
      .reply(200, [{ type: "file", name: "a.ts" }]);
    expect(await gh.gateway.readFile(".github/planwright.yml", "main")).toEqual({
      content: "model: x\n",
      sha: "s1",
    });
    expect(await gh.gateway.readFile("missing.yml", "main")).toBeUndefined();
    expect(await gh.gateway.readFile("big.txt", "main")).toEqual({ content: "big ✓", sha: "s2" });
    expect(await gh.gateway.readFile("src", "main")).toBeUndefined();
    gh.done();
  });

  it("lists the files of a tree and says when GitHub truncated it", async () => {
    const gh = mockGitHub();
    gh.scope
      .get("/repos/o/r/git/trees/main")
      .query({ recursive: "1" })
      .reply(200, {
        sha: TREE,
        truncated: true,
        tree: [
          { path: "src", type: "tree" },
          { path: "src/a.ts", type: "blob" },
          { path: "vendor/lib", type: "commit" },
        ],
      });
    expect(await gh.gateway.listTree("main")).toEqual({ paths: ["src/a.ts"], truncated: true });
    gh.done();
  });
});

const apiCommit = (sha: string, message: string, login?: string) => ({
  sha,
  parents: [{ sha: "0".repeat(40) }],
  commit: { message, author: { name: "Git Name" } },
  author: login ? { login } : null,
});

describe("listCommits", () => {
  it("lists commits since one (exclusive), oldest first, over compare pages", async () => {
    const gh = mockGitHub();
    const first = Array.from({ length: 100 }, (_, i) => apiCommit(`a${i}`, `m${i}`, "bot"));
    gh.scope
      .get(`/repos/o/r/compare/${PARENT}...planwright%2F7-x`)
      .query({ per_page: "100", page: "1" })
      .reply(200, { status: "ahead", total_commits: 101, commits: first })
      .get(`/repos/o/r/compare/${PARENT}...planwright%2F7-x`)
      .query({ per_page: "100", page: "2" })
      .reply(200, { status: "ahead", total_commits: 101, commits: [apiCommit("last", "final")] });
    const commits = await gh.gateway.listCommits("planwright/7-x", PARENT);
    expect(commits).toHaveLength(101);
    expect(commits[0]).toEqual({
      sha: "a0",
      parents: ["0".repeat(40)],
      message: "m0",
      author: "bot",
      authorLogin: "bot",
      verified: false,
    });
    expect(commits[100]).toMatchObject({ sha: "last", author: "Git Name" });
    gh.done();
  });

  it("refuses a branch that no longer contains the commit", async () => {
    const gh = mockGitHub();
    gh.scope
      .get(`/repos/o/r/compare/${PARENT}...b`)
      .query(true)
      .reply(200, { status: "diverged", total_commits: 1, commits: [apiCommit("x", "y")] });
    await expect(gh.gateway.listCommits("b", PARENT)).rejects.toThrow(ConflictError);
    gh.done();
  });

  it("lists the whole history oldest first without since", async () => {
    const gh = mockGitHub();
    gh.scope
      .get("/repos/o/r/commits")
      .query({ sha: "main", per_page: "100" })
      .reply(200, [apiCommit("new", "2"), apiCommit("old", "1")]);
    expect((await gh.gateway.listCommits("main")).map((c) => c.sha)).toEqual(["old", "new"]);
    gh.done();
  });
});
