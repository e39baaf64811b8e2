import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GitWorkspace, openWorkspace } from "../../src/git/git-workspace.js";
import { ConflictError, PlanwrightError, UsageError } from "../../src/errors.js";
import { TRAILER_PLAN, TRAILER_PLAN_BLOB, TRAILER_TASK } from "../../src/engine/ports.js";
import { cloneTestRepo, createTestRepo, type TestRepo } from "../helpers/git-repo.js";

const trailers = (task: string): [string, string][] => [
  [TRAILER_PLAN, "42-demo"],
  [TRAILER_TASK, task],
  [TRAILER_PLAN_BLOB, "0123456789abcdef0123456789abcdef01234567"],
];

describe("GitWorkspace", () => {
  let repo: TestRepo;
  let ws: GitWorkspace;
  beforeEach(async () => {
    repo = await createTestRepo({
      "README.md": "# demo\n",
      ".gitignore": "secret.env\nbuild/\n",
      "a.txt": "one\n",
    });
    ws = await openWorkspace(repo.dir);
  });
  afterEach(async () => {
    await repo.cleanup();
  });

  it("opens from a subfolder and reports the top level", async () => {
    await mkdir(join(repo.dir, "sub"));
    const inner = await openWorkspace(join(repo.dir, "sub"));
    expect(inner.root).toBe(ws.root);
    expect(await inner.head()).toBe(await repo.git("rev-parse", "HEAD"));
  });

  it("fails with one clear line outside a repository", async () => {
    const outside = join(tmpdir(), `planwright-not-a-repo-${process.pid}-${Date.now()}`);
    await mkdir(outside);
    try {
      await expect(openWorkspace(outside)).rejects.toThrow(UsageError);
      await expect(openWorkspace(outside)).rejects.toThrow(/is not inside a git working tree/);
      await expect(openWorkspace(join(outside, "missing"))).rejects.toThrow(/^no such directory: /);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("commits exactly the change, never ignored files, with trailers that round-trip", async () => {
    const base = await ws.head();
    await repo.write({
      "a.txt": "two\n",
      "new/b.txt": "b\n",
      "secret.env": "TOKEN=1\n",
      "build/out.js": "x",
    });
    await rm(join(repo.dir, "README.md"));
    expect(await ws.changedPaths()).toEqual(["README.md", "a.txt", "new/b.txt"]);
    const sha = await ws.commit({
      title: "Task one",
      body: "# heading kept\nline",
      trailers: trailers("one"),
    });
    expect(sha).toBe(await ws.head());
    expect(await repo.git("show", "--name-status", "--format=", sha!)).toBe(
      "D\tREADME.md\nM\ta.txt\nA\tnew/b.txt",
    );
    expect(await repo.git("status", "--porcelain", "--ignored")).toBe("!! build/\n!! secret.env");
    expect(await repo.git("log", "-1", "--format=%B")).toBe(
      "Task one\n\n# heading kept\nline\n\nPlanwright-Plan: 42-demo\nPlanwright-Task: one\n" +
        "Planwright-Plan-Blob: 0123456789abcdef0123456789abcdef01234567",
    );
    expect(await repo.git("log", "-1", "--format=%an <%ae>|%cn <%ce>")).toBe(
      "Planwright <planwright@users.noreply.github.com>|Planwright <planwright@users.noreply.github.com>",
    );
    const history = await ws.history(base);
    expect(history).toEqual([
      {
        sha,
        parents: [base],
        subject: "Task one",
        trailers: {
          "Planwright-Plan": "42-demo",
          "Planwright-Task": "one",
          "Planwright-Plan-Blob": "0123456789abcdef0123456789abcdef01234567",
        },
      },
    ]);
  });

  it("uses the identity it was given", async () => {
    const mine = await openWorkspace(repo.dir, { identity: { name: "Bot", email: "bot@example.com" } });
    await repo.write({ "a.txt": "changed\n" });
    await mine.commit({ title: "t", body: "", trailers: [] });
    expect(await repo.git("log", "-1", "--format=%an <%ae>")).toBe("Bot <bot@example.com>");
  });

  it("returns undefined when nothing changed, and commits an empty change only when allowed", async () => {
    const before = await ws.head();
    await repo.write({ "secret.env": "only ignored\n" });
    expect(await ws.commit({ title: "nothing", body: "", trailers: trailers("x") })).toBeUndefined();
    expect(await ws.head()).toBe(before);
    const sha = await ws.commit({ title: "empty", body: "", trailers: trailers("x"), allowEmpty: true });
    expect(sha).not.toBe(before);
    expect(await ws.tree(sha)).toBe(await ws.tree(before));
  });

  it("reads trailers from the full history oldest first", async () => {
    for (let i = 0; i < 5; i++) {
      await repo.write({ "a.txt": `v${i}\n` });
      await ws.commit({ title: `Task ${i}`, body: "body", trailers: trailers(`t${i}`) });
    }
    const all = await ws.history();
    expect(all.map((c) => c.subject)).toEqual([
      "initial commit",
      "Task 0",
      "Task 1",
      "Task 2",
      "Task 3",
      "Task 4",
    ]);
    expect(all[0]?.trailers).toEqual({});
    expect(all.map((c) => c.trailers[TRAILER_TASK])).toEqual([undefined, "t0", "t1", "t2", "t3", "t4"]);
  });

  it("discards tracked and untracked changes but keeps ignored files", async () => {
    await repo.write({ "a.txt": "dirty\n", "untracked.txt": "u\n", "secret.env": "keep\n" });
    await ws.discard();
    expect(await ws.changedPaths()).toEqual([]);
    expect(await readFile(join(repo.dir, "a.txt"), "utf8")).toBe("one\n");
    expect(existsSync(join(repo.dir, "untracked.txt"))).toBe(false);
    expect(await readFile(join(repo.dir, "secret.env"), "utf8")).toBe("keep\n");
  });

  it("removes a stale index.lock only when told it is ours", async () => {
    const lock = join(repo.dir, ".git", "index.lock");
    await writeFile(lock, "");
    await repo.write({ "a.txt": "dirty\n" });
    await expect(ws.discard()).rejects.toThrow(/index\.lock/);
    expect(existsSync(lock)).toBe(true);
    await ws.discard({ staleLockIsOurs: true });
    expect(existsSync(lock)).toBe(false);
    expect(await ws.changedPaths()).toEqual([]);
  });

  it("hashes files like git", async () => {
    expect(await ws.blobOf("a.txt")).toBe(await repo.git("rev-parse", "HEAD:a.txt"));
    await expect(ws.blobOf("missing.txt")).rejects.toThrow(/missing\.txt/);
  });

  it("commits in a worktree and cherry-picks onto HEAD keeping message and trailers", async () => {
    const base = await ws.head();
    const wt = await ws.worktree(base);
    try {
      expect(wt.root).not.toBe(ws.root);
      await writeFile(join(wt.root, "c.txt"), "from worktree\n");
      const picked = await wt.commit({ title: "Parallel task", body: "", trailers: trailers("par") });
      await repo.write({ "a.txt": "main moved\n" });
      await ws.commit({ title: "Main task", body: "", trailers: trailers("main") });
      const sha = await ws.cherryPick(picked!);
      expect(sha).toBe(await ws.head());
      const [last] = (await ws.history()).slice(-1);
      expect(last?.subject).toBe("Parallel task");
      expect(last?.trailers[TRAILER_TASK]).toBe("par");
      expect(await readFile(join(repo.dir, "c.txt"), "utf8")).toBe("from worktree\n");
    } finally {
      await wt.dispose();
    }
    expect(existsSync(wt.root)).toBe(false);
    expect(await repo.git("worktree", "list", "--porcelain")).not.toContain("planwright-wt-");
  });

  it("turns a cherry-pick conflict into a ConflictError naming the files, tree unchanged", async () => {
    const base = await ws.head();
    const wt = await ws.worktree(base);
    try {
      await writeFile(join(wt.root, "a.txt"), "worktree version\n");
      const picked = await wt.commit({ title: "wt", body: "", trailers: trailers("wt") });
      await repo.write({ "a.txt": "main version\n" });
      await ws.commit({ title: "main", body: "", trailers: trailers("main") });
      const head = await ws.head();
      const tree = await ws.tree();
      const error = await ws.cherryPick(picked!).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as Error).message).toMatch(/conflicting files a\.txt/);
      expect(await ws.head()).toBe(head);
      expect(await ws.tree()).toBe(tree);
      expect(await ws.changedPaths()).toEqual([]);
      expect(existsSync(join(repo.dir, ".git", "CHERRY_PICK_HEAD"))).toBe(false);
    } finally {
      await wt.dispose();
    }
  });

  it("cherry-picks several worktree commits in one go, in order, or none of them on a conflict", async () => {
    const base = await ws.head();
    const trees = await Promise.all([ws.worktree(base), ws.worktree(base), ws.worktree(base)]);
    try {
      const picks: string[] = [];
      for (const [i, wt] of trees.entries()) {
        await writeFile(join(wt.root, `p${i}.txt`), `${i}\n`);
        picks.push((await wt.commit({ title: `P${i}`, body: "", trailers: trailers(`p${i}`) }))!);
      }
      const landed = await ws.cherryPickAll(picks);
      expect(landed).toHaveLength(3);
      expect(landed[2]).toBe(await ws.head());
      const history = await ws.history(base);
      expect(history.map((c) => [c.sha, c.subject, c.trailers[TRAILER_TASK]])).toEqual([
        [landed[0], "P0", "p0"],
        [landed[1], "P1", "p1"],
        [landed[2], "P2", "p2"],
      ]);
      expect(history.map((c) => c.parents[0])).toEqual([base, landed[0], landed[1]]);

      // the second of three conflicts with the branch: nothing of the three stays
      const head = await ws.head();
      const clashing: string[] = [];
      for (const [i, wt] of trees.entries()) {
        await wt.resetHard(base);
        await writeFile(join(wt.root, i === 1 ? "p0.txt" : `q${i}.txt`), `other ${i}\n`);
        clashing.push((await wt.commit({ title: `Q${i}`, body: "", trailers: trailers(`q${i}`) }))!);
      }
      const error = await ws.cherryPickAll(clashing).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as Error).message).toMatch(/conflicting files p0\.txt/);
      expect(await ws.head()).toBe(head);
      expect(await ws.changedPaths()).toEqual([]);
      expect(existsSync(join(repo.dir, ".git", "sequencer"))).toBe(false);
    } finally {
      await Promise.all(trees.map((wt) => wt.dispose()));
    }
  });

  it("keeps the commits a killed multi-commit cherry-pick landed, and picks on top of them", async () => {
    const base = await ws.head();
    const wt = await ws.worktree(base);
    try {
      await writeFile(join(wt.root, "x.txt"), "x\n");
      const landsFine = (await wt.commit({ title: "X", body: "", trailers: trailers("x") }))!;
      await writeFile(join(wt.root, "a.txt"), "worktree\n");
      const clashes = (await wt.commit({ title: "A", body: "", trailers: trailers("a") }))!;
      await repo.write({ "a.txt": "main\n" });
      await ws.commit({ title: "main", body: "", trailers: trailers("main") });
      // what a run killed in the middle of a joint landing leaves: one commit in, a sequence open
      await expect(repo.git("cherry-pick", landsFine, clashes)).rejects.toThrow();
      const landed = await repo.git("rev-parse", "HEAD");
      expect(await repo.git("log", "-1", "--format=%s")).toBe("X");
      await ws.discard();
      expect(await ws.head()).toBe(landed);
      expect(await ws.changedPaths()).toEqual([]);
      expect(existsSync(join(repo.dir, ".git", "sequencer"))).toBe(false);

      // a sequence left open with a clean tree does not swallow the next landing either
      await expect(repo.git("cherry-pick", landsFine, clashes)).rejects.toThrow();
      await repo.git("reset", "--hard", "HEAD");
      const before = await ws.head();
      await wt.resetHard(base);
      await writeFile(join(wt.root, "y.txt"), "y\n");
      const next = (await wt.commit({ title: "Y", body: "", trailers: trailers("y") }))!;
      const picked = await ws.cherryPick(next);
      expect((await ws.history(before)).map((c) => [c.sha, c.subject])).toEqual([[picked, "Y"]]);
    } finally {
      await wt.dispose();
    }
  });

  it("reverts with our title and trailers", async () => {
    await repo.write({ "a.txt": "changed\n" });
    const base = await ws.tree("HEAD");
    const sha = (await ws.commit({ title: "Change a", body: "", trailers: trailers("a") }))!;
    const revertSha = await ws.revert(sha, 'Revert "Change a"', [
      [TRAILER_PLAN, "42-demo"],
      ["Planwright-Revert", "a"],
    ]);
    expect(revertSha).toBe(await ws.head());
    expect(await ws.tree()).not.toBe(await ws.tree(sha));
    expect(await ws.tree()).toBe(await repo.git("rev-parse", `${sha}^^{tree}`));
    expect(base).toBe(await repo.git("rev-parse", `${sha}^^{tree}`));
    const [last] = (await ws.history()).slice(-1);
    expect(last).toMatchObject({ subject: 'Revert "Change a"', trailers: { "Planwright-Revert": "a" } });
    expect(await repo.git("log", "-1", "--format=%b")).toContain(`This reverts commit ${sha}.`);
  });

  it("turns a revert conflict into a ConflictError and leaves the branch unchanged", async () => {
    await repo.write({ "a.txt": "first\n" });
    const sha = (await ws.commit({ title: "first", body: "", trailers: trailers("first") }))!;
    await repo.write({ "a.txt": "second\n" });
    await ws.commit({ title: "second", body: "", trailers: trailers("second") });
    const head = await ws.head();
    const error = await ws.revert(sha, "Revert", []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/conflicting files a\.txt/);
    expect(await ws.head()).toBe(head);
    expect(await ws.changedPaths()).toEqual([]);
    expect(await readFile(join(repo.dir, "a.txt"), "utf8")).toBe("second\n");
  });

  it("resets hard to an earlier commit", async () => {
    const base = await ws.head();
    await repo.write({ "a.txt": "x\n" });
    await ws.commit({ title: "x", body: "", trailers: [] });
    await ws.resetHard(base);
    expect(await ws.head()).toBe(base);
    await expect(ws.resetHard("no-such-rev")).rejects.toThrow(/no such commit: no-such-rev/);
  });

  it("pushes, and reports a non-fast-forward as a ConflictError naming the other commit", async () => {
    await repo.write({ "a.txt": "ours\n" });
    await ws.commit({ title: "ours", body: "", trailers: [] });
    await ws.push("origin", "planwright/42-demo");
    expect((await repo.git("ls-remote", "origin", "refs/heads/planwright/42-demo")).split("\t")[0]).toBe(
      await ws.head(),
    );

    const other = await cloneTestRepo(repo.remote);
    try {
      await other.git("checkout", "-q", "planwright/42-demo");
      await other.write({ "other.txt": "theirs\n" });
      await other.git("add", "other.txt");
      await other.git("commit", "-q", "-m", "their hotfix");
      await other.git("push", "-q", "origin", "HEAD");
    } finally {
      await other.cleanup();
    }
    await repo.write({ "a.txt": "ours again\n" });
    await ws.commit({ title: "ours again", body: "", trailers: [] });
    const error = await ws.push("origin", "planwright/42-demo").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(
      /push to origin\/planwright\/42-demo was rejected .*"their hotfix" by Other Person <other@example\.com>/,
    );
  });

  it("reports other git failures with git's first line", async () => {
    const error = await ws.push("no-such-remote", "main").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanwrightError);
    expect((error as Error).message).toMatch(/^git push failed: .*no-such-remote/);
    expect((error as Error).message).not.toContain("\n");
  });
});

describe("GitWorkspace push refusals", () => {
  let repo: TestRepo;
  afterEach(async () => {
    await repo.cleanup();
  });

  it("reports a refusal by the remote with its reason", async () => {
    repo = await createTestRepo();
    const hook = join(repo.remote, "hooks", "pre-receive");
    await writeFile(hook, "#!/bin/sh\necho 'branch is protected' >&2\nexit 1\n", { mode: 0o755 });
    const ws = await openWorkspace(repo.dir);
    await repo.write({ "a.txt": "x\n" });
    await ws.commit({ title: "x", body: "", trailers: [] });
    const error = await ws.push("origin", "main").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanwrightError);
    expect(error).not.toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe(
      "git push to origin/main failed: [remote rejected] (pre-receive hook declined)",
    );
  });

  it("knows its git directory, per worktree", async () => {
    repo = await createTestRepo();
    const ws = await openWorkspace(repo.dir);
    expect(await ws.gitDir()).toBe(join(ws.root, ".git"));
    const wt = await ws.worktree(await ws.head());
    try {
      expect(await wt.gitDir()).toMatch(/\.git\/worktrees\/[^/]+$/);
    } finally {
      await wt.dispose();
    }
  });
});

describe("GitWorkspace odd inputs", () => {
  let repo: TestRepo;
  beforeEach(async () => {
    repo = await createTestRepo();
  });
  afterEach(async () => {
    await repo.cleanup();
  });

  it("handles file names with spaces, non-ASCII characters and newlines", async () => {
    const ws = await openWorkspace(repo.dir);
    const names = ["sp ace.txt", "ünï cödé.md", "new\nline.txt", 'quo"te.txt'];
    await repo.write(Object.fromEntries(names.map((n) => [n, "x\n"])));
    expect(await ws.changedPaths()).toEqual([...names].sort());
    const sha = await ws.commit({ title: "odd names", body: "", trailers: [] });
    expect(
      (await repo.git("show", "-z", "--name-only", "--format=", sha!)).split("\0").filter(Boolean).sort(),
    ).toEqual([...names].sort());
  });

  it("serialises concurrent operations on one working tree", async () => {
    const ws = await openWorkspace(repo.dir);
    const results = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        await repo.write({ [`f${i}.txt`]: `${i}\n` });
        return Promise.all([
          ws.commit({ title: `c${i}`, body: "", trailers: [] }),
          ws.changedPaths(),
          ws.history(),
        ]);
      }),
    );
    expect(results.every(([sha]) => sha === undefined || /^[0-9a-f]{40}$/.test(sha))).toBe(true);
    expect(await ws.changedPaths()).toEqual([]);
    expect(await repo.git("ls-files")).toBe(
      ["README.md", ...Array.from({ length: 8 }, (_, i) => `f${i}.txt`)].join("\n"),
    );
  });
});
