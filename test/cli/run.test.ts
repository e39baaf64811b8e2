import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/program.js";
import type { CliIO } from "../../src/cli/io.js";
import { ProgressReporter, formatElapsed, formatTaskTable } from "../../src/cli/progress-reporter.js";
import { planSchema } from "../../src/plan/schema.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";

function memoryIO(cwd: string, isTTY = false): CliIO & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTTY,
    env: { PATH: process.env["PATH"], NO_COLOR: "1" },
    cwd,
    stdout: () => out,
    stderr: () => err,
  };
}

const PLAN = `version: 1
id: 9-cli
title: CLI plan
request: try the cli
phases:
  - id: one
    tasks:
      - id: hello
        title: Say hello
        write: { path: hello.txt, content: "hello\\n" }
  - id: two
    mode: manual
    tasks:
      - id: bye
        title: Say bye
        run: echo bye > bye.txt
`;

let repo: TestRepo | undefined;
afterEach(async () => {
  await repo?.cleanup();
  repo = undefined;
});

async function repoWithPlan(text = PLAN): Promise<TestRepo> {
  repo = await createTestRepo();
  await repo.write({ ".planwright/plans/9-cli.yaml": text });
  await repo.git("add", "-A");
  await repo.git("commit", "-qm", "add plan");
  return repo;
}

describe("planwright run", () => {
  it("runs until a manual phase (exit 3), then --continue finishes it (exit 0)", async () => {
    const r = await repoWithPlan();
    const io = memoryIO(r.dir);
    const log = join(r.dir, "..", "events.jsonl");
    expect(await main(["run", ".planwright/plans/9-cli.yaml", "--log", log], io)).toBe(3);
    expect(io.stdout()).toContain("✓ hello");
    expect(io.stdout()).toContain(
      "waiting: waiting for confirmation before task bye (its phase is manual); run again with --continue",
    );
    const io2 = memoryIO(r.dir);
    expect(await main(["run", ".planwright/plans/9-cli.yaml", "--continue", "--log", log], io2)).toBe(0);
    expect(io2.stdout()).toMatch(/^task +status +attempts +time +commit$/m);
    expect(io2.stdout()).toMatch(/^bye +done +1 /m);
    expect(await r.git("log", "--format=%s", "-3")).toBe("Say bye\nSay hello\nadd plan");
    const events = (await readFile(log, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string });
    expect(events[0]?.type).toBe("run-started");
    expect(events.filter((e) => e.type === "run-finished")).toHaveLength(2);
    expect(events.map((e) => e.type)).toContain("paused");
  });

  it("prints the waves with --dry-run and changes nothing", async () => {
    const r = await repoWithPlan();
    const io = memoryIO(r.dir);
    const head = await r.git("rev-parse", "HEAD");
    expect(await main(["run", ".planwright/plans/9-cli.yaml", "--dry-run"], io)).toBe(0);
    expect(io.stdout()).toContain(
      "wave 1 (phase one, sequential):\n  hello: would run: write hello.txt (6 bytes)",
    );
    expect(io.stdout()).toContain("  bye: waits for --continue (manual): run `echo bye > bye.txt`");
    expect(await r.git("rev-parse", "HEAD")).toBe(head);
  });

  it("exits 1 with a one-line reason when a task fails", async () => {
    const r = await repoWithPlan(
      PLAN.replace("echo bye > bye.txt", "exit 7").replace("mode: manual", "mode: sequential"),
    );
    const io = memoryIO(r.dir);
    expect(await main(["run", ".planwright/plans/9-cli.yaml"], io)).toBe(1);
    expect(io.stderr()).toContain(
      "planwright: failed: task bye failed (verification): command exited with status 7\n",
    );
  });

  it("refuses a dirty working tree with a clear message", async () => {
    const r = await repoWithPlan();
    await writeFile(join(r.dir, "README.md"), "changed\n");
    const io = memoryIO(r.dir);
    expect(await main(["run", ".planwright/plans/9-cli.yaml"], io)).toBe(1);
    expect(io.stderr()).toBe(
      "planwright: the working tree has uncommitted changes; commit or stash them first (README.md)\n",
    );
  });

  it("reports an invalid plan compiler-style and a bad option as usage", async () => {
    const r = await repoWithPlan();
    await writeFile(join(r.dir, "bad.yaml"), "version: 1\nid: x\n");
    const io = memoryIO(r.dir);
    expect(await main(["run", "bad.yaml"], io)).toBe(1);
    expect(io.stderr()).toMatch(/^bad\.yaml:\d+:\d+: error: /m);
    expect(await main(["run", "bad.yaml", "--concurrency", "0"], memoryIO(r.dir))).toBe(2);
  });

  it("documents the exit statuses in --help", async () => {
    const io = memoryIO(process.cwd());
    expect(await main(["run", "--help"], io)).toBe(0);
    expect(io.stdout()).toContain("3  waiting for confirmation");
  });
});

describe("ProgressReporter", () => {
  const plan = planSchema.parse({
    version: 1,
    id: "p",
    title: "P",
    request: "r",
    phases: [
      {
        id: "a",
        tasks: [
          { id: "t1", title: "One", run: "x" },
          { id: "t2", title: "Two", run: "y" },
        ],
      },
    ],
  });

  it("prints one plain line per event when not a terminal", () => {
    let text = "";
    const r = new ProgressReporter({ write: (t) => (text += t), tty: false, color: false }, plan);
    r.event({ type: "task-started", taskId: "t1", at: 0 });
    r.event({ type: "output", taskId: "t1", tail: "a\n\u001b[31mred\u001b[0m", at: 1 });
    r.event({
      type: "task-committed",
      taskId: "t1",
      sha: "abcdef0123",
      durationMs: 1500,
      attempts: 1,
      at: 2,
    });
    r.event({
      type: "task-failed",
      taskId: "t2",
      failureClass: "policy",
      message: "denied\nmore",
      attempts: 1,
      at: 3,
    });
    expect(text).toBe("▶ t1: started\n  t1 │ red\n✓ t1 abcdef0 (1.5s)\n✗ t2: policy: denied\n");
  });

  it("redraws the task tree in place on a terminal", () => {
    let text = "";
    let now = 0;
    const r = new ProgressReporter({ write: (t) => (text += t), tty: true, color: false }, plan, () => now);
    now = 1000;
    r.event({ type: "task-started", taskId: "t1", at: 1000 });
    now = 3500;
    r.event({
      type: "task-committed",
      taskId: "t1",
      sha: "abcdef0123",
      durationMs: 2500,
      attempts: 1,
      at: 3500,
    });
    r.event({
      type: "run-finished",
      outcome: "succeeded",
      message: "",
      usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
      durationMs: 2500,
      at: 3500,
    });
    expect(text).toContain("\u001b[2A");
    expect(text).toContain("\u001b[2K✓ t1 One 2.5s — abcdef0\n\u001b[2K· t2 Two\n");
  });

  it("formats elapsed times and the final table", () => {
    expect([formatElapsed(850), formatElapsed(12_345), formatElapsed(245_000)]).toEqual([
      "850ms",
      "12.3s",
      "4m05s",
    ]);
    const table = formatTaskTable([
      {
        id: "a",
        status: "done",
        sha: "0123456789",
        attempts: 1,
        durationMs: 1200,
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
      },
      {
        id: "bb",
        status: "failed",
        failureClass: "policy",
        attempts: 1,
        durationMs: 5,
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
      },
    ]);
    expect(table).toBe(
      "task  status           attempts  time  commit\na     done             1         1.2s  0123456\nbb    failed (policy)  1         5ms   -\n",
    );
  });
});

describe("planwright run after the plan file was edited", () => {
  it("resumes with a warning when only prose changed, and refuses when a task changed", async () => {
    const r = await repoWithPlan();
    const file = ".planwright/plans/9-cli.yaml";
    expect(await main(["run", file], memoryIO(r.dir))).toBe(3);
    // a new title and a comment: graphHash is the same
    await writeFile(
      join(r.dir, file),
      PLAN.replace("title: CLI plan", "title: CLI plan, renamed").replace(
        "title: Say bye",
        "title: Say goodbye",
      ),
    );
    await r.git("commit", "-qam", "retitle");
    const io = memoryIO(r.dir);
    expect(await main(["run", file, "--continue"], io)).toBe(0);
    expect(io.stderr()).toMatch(
      /^warning: .*9-cli\.yaml changed since its tasks were committed .*resuming$/m,
    );
    const status = memoryIO(r.dir);
    expect(await main(["status", file, "--json"], status)).toBe(0);
    expect((JSON.parse(status.stdout()) as { done: number }).done).toBe(2);

    await writeFile(join(r.dir, file), PLAN.replace('content: "hello\\n"', 'content: "hi\\n"'));
    await r.git("commit", "-qam", "change a task");
    const changed = memoryIO(r.dir);
    expect(await main(["run", file], changed)).toBe(1);
    expect(changed.stderr()).toMatch(/the plan changed under the branch: task hello/);
  });
});
