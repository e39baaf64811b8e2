import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileJournal, createWorkQueue, type Job } from "../../src/app/work-queue.js";

/** A job body that waits until released, recording start and end. */
function gate() {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  return { opened, release };
}

describe("work queue", () => {
  it("runs jobs of one key one at a time, in order, and jobs of other keys alongside", async () => {
    const events: string[] = [];
    const gates = new Map([
      ["a1", gate()],
      ["a2", gate()],
      ["b1", gate()],
    ]);
    const queue = createWorkQueue<string>(async (name) => {
      events.push(`start ${name}`);
      await gates.get(name)!.opened;
      events.push(`end ${name}`);
    });
    queue.enqueue({ key: "a", id: "a1", data: "a1" });
    queue.enqueue({ key: "a", id: "a2", data: "a2" });
    queue.enqueue({ key: "b", id: "b1", data: "b1" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(["start a1", "start b1"]);
    gates.get("a2")!.release();
    gates.get("b1")!.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(["start a1", "start b1", "end b1"]);
    gates.get("a1")!.release();
    await queue.idle();
    expect(events).toEqual(["start a1", "start b1", "end b1", "end a1", "start a2", "end a2"]);
    expect(queue.size).toBe(0);
  });

  it("runs a job id once while queued, running or recently done", async () => {
    let runs = 0;
    const queue = createWorkQueue<number>(async () => {
      runs++;
    });
    const job = { key: "k", id: "comment:1", data: 1 };
    expect(queue.enqueue(job)).toBe(true);
    expect(queue.enqueue(job)).toBe(false);
    await queue.idle();
    expect(queue.enqueue(job)).toBe(false);
    expect(runs).toBe(1);
  });

  it("keeps going after a failing job and reports it", async () => {
    const errors: string[] = [];
    const settled: string[] = [];
    const queue = createWorkQueue<string>(
      async (name) => {
        if (name === "bad") throw new Error("boom");
      },
      {
        onError: (error, job) => errors.push(`${job.id}: ${(error as Error).message}`),
        onSettled: (job, _seconds, outcome) => settled.push(`${job.id} ${outcome}`),
      },
    );
    queue.enqueue({ key: "k", id: "bad", data: "bad" });
    queue.enqueue({ key: "k", id: "good", data: "good" });
    await queue.idle();
    expect(errors).toEqual(["bad: boom"]);
    expect(settled).toEqual(["bad error", "good ok"]);
  });

  it("runs a job again after a transient failure, with growing delays, a server's wait, and a bound", async () => {
    const delays: number[] = [];
    let runs = 0;
    const later: string[] = [];
    const queue = createWorkQueue<string>(
      async (name) => {
        if (name === "later") {
          later.push(`ran after ${runs} runs`);
          return;
        }
        runs++;
        throw Object.assign(new Error(`attempt ${runs}`), { wait: runs === 2 ? 5000 : undefined });
      },
      {
        retry: {
          attempts: 4,
          baseMs: 100,
          factor: 3,
          random: () => 0.5,
          sleep: async (ms) => {
            delays.push(ms);
          },
          shouldRetry: (error) => {
            const wait = (error as { wait?: number }).wait;
            return wait !== undefined ? { afterMs: wait } : true;
          },
        },
      },
    );
    queue.enqueue({ key: "k", id: "flaky", data: "flaky" });
    queue.enqueue({ key: "k", id: "later", data: "later" });
    await queue.idle();
    // 100 ms, then the server's 5 s (more than 300 ms), then 900 ms; the fourth failure is final.
    expect(delays).toEqual([100, 5000, 900]);
    expect(runs).toBe(4);
    // The next job of the same key waited for every retry.
    expect(later).toEqual(["ran after 4 runs"]);
  });

  it("does not retry a failure that is not worth it", async () => {
    let runs = 0;
    const queue = createWorkQueue<number>(
      async () => {
        runs++;
        throw new Error("policy");
      },
      { retry: { attempts: 5, shouldRetry: () => false, sleep: async () => undefined } },
    );
    queue.enqueue({ key: "k", id: "x", data: 1 });
    await queue.idle();
    expect(runs).toBe(1);
  });

  it("idle() resolves at once when nothing is queued", async () => {
    const queue = createWorkQueue<number>(async () => undefined);
    await expect(queue.idle()).resolves.toBeUndefined();
  });
});

const journalDirs: string[] = [];
/** A fresh folder for a journal, removed after the test. */
function journalDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "planwright-journal-"));
  journalDirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of journalDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("file journal", () => {
  it("brings back the jobs a crashed process accepted and did not finish", async () => {
    const dir = journalDir();
    const first = createFileJournal<string>(dir);
    const hang = gate();
    const crashed = createWorkQueue<string>(
      async (name) => {
        if (name === "slow") await hang.opened;
      },
      { journal: first },
    );
    crashed.enqueue({ key: "a", id: "fast", data: "fast" });
    crashed.enqueue({ key: "b", id: "slow", data: "slow" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The process "dies" here: "slow" never finishes. A torn last line is what a crash mid-write leaves.
    appendFileSync(join(dir, "jobs.jsonl"), '{"op":"add","job":{"key":"c","id":"tor');

    const ran: string[] = [];
    const restarted = createWorkQueue<string>(
      async (name) => {
        ran.push(name);
      },
      { journal: createFileJournal<string>(dir) },
    );
    expect(restarted.recover()).toBe(1);
    await restarted.idle();
    expect(ran).toEqual(["slow"]);
    // The restart compacted the journal to the one open job, then marked it done.
    const lines = readFileSync(join(dir, "jobs.jsonl"), "utf8").trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { op: string }).op)).toEqual(["add", "done"]);
    // So a further restart has nothing to resume.
    expect(createFileJournal<string>(dir).pending()).toEqual([]);
    expect(readFileSync(join(dir, "jobs.jsonl"), "utf8")).toBe("");
    hang.release();
  });

  it("stays small on a long-running server: finished jobs are compacted away", () => {
    const dir = journalDir();
    const journal = createFileJournal<number>(dir, 10);
    journal.add({ key: "k", id: "open", data: 0 });
    for (let i = 0; i < 100; i++) {
      journal.add({ key: "k", id: `job-${i}`, data: i });
      journal.done(`job-${i}`);
    }
    const lines = readFileSync(join(dir, "jobs.jsonl"), "utf8").trim().split("\n");
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(
      createFileJournal<number>(dir)
        .pending()
        .map((job) => job.id),
    ).toEqual(["open"]);
  });

  it("keeps the job's data as it was accepted", () => {
    const dir = journalDir();
    const job: Job<{ issue: number; text: string }> = {
      key: "o/r#1",
      id: "comment:9",
      data: { issue: 1, text: "ü ✓" },
    };
    createFileJournal<typeof job.data>(dir).add(job);
    expect(createFileJournal<typeof job.data>(dir).pending()).toEqual([job]);
  });
});
