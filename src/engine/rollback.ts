/**
 * Undoing executed tasks with `git revert`, never by rewriting history: each reverted task gets
 * its own commit carrying Planwright-Revert, so the state derived from history shows it reverted.
 * A rollback is all or nothing: any failure puts the branch back where it started.
 */
import { ConflictError, PlanwrightError, UsageError, messageOf } from "../errors.js";
import { dependents } from "../plan/graph.js";
import type { Plan, Task } from "../plan/schema.js";
import {
  TRAILER_PLAN,
  TRAILER_PLAN_BLOB,
  TRAILER_REVERT,
  type Clock,
  type Reporter,
  type Workspace,
} from "./ports.js";
import type { ProofSource } from "./commit-identity.js";
import { deriveState, type ExecutionState } from "./state.js";

/** One task commit to revert. */
export interface RollbackStep {
  taskId: string;
  sha: string;
}

export interface RevertedTask extends RollbackStep {
  revertSha: string;
}

export interface RollbackOptions {
  /** Roll back this task and every done task that (transitively) needs it; all done tasks when absent. */
  taskId?: string;
  /** Push the branch once every revert succeeded. */
  push?: { remote: string; branch: string };
  reporter?: Reporter;
  clock?: Pick<Clock, "now">;
  /** Proofs of Planwright's commits (see commit-identity.ts); the trailers alone when absent. */
  proofs?: ProofSource;
  /** Earlier blobs of the plan file that count as `planBlob` (see deriveState). */
  samePlanBlobs?: readonly string[];
}

export interface RollbackResult {
  /** Newest first, in the order they were reverted. */
  reverted: RevertedTask[];
  head: string;
}

function findTask(plan: Plan, taskId: string): Task | undefined {
  for (const phase of plan.phases) for (const task of phase.tasks) if (task.id === taskId) return task;
  return undefined;
}

/**
 * The task commits to revert, newest first. Without `taskId`: every done task. With it: that task
 * and every done task that transitively needs it. Throws UsageError when the task is unknown or
 * not done.
 */
export function planRollback(plan: Plan, state: ExecutionState, taskId?: string): RollbackStep[] {
  let ids: Set<string>;
  if (taskId === undefined) {
    ids = new Set(state.tasks.keys());
  } else {
    const own = state.tasks.get(taskId);
    if (!own || !findTask(plan, taskId))
      throw new UsageError(`plan ${plan.id} has no task ${JSON.stringify(taskId)}`);
    if (own.status !== "done")
      throw new UsageError(`task ${taskId} is ${own.status}, there is nothing to roll back`);
    ids = new Set([taskId, ...dependents(plan, taskId)]);
  }
  const steps: (RollbackStep & { position: number })[] = [];
  for (const id of ids) {
    const s = state.tasks.get(id);
    if (s?.status === "done" && s.sha !== undefined)
      // undoing an adopted task undoes the hand-made commit it stands for (its record is empty)
      steps.push({ taskId: id, sha: s.adopted ?? s.sha, position: s.position ?? 0 });
  }
  steps.sort((a, b) => b.position - a.position);
  return steps.map(({ taskId: id, sha }) => ({ taskId: id, sha }));
}

/**
 * Reverts task commits newest first, one revert commit per task titled `Revert "<task title>"`
 * with trailers Planwright-Plan, Planwright-Revert and Planwright-Plan-Blob; then pushes when
 * asked. Refuses to start on a working tree with uncommitted changes. Any failure (a revert
 * conflict, a rejected push) resets the branch to the commit it started from and rethrows, so the
 * branch is either fully rolled back or exactly as before; nothing is pushed until every revert
 * succeeded.
 */
export async function rollback(
  workspace: Workspace,
  plan: Plan,
  planBlob: string,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const state = deriveState(
    plan,
    planBlob,
    await workspace.history(),
    options.proofs,
    new Set(options.samePlanBlobs ?? []),
  );
  const steps = planRollback(plan, state, options.taskId);
  const start = await workspace.head();
  if (steps.length === 0) return { reverted: [], head: start };

  const dirty = await workspace.changedPaths();
  if (dirty.length > 0) {
    throw new ConflictError(
      `the working tree has uncommitted changes (${dirty.slice(0, 5).join(", ")}${dirty.length > 5 ? ", …" : ""}); ` +
        "commit or discard them before rolling back",
    );
  }

  const titles = new Map(plan.phases.flatMap((p) => p.tasks.map((t) => [t.id, t.title] as const)));
  const reverted: RevertedTask[] = [];
  try {
    for (const step of steps) {
      const title = `Revert "${titles.get(step.taskId) ?? step.taskId}"`;
      try {
        const revertSha = await workspace.revert(step.sha, title, [
          [TRAILER_PLAN, plan.id],
          [TRAILER_REVERT, step.taskId],
          [TRAILER_PLAN_BLOB, planBlob],
        ]);
        reverted.push({ ...step, revertSha });
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        throw new ConflictError(
          `cannot roll back task ${step.taskId}: ${messageOf(error)}; the branch was left at ${start.slice(0, 7)}`,
          { cause: error },
        );
      }
    }
    if (options.push) {
      const pushed = await workspace.push(options.push.remote, options.push.branch);
      const landed = new Map(pushed?.landed ?? []);
      for (const r of reverted) r.revertSha = landed.get(r.revertSha) ?? r.revertSha;
    }
  } catch (error) {
    await workspace.resetHard(start);
    if (error instanceof PlanwrightError) throw error;
    throw new PlanwrightError("internal", `rollback failed: ${messageOf(error)}`, { cause: error });
  }

  const now = options.clock?.now() ?? Date.now();
  for (const r of reverted)
    options.reporter?.event({ type: "reverted", taskId: r.taskId, sha: r.revertSha, at: now });
  return { reverted, head: await workspace.head() };
}
