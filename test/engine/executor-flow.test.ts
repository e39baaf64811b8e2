import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TransientError } from "../../src/errors.js";
import { markerPath } from "../../src/engine/run-lock.js";
import { cloneTestRepo, gitIn } from "../helpers/git-repo.js";
import type { Workspace } from "../../src/engine/ports.js";
import type { GitWorkspace } from "../../src/git/git-workspace.js";
import { fixture, planInput, type Fixture } from "./executor-fixture.js";

let current: Fixture | undefined;
afterEach(async () => {
  await current?.repo.cleanup();
  current = undefined;
});
async function setup(...args: Parameters<typeof fixture>): Promise<Fixture> {
  current = await fixture(...args);
  return current;
}

/** The real workspace, with its landings and pushes written down. */
function spyOn(workspace: GitWorkspace, calls: string[]): Workspace {
  return new Proxy(workspace, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (key === "cherryPick") calls.push("cherryPick");
        if (key === "cherryPickAll") calls.push(`cherryPickAll ${(args[0] as string[]).length}`);
        if (key === "push") calls.push("push");
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe("executePlan: parallel phases", () => {
  it("runs 8 independent 1-second tasks concurrently and lands them in plan order", async () => {
    const tasks = Array.from({ length: 8 }, (_, i) => ({
      id: `t${i}`,
      title: `T${i}`,
      run: `sleep 1; echo ${i} > f${i}.txt`,
    }));
    const f = await setup(planInput([{ id: "par", mode: "parallel", tasks }]));
    const started = Date.now();
    const result = await f.run({ concurrency: 8 });
    const wall = Date.now() - started;
    expect(result.outcome).toBe("succeeded");
    // sequentially this takes 8 s; generous margin for slow machines
    expect(wall).toBeLessThan(5_000);
    const commits = await f.taskCommits();
    expect(commits.map((c) => c.task)).toEqual(tasks.map((t) => t.id));
    for (const [i, c] of commits.entries()) expect(await f.filesOf(c.sha)).toEqual([`f${i}.txt`]);
    expect(await f.workspace.changedPaths()).toEqual([]);
  });

  it("starts a task only after the tasks it needs have landed", async () => {
    const f = await setup(
      planInput([
        {
          id: "par",
          mode: "parallel",
          tasks: [
            { id: "base", title: "Base", run: "sleep 0.3; echo base > base.txt" },
            { id: "other", title: "Other", write: { path: "other.txt", content: "o" } },
            { id: "user", title: "User", needs: ["base"], run: "cat base.txt > copy.txt" },
          ],
        },
      ]),
    );
    const result = await f.run({ concurrency: 4 });
    expect(result.outcome).toBe("succeeded");
    expect(await f.repo.git("show", "HEAD:copy.txt")).toBe("base");
    expect((await f.taskCommits()).map((c) => c.task)).toEqual(["base", "other", "user"]);
  });

  it("re-runs a task whose commit conflicts on top of the new head", async () => {
    const f = await setup(
      planInput([
        {
          id: "par",
          mode: "parallel",
          tasks: [
            { id: "first", title: "First", write: { path: "same.txt", content: "first\n" } },
            { id: "second", title: "Second", run: "sleep 0.2; echo second >> same.txt" },
          ],
        },
      ]),
    );
    const result = await f.run({ concurrency: 2 });
    expect(result.outcome).toBe("succeeded");
    expect(await f.repo.git("show", "HEAD:same.txt")).toBe("first\nsecond");
    expect(result.tasks[1]?.attempts).toBe(2);
    expect(f.events).toContainEqual(
      expect.objectContaining({
        type: "attempt",
        taskId: "second",
        reason: expect.stringMatching(/^conflict: /),
      }),
    );
    expect((await f.taskCommits()).map((c) => c.task)).toEqual(["first", "second"]);
  });

  it("lands tasks that finish together in one cherry-pick, in start order, and pushes them once", async () => {
    const tasks = [
      { id: "slow", title: "Slow", run: "sleep 0.8; echo s > s.txt" },
      { id: "a", title: "A", run: "sleep 0.1; echo a > a.txt" },
      { id: "b", title: "B", write: { path: "b.txt", content: "b" } },
      { id: "c", title: "C", run: "echo c > c.txt" },
    ];
    const f = await setup(planInput([{ id: "par", mode: "parallel", tasks }]));
    const calls: string[] = [];
    const workspace = spyOn(f.workspace, calls);
    const result = await f.run({ concurrency: 4, workspace, push: { remote: "origin", branch: "p" } });
    expect(result.outcome).toBe("succeeded");
    // "slow" lands last of all to finish, and takes the three waiting behind it along
    expect(calls.filter((c) => !c.startsWith("push"))).toEqual(["cherryPickAll 4"]);
    expect(calls.filter((c) => c.startsWith("push"))).toHaveLength(1);
    const commits = await f.taskCommits();
    expect(commits.map((c) => c.task)).toEqual(["slow", "a", "b", "c"]);
    expect(result.tasks.map((t) => t.sha)).toEqual(commits.map((c) => c.sha));
    for (const [i, c] of commits.entries()) {
      expect(await f.filesOf(c.sha)).toEqual([`${["s", "a", "b", "c"][i]}.txt`]);
    }
    expect(await gitIn(f.repo.remote, "rev-parse", "refs/heads/p")).toBe(result.head);
  });

  it("charges a conflict in a joint landing to the task that has it", async () => {
    const f = await setup(
      planInput([
        {
          id: "par",
          mode: "parallel",
          tasks: [
            { id: "first", title: "First", run: "sleep 0.6; echo first > same.txt" },
            { id: "second", title: "Second", run: "sleep 0.1; echo second >> same.txt" },
            { id: "third", title: "Third", run: "echo third > third.txt" },
          ],
        },
      ]),
    );
    const calls: string[] = [];
    const result = await f.run({ concurrency: 3, workspace: spyOn(f.workspace, calls) });
    expect(result.outcome).toBe("succeeded");
    expect(calls[0]).toBe("cherryPickAll 3");
    expect(result.tasks.map((t) => [t.id, t.attempts])).toEqual([
      ["first", 1],
      ["second", 2],
      ["third", 1],
    ]);
    expect(await f.repo.git("show", "HEAD:same.txt")).toBe("first\nsecond");
    expect((await f.taskCommits()).map((c) => c.task)).toEqual(["first", "second", "third"]);
  });

  it("lets the other tasks finish and land when one fails", async () => {
    const f = await setup(
      planInput([
        {
          id: "par",
          mode: "parallel",
          tasks: [
            { id: "ok", title: "Ok", run: "sleep 0.2; echo ok > ok.txt" },
            { id: "bad", title: "Bad", run: "exit 1", retries: 0 },
          ],
        },
        { id: "later", tasks: [{ id: "never", title: "Never", write: { path: "n", content: "n" } }] },
      ]),
    );
    const result = await f.run({ concurrency: 2 });
    expect(result.outcome).toBe("failed");
    expect(result.tasks.map((t) => t.status)).toEqual(["done", "failed", "pending"]);
    expect((await f.taskCommits()).map((c) => c.task)).toEqual(["ok"]);
  });
});

describe("executePlan: waiting gates", () => {
  it("pauses before each task of a manual phase until --continue", async () => {
    const f = await setup(
      planInput([
        { id: "auto", tasks: [{ id: "a", title: "A", write: { path: "a", content: "a" } }] },
        {
          id: "hands",
          mode: "manual",
          tasks: [
            { id: "m1", title: "M1", write: { path: "m1", content: "1" } },
            { id: "m2", title: "M2", write: { path: "m2", content: "2" } },
          ],
        },
      ]),
    );
    const first = await f.run();
    expect(first).toMatchObject({ outcome: "waiting", waitingOn: "m1" });
    expect(first.message).toBe(
      "waiting for confirmation before task m1 (its phase is manual); run again with --continue",
    );
    expect(f.events).toContainEqual(
      expect.objectContaining({ type: "paused", taskId: "m1", reason: "manual" }),
    );
    expect(await f.run()).toMatchObject({ outcome: "waiting", waitingOn: "m1" });
    expect(await f.run({ confirm: true })).toMatchObject({ outcome: "waiting", waitingOn: "m2" });
    expect(await f.run({ confirm: true })).toMatchObject({ outcome: "succeeded" });
    expect((await f.taskCommits()).map((c) => c.task)).toEqual(["a", "m1", "m2"]);
  });

  it("pauses after a checkpoint task", async () => {
    const f = await setup(
      planInput([
        {
          id: "p",
          tasks: [
            { id: "c", title: "C", write: { path: "c", content: "c" }, checkpoint: true },
            { id: "d", title: "D", write: { path: "d", content: "d" } },
          ],
        },
      ]),
    );
    expect(await f.run()).toMatchObject({ outcome: "waiting", waitingOn: "d" });
    expect(f.events).toContainEqual(
      expect.objectContaining({ type: "paused", taskId: "d", reason: "checkpoint" }),
    );
    expect(await f.run({ confirm: true })).toMatchObject({ outcome: "succeeded" });
  });
});

describe("executePlan: cancellation and crash safety", () => {
  it("discards the current task on cancellation and keeps the last task commit", async () => {
    const f = await setup(
      planInput([
        {
          id: "p",
          tasks: [
            { id: "a", title: "A", write: { path: "a", content: "a" } },
            { id: "slow", title: "Slow", run: "echo half > half.txt; sleep 30" },
          ],
        },
      ]),
    );
    const controller = new AbortController();
    const running = f.run({ signal: controller.signal });
    setTimeout(() => controller.abort(), 600);
    const result = await running;
    expect(result.outcome).toBe("cancelled");
    expect(result.tasks.map((t) => t.status)).toEqual(["done", "failed"]);
    expect(result.tasks[1]?.failureClass).toBe("cancelled");
    const commits = await f.taskCommits();
    expect(commits.map((c) => c.task)).toEqual(["a"]);
    expect(result.head).toBe(commits[0]?.sha);
    expect(await f.workspace.changedPaths()).toEqual([]);
    expect(result.message).toMatch(/^cancelled; the branch stays at [0-9a-f]{7}, its last task commit$/);
  });

  it("refuses to touch a person's uncommitted work", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "a", title: "A", write: { path: "a", content: "a" } }] }]),
    );
    await writeFile(join(f.repo.dir, "README.md"), "my edit\n");
    await expect(f.run()).rejects.toThrow(
      "the working tree has uncommitted changes; commit or stash them first (README.md)",
    );
    expect(await f.repo.git("diff", "--name-only")).toBe("README.md");
  });

  it("discards the mess of its own interrupted task (marker of a dead process, stale git locks)", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "a", title: "A", write: { path: "a", content: "a" } }] }]),
    );
    const gitDir = await f.workspace.gitDir();
    await mkdir(join(gitDir, "planwright"), { recursive: true });
    await writeFile(
      markerPath(gitDir),
      JSON.stringify({ pid: 999_999_999, planId: "7-test", taskId: "a", head: "", startedAt: 0 }),
    );
    await writeFile(join(gitDir, "index.lock"), "");
    await writeFile(join(gitDir, "HEAD.lock"), "");
    await writeFile(join(gitDir, "refs", "heads", "main.lock"), "");
    await writeFile(join(f.repo.dir, "a"), "half-written");
    await writeFile(join(f.repo.dir, "README.md"), "half\n");
    const result = await f.run();
    expect(result.outcome).toBe("succeeded");
    expect(await f.repo.git("show", "HEAD:a")).toBe("a");
    expect(await f.repo.git("show", "HEAD:README.md")).toBe("# test");
    expect(await f.workspace.changedPaths()).toEqual([]);
  });
});

describe("executePlan: push", () => {
  it("pushes after each task commit", async () => {
    const f = await setup(
      planInput([
        {
          id: "p",
          tasks: [
            { id: "a", title: "A", write: { path: "a", content: "a" } },
            { id: "b", title: "B", write: { path: "b", content: "b" } },
          ],
        },
      ]),
    );
    const pushed: string[] = [];
    const result = await f.run({
      push: { remote: "origin", branch: "planwright/7-test" },
      reporter: {
        event: (e) => {
          if (e.type === "task-committed") pushed.push(e.taskId);
        },
      },
    });
    expect(result.outcome).toBe("succeeded");
    expect(pushed).toEqual(["a", "b"]);
    expect(await gitIn(f.repo.remote, "rev-parse", "refs/heads/planwright/7-test")).toBe(result.head);
  });

  it("retries a push that fails transiently", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "a", title: "A", write: { path: "a", content: "a" } }] }]),
    );
    let failures = 1;
    // fault injection: the real workspace, with one network reset in front of its push
    const flaky = new Proxy(f.workspace, {
      get(target, key, receiver) {
        if (key === "push") {
          return async (remote: string, branch: string) => {
            if (failures-- > 0) throw new TransientError("connection reset by peer");
            return target.push(remote, branch);
          };
        }
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const result = await f.run({ workspace: flaky, push: { remote: "origin", branch: "main" } });
    expect(result.outcome, result.message).toBe("succeeded");
    expect(await gitIn(f.repo.remote, "rev-parse", "refs/heads/main")).toBe(result.head);
  });

  it("stops with a conflict when the push is rejected, never forcing", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "a", title: "A", write: { path: "a", content: "a" } }] }]),
    );
    const other = await cloneTestRepo(f.repo.remote);
    try {
      await other.write({ "theirs.txt": "x" });
      await other.git("add", "-A");
      await other.git("commit", "-qm", "their work");
      await other.git("push", "-q", "origin", "HEAD:main");
      const theirs = await other.git("rev-parse", "HEAD");
      const result = await f.run({ push: { remote: "origin", branch: "main" } });
      expect(result.outcome).toBe("failed");
      expect(result.failureClass).toBe("conflict");
      expect(result.message).toMatch(/push to origin\/main was rejected/);
      expect(await gitIn(f.repo.remote, "rev-parse", "refs/heads/main")).toBe(theirs);
    } finally {
      await other.cleanup();
    }
  });
});
