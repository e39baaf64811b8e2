/**
 * "Answer fast, work after": webhook handlers acknowledge and enqueue; the slow part (the model,
 * commits, dispatches) runs here after GitHub has had its 2xx. Jobs with the same key (one issue or
 * pull request) run one after another, so two reviews of a PR never race; jobs with the same id
 * (the triggering comment, review or delivery) run once, however often GitHub delivers them.
 *
 * With a journal, a job is written to disk before the webhook is answered and marked done when it
 * ends, so a process that dies mid-way finds the unfinished jobs on restart ({@link WorkQueue.recover}).
 * The jobs themselves are idempotent (keyed by the comment id on GitHub), so running one twice is
 * safe; the journal only makes sure none is lost.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One unit of background work. `data` must be JSON-serialisable when a journal is used. */
export interface Job<T> {
  /** Serialisation key: jobs with equal keys never run at the same time (e.g. `o/r#12`). */
  key: string;
  /** Idempotency key: a job whose id is queued, running or recently done is not queued again. */
  id: string;
  data: T;
}

/** Durable record of accepted jobs. */
export interface JobJournal<T> {
  add(job: Job<T>): void;
  done(id: string): void;
  /** Jobs added and not done, oldest first. */
  pending(): Job<T>[];
}

export interface WorkQueueOptions<T> {
  journal?: JobJournal<T>;
  /** Called with every job failure (the job's own reporting comes first; this is for logs). */
  onError?: (error: unknown, job: Job<T>) => void;
  /** Called when a job ends, with its duration in seconds. */
  onSettled?: (job: Job<T>, seconds: number, outcome: "ok" | "error") => void;
  /** Called whenever the number of queued or running jobs changes. */
  onDepth?: (depth: number) => void;
  /** How many finished ids to remember for de-duplication (default 10,000). */
  remember?: number;
  /** Running a job again after a failure worth retrying (the jobs are idempotent). */
  retry?: RetryOptions;
  now?: () => number;
}

/** Bounded exponential backoff with jitter for failed jobs. */
export interface RetryOptions {
  /** Runs in all, the first included. Default 1 (no retry). */
  attempts?: number;
  /** First delay; multiplied by `factor` each time. Default 500 ms. */
  baseMs?: number;
  factor?: number;
  /** Largest single delay, also for a server's retry-after. Default 60 s. */
  maxDelayMs?: number;
  /** Whether to retry after `error`, and the least wait the failure asks for (retry-after). */
  shouldRetry?: (error: unknown) => boolean | { afterMs: number };
  /** Source of jitter in [0, 1). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface WorkQueue<T> {
  /** Queues a job; false when its id is already queued, running or recently done. */
  enqueue(job: Job<T>): boolean;
  /** Resolves once nothing is queued or running (jobs queued meanwhile included). */
  idle(): Promise<void>;
  /** Queues the journal's unfinished jobs (after a restart); returns how many. */
  recover(): number;
  /** Jobs queued or running. */
  readonly size: number;
}

/** A queue that runs `run` for each job; see the module comment. */
export function createWorkQueue<T>(
  run: (data: T, job: Job<T>) => Promise<void>,
  options: WorkQueueOptions<T> = {},
): WorkQueue<T> {
  const now = options.now ?? (() => performance.now());
  const remember = options.remember ?? 10_000;
  const tails = new Map<string, Promise<void>>();
  const active = new Set<string>();
  const finished = new Set<string>();
  let idleWaiters: (() => void)[] = [];

  const depthChanged = () => {
    options.onDepth?.(active.size);
    if (active.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  const retry = options.retry ?? {};
  const attempts = Math.max(1, retry.attempts ?? 1);
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = retry.random ?? Math.random;

  /** The wait before run `attempt + 1`, or undefined when `error` is not worth another run. */
  const backoff = (error: unknown, attempt: number): number | undefined => {
    if (attempt >= attempts) return undefined;
    const verdict = retry.shouldRetry?.(error) ?? false;
    if (verdict === false) return undefined;
    const max = retry.maxDelayMs ?? 60_000;
    const computed = (retry.baseMs ?? 500) * (retry.factor ?? 3) ** (attempt - 1);
    const jittered = computed * (0.75 + random() / 2);
    const least = verdict === true ? 0 : verdict.afterMs;
    return Math.min(max, Math.max(jittered, least));
  };

  const execute = async (job: Job<T>): Promise<void> => {
    const started = now();
    let outcome: "ok" | "error";
    for (let attempt = 1; ; attempt++) {
      try {
        await run(job.data, job);
        outcome = "ok";
        break;
      } catch (error) {
        outcome = "error";
        const wait = backoff(error, attempt);
        if (wait === undefined) {
          options.onError?.(error, job);
          break;
        }
        // Jobs of the same key keep waiting behind this one, so order holds across retries.
        await sleep(wait);
      }
    }
    // A failed job is done too: it reported its failure, and replaying it after a restart would
    // only fail again. Work cut short by a crash never gets here, so it stays in the journal.
    try {
      options.journal?.done(job.id);
    } catch (error) {
      options.onError?.(error, job);
    }
    options.onSettled?.(job, (now() - started) / 1000, outcome);
  };

  const schedule = (job: Job<T>): void => {
    active.add(job.id);
    depthChanged();
    const previous = tails.get(job.key) ?? Promise.resolve();
    const tail = previous.then(() => execute(job));
    tails.set(job.key, tail);
    void tail.then(() => {
      if (tails.get(job.key) === tail) tails.delete(job.key);
      active.delete(job.id);
      finished.add(job.id);
      if (finished.size > remember) {
        const oldest = finished.values().next().value;
        if (oldest !== undefined) finished.delete(oldest);
      }
      depthChanged();
    });
  };

  return {
    enqueue(job) {
      if (active.has(job.id) || finished.has(job.id)) return false;
      options.journal?.add(job);
      schedule(job);
      return true;
    },
    idle() {
      if (active.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    recover() {
      let n = 0;
      for (const job of options.journal?.pending() ?? []) {
        if (active.has(job.id) || finished.has(job.id)) continue;
        schedule(job);
        n++;
      }
      return n;
    },
    get size() {
      return active.size;
    },
  };
}

type JournalLine<T> = { op: "add"; job: Job<T> } | { op: "done"; id: string };

/**
 * A journal in `<dir>/jobs.jsonl`: one line per accepted and per finished job, appended
 * synchronously so an accepted job is on disk before the webhook is answered. Opening it, and every
 * `compactAfter` lines, compacts the file to the unfinished jobs. A torn last line (a crash
 * mid-write) is skipped.
 */
export function createFileJournal<T>(dir: string, compactAfter = 1000): JobJournal<T> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "jobs.jsonl");
  const open = new Map<string, Job<T>>();
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    // No journal yet.
  }
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let entry: JournalLine<T>;
    try {
      entry = JSON.parse(line) as JournalLine<T>;
    } catch {
      continue;
    }
    if (entry.op === "add") open.set(entry.job.id, entry.job);
    else if (entry.op === "done") open.delete(entry.id);
  }
  let lines = 0;
  // Written aside and renamed over, so a crash mid-compaction leaves the old journal whole.
  const compact = () => {
    const kept = [...open.values()].map((job) => `${JSON.stringify({ op: "add", job })}\n`);
    writeFileSync(`${file}.tmp`, kept.join(""));
    renameSync(`${file}.tmp`, file);
    lines = kept.length;
  };
  compact();

  const append = (line: JournalLine<T>) => {
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    lines++;
  };
  return {
    add(job) {
      open.set(job.id, job);
      append({ op: "add", job });
    },
    done(id) {
      if (!open.delete(id)) return;
      append({ op: "done", id });
      // A long-running server would otherwise grow the file by two lines per job forever.
      if (lines > compactAfter) compact();
    },
    pending: () => [...open.values()],
  };
}
