import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { deriveState } from "../../src/engine/state.js";
import { planBlobOf } from "../../src/engine/plan-blob.js";
import type { HistoryCommit } from "../../src/engine/ports.js";
import type { Plan } from "../../src/plan/schema.js";
import { ConflictError } from "../../src/errors.js";

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
        { id: "a", title: "Task A", run: "true" },
        { id: "b", title: "Task B", run: "true", needs: ["a"] },
        { id: "c", title: "Task C", run: "true" },
      ],
    },
  ],
};
const BLOB = "1111111111111111111111111111111111111111";
const OTHER = "2222222222222222222222222222222222222222";

let n = 0;
function commit(trailers: Record<string, string>, subject = "s"): HistoryCommit {
  n++;
  return { sha: n.toString(16).padStart(40, "0"), parents: [], subject, trailers };
}
const task = (id: string, blob = BLOB) =>
  commit({ "Planwright-Plan": "42-demo", "Planwright-Task": id, "Planwright-Plan-Blob": blob }, `Task ${id}`);
const revert = (id: string, blob = BLOB) =>
  commit(
    { "Planwright-Plan": "42-demo", "Planwright-Revert": id, "Planwright-Plan-Blob": blob },
    `Revert ${id}`,
  );

describe("deriveState", () => {
  it("lists every task pending on a branch without task commits", () => {
    const state = deriveState(plan, BLOB, [commit({}, "initial")]);
    expect([...state.tasks.entries()]).toEqual([
      ["a", { status: "pending" }],
      ["b", { status: "pending" }],
      ["c", { status: "pending" }],
    ]);
    expect(state).toMatchObject({ done: 0, total: 3, foreign: [] });
  });

  it("marks committed tasks done with their sha", () => {
    const a = task("a");
    const b = task("b");
    const state = deriveState(plan, BLOB, [commit({}, "plan file"), a, b]);
    expect(state.tasks.get("a")).toEqual({ status: "done", sha: a.sha, position: 1 });
    expect(state.tasks.get("b")).toEqual({ status: "done", sha: b.sha, position: 2 });
    expect(state.tasks.get("c")).toEqual({ status: "pending" });
    expect(state.done).toBe(2);
  });

  it("marks reverted tasks, and a later commit of the same task makes it done again", () => {
    const a = task("a");
    const b = task("b");
    const rb = revert("b");
    let state = deriveState(plan, BLOB, [a, b, rb]);
    expect(state.tasks.get("b")).toEqual({ status: "reverted", sha: b.sha, revertSha: rb.sha, position: 1 });
    expect(state.done).toBe(1);
    const b2 = task("b");
    state = deriveState(plan, BLOB, [a, b, rb, b2]);
    expect(state.tasks.get("b")).toEqual({ status: "done", sha: b2.sha, position: 3 });
    expect(state.done).toBe(2);
  });

  it("throws a ConflictError when a task was committed for another plan blob", () => {
    const history = [task("a"), task("b", OTHER)];
    expect(() => deriveState(plan, BLOB, history)).toThrow(ConflictError);
    expect(() => deriveState(plan, BLOB, history)).toThrow(
      "the plan changed under the branch: task b was committed (" +
        history[1]!.sha.slice(0, 7) +
        ") for plan blob 2222222, the plan file is now blob 1111111",
    );
  });

  it("accepts a revised plan once every task of the old blob was reverted", () => {
    const a = task("a", OTHER);
    const old = task("gone", OTHER);
    const history = [a, old, revert("gone", OTHER), revert("a", OTHER)];
    const state = deriveState(plan, BLOB, history);
    expect(state.tasks.get("a")?.status).toBe("reverted");
    expect(state.done).toBe(0);
  });

  it("collects foreign commits after the first task commit only", () => {
    const before = commit({}, "reviewer fix before execution");
    const a = task("a");
    const hotfix = commit({}, "hotfix");
    const otherPlan = commit({ "Planwright-Plan": "7-other", "Planwright-Task": "a" }, "other plan");
    const state = deriveState(plan, BLOB, [before, a, hotfix, otherPlan, task("b")]);
    expect(state.foreign.map((c) => c.subject)).toEqual(["hotfix", "other plan"]);
    expect(state.done).toBe(2);
  });

  it("refuses a commit naming a task the plan does not have", () => {
    expect(() => deriveState(plan, BLOB, [task("zzz")])).toThrow(
      /names task "zzz", which plan 42-demo does not have/,
    );
  });

  it("done counts exactly the tasks whose last event is a commit (property)", () => {
    const ids = ["a", "b", "c"];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...ids), fc.boolean()), { maxLength: 30 }), (events) => {
        const history = events.map(([id, isRevert]) => (isRevert ? revert(id) : task(id)));
        const state = deriveState(plan, BLOB, history);
        const last = new Map(events.map(([id, isRevert]) => [id, isRevert]));
        const expected = [...last.values()].filter((isRevert) => !isRevert).length;
        expect(state.done).toBe(expected);
        for (const id of ids) {
          const status = state.tasks.get(id)?.status;
          expect(status).toBe(!last.has(id) ? "pending" : last.get(id) ? "reverted" : "done");
        }
      }),
    );
  });
});

describe("planBlobOf", () => {
  it("equals git hash-object for ASCII, UTF-8 and empty text", () => {
    const dir = mkdtempSync(join(tmpdir(), "planwright-blob-"));
    try {
      for (const text of ["version: 1\nid: x\n", "title: Zwei-Faktor – ✓ 認証\n", ""]) {
        const file = join(dir, "plan.yaml");
        writeFileSync(file, text);
        const expected = execFileSync("git", ["hash-object", "--no-filters", file], {
          encoding: "utf8",
        }).trim();
        expect(planBlobOf(text)).toBe(expected);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
