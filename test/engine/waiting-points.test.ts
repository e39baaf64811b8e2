/**
 * Waiting points (manual phases and checkpoints) in every phase mode, on real repositories: what
 * runs before the pause, what one --continue releases, and that the pause survives a new process
 * (it is derived from history).
 */
import { afterEach, describe, expect, it } from "vitest";
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
const write = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  title: id.toUpperCase(),
  write: { path: `${id}.txt`, content: id },
  ...extra,
});

describe("waiting points", () => {
  it("a checkpoint before a parallel phase pauses before any of the phase runs; one --continue releases it all", async () => {
    const f = await setup(
      planInput([
        { id: "first", tasks: [write("a", { checkpoint: true })] },
        { id: "fan", mode: "parallel", tasks: [write("p1"), write("p2"), write("p3")] },
      ]),
    );
    const first = await f.run();
    expect(first).toMatchObject({ outcome: "waiting", waitingOn: "p1" });
    expect(first.message).toContain("checkpoint a is done");
    expect((await f.taskCommits()).map((c) => c.task)).toEqual(["a"]);
    // a plain re-run (another process, nothing in memory) still waits
    expect(await f.run()).toMatchObject({ outcome: "waiting" });
    expect((await f.taskCommits()).map((c) => c.task)).toEqual(["a"]);
    const second = await f.run({ confirm: true });
    expect(second.outcome).toBe("succeeded");
    expect((await f.taskCommits()).map((c) => c.task).sort()).toEqual(["a", "p1", "p2", "p3"]);
  });

  it("a checkpoint inside a parallel phase pauses once it lands; tasks started before it land first", async () => {
    const f = await setup(
      planInput([
        {
          id: "fan",
          mode: "parallel",
          tasks: [
            { id: "slow", title: "Slow", run: "sleep 0.5; echo s > slow.txt" },
            write("c", { checkpoint: true }),
            write("after1"),
            write("after2"),
          ],
        },
      ]),
    );
    const first = await f.run({ concurrency: 4 });
    expect(first.outcome).toBe("waiting");
    expect(first.message).toContain("checkpoint c is done");
    expect((await f.taskCommits()).map((c) => c.task)).toEqual(["slow", "c"]);
    expect(first.tasks.filter((t) => t.status === "pending").map((t) => t.id)).toEqual(["after1", "after2"]);
    expect(await f.run()).toMatchObject({ outcome: "waiting" });
    const second = await f.run({ confirm: true });
    expect(second.outcome).toBe("succeeded");
    const order = (await f.taskCommits()).map((c) => c.task);
    expect(order.slice(0, 2)).toEqual(["slow", "c"]);
    expect(order.slice(2).sort()).toEqual(["after1", "after2"]);
  });

  it("one --continue passes one waiting point: a second checkpoint in the same run pauses again", async () => {
    const f = await setup(
      planInput([
        { id: "s", tasks: [write("a", { checkpoint: true }), write("b", { checkpoint: true }), write("c")] },
      ]),
    );
    expect(await f.run()).toMatchObject({ outcome: "waiting", waitingOn: "b" });
    expect(await f.run({ confirm: true })).toMatchObject({ outcome: "waiting", waitingOn: "c" });
    expect(await f.run({ confirm: true })).toMatchObject({ outcome: "succeeded" });
  });

  it("a checkpoint followed by a manual phase takes one confirmation for both, then one per manual task", async () => {
    const f = await setup(
      planInput([
        { id: "s", tasks: [write("a", { checkpoint: true })] },
        { id: "m", mode: "manual", tasks: [write("m1"), write("m2")] },
      ]),
    );
    const first = await f.run();
    expect(first).toMatchObject({ outcome: "waiting", waitingOn: "m1" });
    expect(f.events).toContainEqual(
      expect.objectContaining({ type: "paused", taskId: "m1", reason: "checkpoint" }),
    );
    expect(await f.run({ confirm: true })).toMatchObject({ outcome: "waiting", waitingOn: "m2" });
    expect(await f.run({ confirm: true })).toMatchObject({ outcome: "succeeded" });
    expect((await f.taskCommits()).map((c) => c.task)).toEqual(["a", "m1", "m2"]);
  });

  it("a checkpoint inside a manual phase and as the plan's last task", async () => {
    const f = await setup(
      planInput([
        {
          id: "m",
          mode: "manual",
          tasks: [write("m1", { checkpoint: true }), write("m2", { checkpoint: true })],
        },
      ]),
    );
    expect(await f.run()).toMatchObject({ outcome: "waiting", waitingOn: "m1" });
    expect(await f.run({ confirm: true })).toMatchObject({ outcome: "waiting", waitingOn: "m2" });
    // the last task's checkpoint has nothing left to hold back
    expect(await f.run({ confirm: true })).toMatchObject({ outcome: "succeeded" });
  });

  it("the dry run shows which task waits and why", async () => {
    const f = await setup(
      planInput([
        { id: "first", tasks: [write("a", { checkpoint: true })] },
        { id: "fan", mode: "parallel", tasks: [write("p1"), write("p2")] },
      ]),
    );
    await f.run();
    const dry = await f.run({ dryRun: true });
    expect(dry.dryRun?.join("\n")).toMatch(/p1: waits for --continue \(checkpoint\)/);
    expect(dry.dryRun?.join("\n")).toMatch(/p2: waits for --continue \(checkpoint\)/);
  });
});

describe("base pin", () => {
  it("refuses a plan pinned to a commit that is not in the branch's history, and runs one that is", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [write("a")] }], { base: { ref: "main", sha: "0123456789abcdef0123" } }),
    );
    await expect(f.run()).rejects.toThrow(
      /pinned to base 0123456789abcdef0123 \(main\), which is not in this branch's history/,
    );
    expect(await f.taskCommits()).toEqual([]);
    const head = await f.repo.git("rev-parse", "HEAD");
    const pinned = { ...f.plan, base: { ref: "main", sha: head.slice(0, 12) } };
    expect((await f.run({ plan: pinned })).outcome).toBe("succeeded");
  });
});
