/**
 * Crash safety: `planwright run` is SIGKILLed (with its whole process group, as a machine or CI
 * runner would) at seeded random moments, then run again. Every trial must end with exactly one
 * commit per task and the same tree as an uninterrupted run.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";

const TRIALS = 20;
const SEED = 20261123;
const CLI = resolve(import.meta.dirname, "../../src/cli/index.ts");
/** The tsx loader by URL: the child runs in the test repository, where "tsx" would not resolve. */
const TSX = import.meta.resolve("tsx");

/** mulberry32: a tiny seeded PRNG, so a failing trial can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function planText(): string {
  const task = (i: number): string => {
    const id = `t${String(i).padStart(2, "0")}`;
    if (i % 5 === 0) return `      - { id: ${id}, title: Delete ${id}, delete: { path: old/${id}.txt } }`;
    if (i % 2 === 0)
      return `      - { id: ${id}, title: Run ${id}, run: "sleep 0.05; mkdir -p out && echo ${i} > out/${id}.txt" }`;
    return `      - { id: ${id}, title: Write ${id}, write: { path: "src/${id}.txt", content: "task ${i}\\n" } }`;
  };
  const phase = (id: string, mode: string, from: number, to: number) =>
    [
      `  - id: ${id}`,
      `    mode: ${mode}`,
      "    tasks:",
      ...Array.from({ length: to - from }, (_, k) => task(from + k)),
    ].join("\n");
  return [
    "version: 1",
    "id: 5-crash",
    "title: Crash safety",
    "request: survive kills",
    "phases:",
    phase("first", "sequential", 0, 10),
    phase("middle", "parallel", 10, 16),
    phase("last", "sequential", 16, 20),
    "",
  ].join("\n");
}

function seedFiles(): Record<string, string> {
  const files: Record<string, string> = {
    "README.md": "# crash\n",
    ".planwright/plans/5-crash.yaml": planText(),
  };
  for (let i = 0; i < 20; i += 5) files[`old/t${String(i).padStart(2, "0")}.txt`] = "old\n";
  return files;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "planwright-crash-"));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Starts `planwright run` in its own process group; resolves with its exit status (null when killed). */
function startRun(
  dir: string,
  plan = ".planwright/plans/5-crash.yaml",
  tmp = scratch,
): { done: Promise<number | null>; kill: () => void; interrupt: () => void; stderr: () => string } {
  // unsandboxed: what is tried here is the engine's own recovery of commands that outlived a
  // killed run (under bubblewrap they die with it, see test/engine/sandbox.test.ts)
  const child = spawn(process.execPath, ["--import", TSX, CLI, "run", plan, "--sandbox", "off"], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    // worktrees of parallel tasks land in the scratch folder, removed with it
    env: { ...process.env, TMPDIR: tmp, NO_COLOR: "1" },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<number | null>((res) => child.on("close", (code) => res(code)));
  return {
    done,
    interrupt: () => child.kill("SIGINT"),
    stderr: () => stderr,
    kill: () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already finished
      }
    },
  };
}

async function verify(repo: TestRepo, base: string): Promise<{ tree: string }> {
  const tasks = (await repo.git("log", "--format=%(trailers:key=Planwright-Task,valueonly)", `${base}..HEAD`))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .sort();
  expect(tasks).toEqual(Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, "0")}`));
  expect(await repo.git("rev-list", "--count", `${base}..HEAD`)).toBe("20");
  expect(await repo.git("status", "--porcelain", "--untracked-files=all")).toBe("");
  return { tree: await repo.git("rev-parse", "HEAD^{tree}") };
}

describe("crash safety", () => {
  it(`survives ${TRIALS} SIGKILLs at random moments`, { timeout: 600_000 }, async () => {
    const reference = await createTestRepo(seedFiles());
    let expectedTree: string;
    let duration: number;
    try {
      const base = await reference.git("rev-parse", "HEAD");
      const started = Date.now();
      const run = startRun(reference.dir);
      expect(await run.done, run.stderr()).toBe(0);
      duration = Date.now() - started;
      expectedTree = (await verify(reference, base)).tree;
    } finally {
      await reference.cleanup();
    }

    const random = prng(SEED);
    let killedMidway = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const repo = await createTestRepo(seedFiles());
      try {
        const base = await repo.git("rev-parse", "HEAD");
        const delay = Math.floor(random() * duration);
        const first = startRun(repo.dir);
        const timer = setTimeout(first.kill, delay);
        const code = await first.done;
        clearTimeout(timer);
        if (code === null) killedMidway++;
        const again = startRun(repo.dir);
        const second = await again.done;
        expect(second, `trial ${trial} (kill after ${delay} ms): ${again.stderr()}`).toBe(0);
        const { tree } = await verify(repo, base);
        expect(tree, `trial ${trial} (kill after ${delay} ms)`).toBe(expectedTree);
      } finally {
        await repo.cleanup();
      }
    }
    // the seed must actually interrupt runs, or the test proves nothing
    expect(killedMidway).toBeGreaterThanOrEqual(TRIALS / 2);
  });

  it(
    "after a SIGKILL in a parallel phase, the next run leaves no command running and no worktree behind",
    { timeout: 60_000 },
    async () => {
      const slow = (id: string) =>
        `      - { id: ${id}, title: ${id}, run: "echo $$ > .pid; exec sleep 30" }`;
      const quick = (id: string) =>
        `      - { id: ${id}, title: ${id}, write: { path: ${id}.txt, content: ${id} } }`;
      const plan = (task: (id: string) => string) =>
        [
          "version: 1",
          "id: 6-par",
          "title: P",
          "request: r",
          "phases:",
          "  - id: p",
          "    mode: parallel",
          "    tasks:",
        ]
          .concat(["a", "b", "c"].map(task))
          .join("\n") + "\n";
      const repo = await createTestRepo({ "p.yaml": plan(slow), "q.yaml": plan(quick) });
      // its own temporary folder: the killed trials above may leave theirs in the shared one
      const tmp = await mkdtemp(join(scratch, "par-"));
      try {
        const run = startRun(repo.dir, "p.yaml", tmp);
        const pidFiles = async () => {
          const out: string[] = [];
          for (const dir of await readdir(tmp)) {
            if (!dir.startsWith("planwright-wt-")) continue;
            const text = await readFile(join(tmp, dir, "tree", ".pid"), "utf8").catch(() => "");
            if (text.trim()) out.push(text.trim());
          }
          return out;
        };
        let pids: string[] = [];
        for (let i = 0; i < 400 && pids.length < 3; i++) {
          await new Promise((r) => setTimeout(r, 50));
          pids = await pidFiles();
        }
        expect(pids).toHaveLength(3);
        run.kill();
        expect(await run.done).toBeNull();
        const alive = (pid: string) => {
          try {
            process.kill(Number(pid), 0);
            return true;
          } catch {
            return false;
          }
        };
        // the commands run in their own process groups: killing the run's group does not stop them
        expect(pids.filter(alive)).toHaveLength(3);
        expect((await repo.git("worktree", "list")).split("\n").length).toBe(4);

        const again = startRun(repo.dir, "q.yaml", tmp);
        expect(await again.done, again.stderr()).toBe(0);
        for (let i = 0; i < 40 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
        expect(pids.filter(alive)).toEqual([]);
        expect((await repo.git("worktree", "list")).split("\n")).toHaveLength(1);
        expect((await readdir(tmp)).filter((d) => d.startsWith("planwright-wt-"))).toEqual([]);
        expect(await repo.git("status", "--porcelain", "--untracked-files=all")).toBe("");
      } finally {
        await repo.cleanup();
      }
    },
  );

  it(
    "on SIGINT discards the running task, keeps the last task commit and exits 1",
    { timeout: 60_000 },
    async () => {
      const plan = [
        "version: 1",
        "id: 6-sigint",
        "title: Interrupted",
        "request: stop me",
        "phases:",
        "  - id: p",
        "    tasks:",
        "      - { id: a, title: A, write: { path: a.txt, content: a } }",
        '      - { id: slow, title: Slow, run: "echo half > half.txt; sleep 30" }',
        "",
      ].join("\n");
      const repo = await createTestRepo({ ".planwright/plans/6-sigint.yaml": plan });
      try {
        const run = startRun(repo.dir, ".planwright/plans/6-sigint.yaml");
        // interrupt once the slow task has started writing
        for (let i = 0; i < 200; i++) {
          // --no-optional-locks: this status must not take the index lock the run needs
          const status = await repo.git(
            "--no-optional-locks",
            "status",
            "--porcelain",
            "--untracked-files=all",
          );
          if (status.includes("half.txt")) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        run.interrupt();
        expect(await run.done, run.stderr()).toBe(1);
        expect(run.stderr()).toMatch(/planwright: cancelled: cancelled; the branch stays at [0-9a-f]{7}/);
        expect(await repo.git("log", "-1", "--format=%s")).toBe("A");
        expect(await repo.git("status", "--porcelain", "--untracked-files=all")).toBe("");
      } finally {
        await repo.cleanup();
      }
    },
  );
});
