/**
 * Execution state derived from the branch's history alone: which tasks are done, which were
 * reverted, and which commits are not ours. Because the state lives in commit trailers, a re-run
 * on any machine resumes where the last one stopped.
 */
import { ConflictError } from "../errors.js";
import { judgeCommit, type ProofSource } from "./commit-identity.js";
import type { Plan } from "../plan/schema.js";
import { TRAILER_ADOPTED, TRAILER_PLAN_BLOB, type HistoryCommit } from "./ports.js";

export type TaskExecutionStatus = "pending" | "done" | "reverted";

export interface TaskState {
  status: TaskExecutionStatus;
  /** The task's latest commit (also kept once reverted). */
  sha?: string;
  /** The commit that reverted it, while reverted. */
  revertSha?: string;
  /** For a task adopted by `planwright adopt`: the hand-made commit its record stands for. */
  adopted?: string;
  /** Index in the history given to deriveState of the task's latest commit: orders reverts. */
  position?: number;
}

export interface ExecutionState {
  /** Every task of the plan, in plan order. */
  tasks: Map<string, TaskState>;
  /** Commits without this plan's trailers after its first task commit, oldest first. */
  foreign: HistoryCommit[];
  /**
   * Commits that carry this plan's trailers but are not proven Planwright's (see
   * commit-identity.ts), oldest first, with the reason: they count for nothing.
   */
  forged: { commit: HistoryCommit; reason: string }[];
  done: number;
  total: number;
}

/** Short form of a sha for messages. */
function short(sha: string | undefined): string {
  return (sha ?? "?").slice(0, 7);
}

/**
 * Replays `history` (oldest first, as Workspace.history returns it) against `plan`.
 *
 * Throws ConflictError when a task commit of this plan was made for another version of the plan
 * file (its Planwright-Plan-Blob differs from `planBlob`) and has not been reverted since: the plan
 * was edited after execution started, so its approval no longer covers what is on the branch. A
 * task commit that was later reverted no longer counts, so a fully rolled-back plan may be revised
 * and run again. Also throws when a commit names a task the plan does not have.
 */
export function deriveState(
  plan: Plan,
  planBlob: string,
  history: readonly HistoryCommit[],
  proofs?: ProofSource,
  /**
   * Other blobs of the plan file that count as this one: earlier versions that differ only in
   * fields that change nothing the tasks do (the CLI's local resume after a cosmetic edit).
   */
  sameAs: ReadonlySet<string> = new Set(),
): ExecutionState {
  const tasks = new Map<string, TaskState>();
  for (const phase of plan.phases) for (const task of phase.tasks) tasks.set(task.id, { status: "pending" });
  const foreign: HistoryCommit[] = [];
  const forged: ExecutionState["forged"] = [];
  /** Task id -> the commit it was last done by, when that commit was for another plan blob. */
  const stale = new Map<string, HistoryCommit>();
  let started = false;

  for (const [position, commit] of history.entries()) {
    const t = commit.trailers;
    const judged = judgeCommit(commit, plan.id, proofs);
    if (!judged.ours) {
      if (judged.reason !== undefined) {
        forged.push({ commit, reason: judged.reason });
        foreign.push(commit);
      } else if (started) foreign.push(commit);
      continue;
    }
    started = true;
    const revertOf = judged.claim?.kind === "revert" ? judged.claim.task : undefined;
    if (revertOf !== undefined) {
      stale.delete(revertOf);
      const state = tasks.get(revertOf);
      // undoing a task of an earlier version of the plan leaves nothing to track
      if (state) tasks.set(revertOf, { ...state, status: "reverted", revertSha: commit.sha });
      continue;
    }
    const taskId = judged.claim?.task ?? "";
    const raw = t[TRAILER_PLAN_BLOB];
    const blob = raw !== undefined && sameAs.has(raw) ? planBlob : raw;
    if (blob !== planBlob) stale.set(taskId, commit);
    else stale.delete(taskId);
    if (!tasks.has(taskId)) {
      if (blob === planBlob) throw unknownTask(commit, taskId, plan.id);
      // a task of an earlier version of the plan: reported below unless reverted later
      continue;
    }
    const adopted = t[TRAILER_ADOPTED];
    tasks.set(taskId, { status: "done", sha: commit.sha, position, ...(adopted ? { adopted } : {}) });
  }

  const [first] = stale.entries();
  if (first) {
    const [taskId, commit] = first;
    throw new ConflictError(
      `the plan changed under the branch: task ${taskId} was committed (${short(commit.sha)}) for plan blob ` +
        `${short(commit.trailers[TRAILER_PLAN_BLOB])}, the plan file is now blob ${short(planBlob)}`,
    );
  }

  let done = 0;
  for (const state of tasks.values()) if (state.status === "done") done++;
  return { tasks, foreign, forged, done, total: tasks.size };
}

function unknownTask(commit: HistoryCommit, taskId: string, planId: string): ConflictError {
  return new ConflictError(
    `commit ${short(commit.sha)} ("${commit.subject}") names task ${JSON.stringify(taskId)}, ` +
      `which plan ${planId} does not have`,
  );
}
