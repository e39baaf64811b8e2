/**
 * A parallel phase: each task runs in its own git worktree as soon as the tasks it `needs` have
 * landed, at most `concurrency` at once. Finished commits land on the branch in the order the
 * tasks started (plan order as far as `needs` allows), by cherry-pick; a conflict there re-runs the
 * later task on top of the new head. When a task's turn comes and the tasks started after it have
 * finished too, their commits land with it in one cherry-pick (if that conflicts, each lands on
 * its own turn as usual), so tasks that finish together do not queue behind each other.
 */
import pLimit from "p-limit";
import { failureClassOf, messageOf } from "../errors.js";
import type { Phase, Task } from "../plan/schema.js";
import type { RunContext } from "./run-context.js";
import { ZERO_USAGE, addUsage } from "./ports.js";
import { retriesOf, runTask, type TaskOutcome } from "./task-runner.js";

const DEFAULT_CONCURRENCY = 4;

export async function landParallelPhase(run: RunContext, phase: Phase): Promise<void> {
  const limit = pLimit(Math.max(1, run.options.concurrency ?? DEFAULT_CONCURRENCY));
  const inPhase = new Set(phase.tasks.map((t) => t.id));
  const started = new Set<string>();
  /** Settles when each started task has landed or failed, in start order. */
  const landings: Promise<void>[] = [];
  const running = new Set<Promise<void>>();
  /** Worktree removals, left off the landing path and awaited before the phase ends. */
  const cleanups: Promise<void>[] = [];
  const landing: Landing = { order: [], waiting: new Map(), landedEarly: new Map() };

  for (;;) {
    if (!run.stop && !run.signal.aborted) {
      for (const task of phase.tasks) {
        if (started.has(task.id) || run.statusOf(task.id) === "done") continue;
        const ready = (task.needs ?? []).every((n) => !inPhase.has(n) || run.statusOf(n) === "done");
        if (!ready) continue;
        // a running checkpoint lets nothing else start: what lands after it must wait for it
        if (checkpointRunning(phase, started, run)) break;
        const gate = run.gateOf(task);
        if (!run.gates.admit(gate)) {
          run.waiting ??= gate;
          continue;
        }
        started.add(task.id);
        landing.order.push(task.id);
        const turn = Promise.all([...landings]).then(() => undefined);
        const tracked: Promise<void> = runParallelTask(run, task, limit, turn, cleanups, landing).then(() => {
          running.delete(tracked);
        });
        landings.push(tracked);
        running.add(tracked);
      }
    }
    if (running.size === 0) {
      await Promise.all(cleanups);
      await run.parallel?.clear().catch(() => undefined);
      return;
    }
    await Promise.race(running);
  }
}

function checkpointRunning(phase: Phase, started: ReadonlySet<string>, run: RunContext): boolean {
  return phase.tasks.some(
    (t) =>
      t.checkpoint && started.has(t.id) && run.statusOf(t.id) !== "done" && run.statusOf(t.id) !== "failed",
  );
}

/** Runs one task in a fresh worktree, waits for its turn, then lands its commit (never rejects). */
async function runParallelTask(
  run: RunContext,
  task: Task,
  limit: ReturnType<typeof pLimit>,
  turn: Promise<void>,
  cleanups: Promise<void>[],
  landing: Landing,
): Promise<void> {
  const { workspace, clock } = run;
  const report = run.reports.get(task.id);
  let startedAt: number | undefined;
  let total: TaskOutcome = { ok: false, attempts: 0, usage: ZERO_USAGE };
  const conflictRetries = Math.max(1, retriesOf(run.plan, task));
  for (let round = 0; ; round++) {
    let outcome: TaskOutcome | undefined;
    try {
      outcome = await limit(async () => {
        if (run.signal.aborted || (run.stop && round === 0)) return undefined;
        if (startedAt === undefined) {
          startedAt = clock.now();
          if (report) report.status = "running";
          run.reporter.event({ type: "task-started", taskId: task.id, at: startedAt });
        }
        const tree = await workspace.worktree("HEAD");
        const record = run.parallel;
        await record?.note({ worktree: tree.root }).catch(() => undefined);
        try {
          const context = {
            ...run.taskContext(task, tree),
            // a crashed run's commands are stopped by the next run (parallel-record.ts)
            onCommand: (group: number) => void record?.note({ group }).catch(() => undefined),
          };
          return await runTask(context, () => tree.commit(run.commitRequest(task)));
        } finally {
          // the commit stays in the shared object store after its worktree is gone, so the
          // removal need not hold up this task's landing or the next task's start
          cleanups.push(
            tree
              .dispose()
              .then(() => record?.forget(tree.root))
              .catch(() => undefined),
          );
        }
      });
    } catch (error) {
      outcome = {
        ok: false,
        attempts: 1,
        usage: ZERO_USAGE,
        failureClass: failureClassOf(error),
        message: messageOf(error),
      };
    }
    if (outcome === undefined) {
      if (report && report.status === "running") report.status = "pending";
      return;
    }
    total = {
      ...outcome,
      attempts: total.attempts + outcome.attempts,
      usage: addUsage(total.usage, outcome.usage),
    };
    if (outcome.ok && outcome.sha) landing.waiting.set(task.id, outcome.sha);
    await turn;
    landing.waiting.delete(task.id);
    const early = landing.landedEarly.get(task.id);
    if (early !== undefined) {
      // an earlier task's turn landed this commit with its own
      landing.landedEarly.delete(task.id);
      total = { ...total, sha: early };
    } else if (outcome.ok && run.signal.aborted) {
      total = {
        ...total,
        ok: false,
        failureClass: "cancelled",
        message: "cancelled before its commit landed",
      };
    } else if (outcome.ok && outcome.sha) {
      const landed = await landWithFollowers(run, task, outcome.sha, landing);
      if (landed.conflict && round < conflictRetries && !run.signal.aborted) {
        if (!run.gates.admit(run.gateOf(task))) {
          // a checkpoint landed meanwhile: the task runs again after the confirmation
          if (report) {
            report.status = "pending";
            report.attempts += total.attempts;
            report.usage = addUsage(report.usage, total.usage);
          }
          return;
        }
        run.reporter.event({
          type: "attempt",
          taskId: task.id,
          attempt: total.attempts + 1,
          reason: `conflict: ${landed.conflict}`,
          at: clock.now(),
        });
        continue;
      }
      total = landed.sha
        ? { ...total, sha: landed.sha }
        : {
            ...total,
            ok: false,
            failureClass: landed.failureClass ?? "conflict",
            message: landed.conflict ?? "failed to land",
          };
    }
    // pushed before it is reported, so that the report names the commit that landed
    if (total.ok && total.sha) await run.pushHead();
    run.finish(task, total, startedAt ?? clock.now());
    return;
  }
}

/** Who waits to land, in start order, and what landed ahead of its turn. */
interface Landing {
  /** Task ids in the order they started: the order their commits land. */
  order: string[];
  /** Worktree commits of tasks that finished and wait for their turn. */
  waiting: Map<string, string>;
  /** Landed commits of tasks whose commit went with an earlier task's. */
  landedEarly: Map<string, string>;
}

/**
 * Lands `sha` of `task` and, in the same cherry-pick, the commits of the tasks right after it in
 * start order that are already waiting. When that fails, `task` lands alone (the others keep
 * their own turn), so a conflict is always charged to the task that has it.
 */
async function landWithFollowers(
  run: RunContext,
  task: Task,
  sha: string,
  landing: Landing,
): ReturnType<typeof land> {
  const followers: [string, string][] = [];
  for (const id of landing.order.slice(landing.order.indexOf(task.id) + 1)) {
    const waiting = landing.waiting.get(id);
    if (waiting === undefined) break;
    followers.push([id, waiting]);
  }
  const pickAll = run.workspace.cherryPickAll?.bind(run.workspace);
  if (followers.length === 0 || !pickAll || run.signal.aborted) return land(run, task, sha);
  await run.lock.mark({ planId: run.plan.id, taskId: task.id });
  try {
    const [first, ...rest] = await pickAll([sha, ...followers.map(([, commit]) => commit)]);
    await run.lock.clear();
    followers.forEach(([id], i) => {
      landing.waiting.delete(id);
      landing.landedEarly.set(id, rest[i] ?? "");
    });
    return { sha: first ?? "" };
  } catch {
    const cleaned = await run.workspace.discard().then(
      () => true,
      () => false,
    );
    if (cleaned) await run.lock.clear();
    return land(run, task, sha);
  }
}

/** Cherry-picks a worktree commit onto the branch under the run marker. */
async function land(
  run: RunContext,
  task: Task,
  sha: string,
): Promise<{ sha?: string; conflict?: string; failureClass?: ReturnType<typeof failureClassOf> }> {
  const { workspace } = run;
  await run.lock.mark({ planId: run.plan.id, taskId: task.id });
  try {
    const landed = await workspace.cherryPick(sha);
    await run.lock.clear();
    return { sha: landed };
  } catch (error) {
    // the marker stays when the tree could not be cleaned, so the next run knows the mess is ours
    if (
      await workspace.discard().then(
        () => true,
        () => false,
      )
    )
      await run.lock.clear();
    return { conflict: messageOf(error), failureClass: failureClassOf(error) };
  }
}
