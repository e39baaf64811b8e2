import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { openWorkspace, type GitWorkspace } from "../../src/git/git-workspace.js";
import { planRollback, rollback } from "../../src/engine/rollback.js";
import { executePlan } from "../../src/engine/executor.js";
import { deriveState } from "../../src/engine/state.js";
import { planBlobOf } from "../../src/engine/plan-blob.js";
import type { EngineEvent } from "../../src/engine/ports.js";
import type { Plan } from "../../src/plan/schema.js";
import { ConflictError, UsageError } from "../../src/errors.js";
import { cloneTestRepo, createTestRepo, type TestRepo } from "../helpers/git-repo.js";

const plan: Plan = {
  version: 1,
  id: "42-demo",
  title: "Demo",
  request: "demo",
  phases: [
    {
      id: "p1",
      mode: "sequential",
      tasks: [
        { id: "a", title: "Create x", write: { path: "x.txt", content: "x1\n" } },
        { id: "b", title: "Change x", needs: ["a"], write: { path: "x.txt", content: "x2\n" } },
        { id: "c", title: "Create y", write: { path: "y.txt", content: "y\n" } },
      ],
    },
    {
      id: "p2",
      mode: "sequential",
      tasks: [
        { id: "d", title: "Delete readme", needs: ["b"], delete: { path: "README.md" } },
        { id: "e", title: "Never run", needs: ["d"], run: "true" },
      ],
    },
  ],
};
const BLOB = planBlobOf("the plan text\n");

describe("rollback", () => {
  let repo: TestRepo;
  let ws: GitWorkspace;
  let baseTree: string;

  /** Executes tasks a–d the way the executor would: one commit per task with trailers. */
  async function execute(): Promise<void> {
    const steps: [string, () => Promise<void>][] = [
      ["a", () => repo.write({ "x.txt": "x1\n" })],
      ["b", () => repo.write({ "x.txt": "x2\n" })],
      ["c", () => repo.write({ "y.txt": "y\n" })],
      ["d", () => rm(join(repo.dir, "README.md"))],
    ];
    for (const [id, change] of steps) {
      await change();
      await ws.commit({
        title: id,
        body: "",
        trailers: [
          ["Planwright-Plan", plan.id],
          ["Planwright-Task", id],
          ["Planwright-Plan-Blob", BLOB],
        ],
      });
    }
  }

  beforeEach(async () => {
    repo = await createTestRepo({ "README.md": "# demo\r\nbinary-ish \u0000 bytes\n", "keep.txt": "k\n" });
    ws = await openWorkspace(repo.dir);
    baseTree = await ws.tree();
    await execute();
  });
  afterEach(async () => {
    await repo.cleanup();
  });

  it("reverts every done task newest first and restores the base tree byte for byte", async () => {
    const events: EngineEvent[] = [];
    const result = await rollback(ws, plan, BLOB, {
      reporter: { event: (e) => events.push(e) },
      clock: { now: () => 1234 },
    });
    expect(result.reverted.map((r) => r.taskId)).toEqual(["d", "c", "b", "a"]);
    expect(result.head).toBe(await ws.head());
    expect(await ws.tree()).toBe(baseTree);
    expect(await ws.changedPaths()).toEqual([]);
    expect(events).toEqual(
      result.reverted.map((r) => ({ type: "reverted", taskId: r.taskId, sha: r.revertSha, at: 1234 })),
    );

    const history = await ws.history();
    const last = history.slice(-4);
    expect(last.map((c) => c.subject)).toEqual([
      'Revert "Delete readme"',
      'Revert "Create y"',
      'Revert "Change x"',
      'Revert "Create x"',
    ]);
    expect(last[0]?.trailers).toEqual({
      "Planwright-Plan": "42-demo",
      "Planwright-Revert": "d",
      "Planwright-Plan-Blob": BLOB,
    });
    const state = deriveState(plan, BLOB, history);
    expect(state.done).toBe(0);
    expect([...state.tasks.values()].map((t) => t.status)).toEqual([
      "reverted",
      "reverted",
      "reverted",
      "reverted",
      "pending",
    ]);
  });

  it("rolls back one task and the done tasks that need it, nothing else", async () => {
    const result = await rollback(ws, plan, BLOB, { taskId: "b" });
    expect(result.reverted.map((r) => r.taskId)).toEqual(["d", "b"]);
    expect(await readFile(join(repo.dir, "x.txt"), "utf8")).toBe("x1\n");
    expect(await readFile(join(repo.dir, "y.txt"), "utf8")).toBe("y\n");
    expect(existsSync(join(repo.dir, "README.md"))).toBe(true);
    const state = deriveState(plan, BLOB, await ws.history());
    expect(Object.fromEntries([...state.tasks].map(([id, s]) => [id, s.status]))).toEqual({
      a: "done",
      b: "reverted",
      c: "done",
      d: "reverted",
      e: "pending",
    });
  });

  it("a conflicting rollback changes nothing and names the conflicting files", async () => {
    await repo.write({ "x.txt": "edited by hand\n" });
    await repo.git("commit", "-q", "-am", "hand edit");
    const head = await ws.head();
    const tree = await ws.tree();
    const error = await rollback(ws, plan, BLOB).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(
      /^cannot roll back task b: .*conflicting files x\.txt; the branch was left at /,
    );
    expect(await ws.head()).toBe(head);
    expect(await ws.tree()).toBe(tree);
    expect(await ws.changedPaths()).toEqual([]);
  });

  it("pushes only after every revert succeeded", async () => {
    await ws.push("origin", "planwright/42-demo");
    const result = await rollback(ws, plan, BLOB, {
      push: { remote: "origin", branch: "planwright/42-demo" },
    });
    const remote = await repo.git("ls-remote", "origin", "refs/heads/planwright/42-demo");
    expect(remote.split("\t")[0]).toBe(result.head);
  });

  it("resets the branch when the push is rejected", async () => {
    await ws.push("origin", "planwright/42-demo");
    const other = await cloneTestRepo(repo.remote);
    try {
      await other.git("checkout", "-q", "planwright/42-demo");
      await other.write({ "z.txt": "z\n" });
      await other.git("add", "z.txt");
      await other.git("commit", "-q", "-m", "someone else");
      await other.git("push", "-q", "origin", "HEAD");
    } finally {
      await other.cleanup();
    }
    const head = await ws.head();
    const error = await rollback(ws, plan, BLOB, {
      push: { remote: "origin", branch: "planwright/42-demo" },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/"someone else" by Other Person/);
    expect(await ws.head()).toBe(head);
  });

  it("refuses to start on uncommitted changes", async () => {
    await repo.write({ "keep.txt": "dirty\n" });
    const head = await ws.head();
    await expect(rollback(ws, plan, BLOB)).rejects.toThrow(/uncommitted changes \(keep\.txt\)/);
    expect(await ws.head()).toBe(head);
    expect(await readFile(join(repo.dir, "keep.txt"), "utf8")).toBe("dirty\n");
  });

  it("does nothing when nothing is done", async () => {
    await rollback(ws, plan, BLOB);
    const head = await ws.head();
    expect(await rollback(ws, plan, BLOB)).toEqual({ reverted: [], head });
  });
});

describe("planRollback", () => {
  const sha = (n: number) => String(n).repeat(40);
  const state = deriveState(plan, BLOB, [
    {
      sha: sha(1),
      parents: [],
      subject: "a",
      trailers: { "Planwright-Plan": "42-demo", "Planwright-Task": "a", "Planwright-Plan-Blob": BLOB },
    },
    {
      sha: sha(2),
      parents: [],
      subject: "c",
      trailers: { "Planwright-Plan": "42-demo", "Planwright-Task": "c", "Planwright-Plan-Blob": BLOB },
    },
    {
      sha: sha(3),
      parents: [],
      subject: "b",
      trailers: { "Planwright-Plan": "42-demo", "Planwright-Task": "b", "Planwright-Plan-Blob": BLOB },
    },
  ]);

  it("orders by commit, newest first, not by plan order", () => {
    expect(planRollback(plan, state)).toEqual([
      { taskId: "b", sha: sha(3) },
      { taskId: "c", sha: sha(2) },
      { taskId: "a", sha: sha(1) },
    ]);
    expect(planRollback(plan, state, "a")).toEqual([
      { taskId: "b", sha: sha(3) },
      { taskId: "a", sha: sha(1) },
    ]);
  });

  it("refuses unknown and not-done tasks with a usage error", () => {
    expect(() => planRollback(plan, state, "nope")).toThrow(UsageError);
    expect(() => planRollback(plan, state, "nope")).toThrow('plan 42-demo has no task "nope"');
    expect(() => planRollback(plan, state, "d")).toThrow("task d is pending, there is nothing to roll back");
  });
});

describe("rollback after a real run", () => {
  it("undoes what executePlan did, parallel phase included, and a re-run redoes it", async () => {
    const runPlan: Plan = {
      version: 1,
      id: "9-cycle",
      title: "Cycle",
      request: "cycle",
      phases: [
        {
          id: "setup",
          mode: "sequential",
          tasks: [{ id: "docs", title: "Write docs", write: { path: "docs/a.md", content: "# A\n" } }],
        },
        {
          id: "fan-out",
          mode: "parallel",
          tasks: [
            {
              id: "p1",
              title: "Part one",
              needs: ["docs"],
              write: { path: "src/one.ts", content: "export {};\n" },
            },
            {
              id: "p2",
              title: "Part two",
              needs: ["docs"],
              write: { path: "src/two.ts", content: "export {};\n" },
            },
            { id: "drop", title: "Drop keep", delete: { path: "keep.txt" } },
          ],
        },
      ],
    };
    const blob = planBlobOf("cycle plan\n");
    const repo = await createTestRepo({ "keep.txt": "k\n" });
    try {
      const ws = await openWorkspace(repo.dir);
      const base = await ws.tree();
      const first = await executePlan({ plan: runPlan, planBlob: blob, workspace: ws });
      expect(first.outcome).toBe("succeeded");
      expect(deriveState(runPlan, blob, await ws.history()).done).toBe(4);

      const partial = await rollback(ws, runPlan, blob, { taskId: "docs" });
      expect(partial.reverted.map((r) => r.taskId).sort()).toEqual(["docs", "p1", "p2"]);
      expect(existsSync(join(repo.dir, "keep.txt"))).toBe(false);
      expect(existsSync(join(repo.dir, "docs"))).toBe(false);

      const full = await rollback(ws, runPlan, blob);
      expect(full.reverted.map((r) => r.taskId)).toEqual(["drop"]);
      expect(await ws.tree()).toBe(base);

      const again = await executePlan({ plan: runPlan, planBlob: blob, workspace: ws });
      expect(again.outcome).toBe("succeeded");
      const state = deriveState(runPlan, blob, await ws.history());
      expect(state.done).toBe(4);
      expect(await readFile(join(repo.dir, "src/two.ts"), "utf8")).toBe("export {};\n");
    } finally {
      await repo.cleanup();
    }
  });
});
