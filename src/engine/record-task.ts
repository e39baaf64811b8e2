/**
 * Recording a task as done without running it, for a person who took it into their own hands:
 * `skip` (nothing to do, or done elsewhere) and `adopt` (a commit made by hand is the task's
 * result). Both leave an empty commit with the task's trailers, so the state derived from history
 * counts the task as done on every machine, exactly like `/skip` on GitHub. An adopted commit is
 * held to the plan's path policy first: adopting cannot smuggle in what the task could not write.
 */
import { ConflictError, PolicyError, UsageError } from "../errors.js";
import type { MergedPolicy } from "../plan/policy.js";
import type { Plan, Task } from "../plan/schema.js";
import { checkWritePath } from "./agent-tools.js";
import { TRAILER_ADOPTED, TRAILER_PLAN, TRAILER_PLAN_BLOB, TRAILER_TASK, type Workspace } from "./ports.js";
import { deriveState } from "./state.js";

/** Marks a skipped task's record commit. */
export const TRAILER_SKIPPED = "Planwright-Skipped";

export interface RecordResult {
  taskId: string;
  /** The record commit. */
  sha: string;
  /** The adopted commit, for adopt. */
  adopted?: string;
}

function taskOf(plan: Plan, taskId: string): Task {
  const task = plan.phases.flatMap((p) => p.tasks).find((t) => t.id === taskId);
  if (!task) {
    const ids = plan.phases.flatMap((p) => p.tasks.map((t) => t.id));
    throw new UsageError(
      `plan ${plan.id} has no task ${JSON.stringify(taskId)} (its tasks: ${ids.join(", ")})`,
    );
  }
  return task;
}

async function pendingTask(
  workspace: Workspace,
  plan: Plan,
  planBlob: string,
  taskId: string,
  samePlanBlobs: readonly string[] = [],
) {
  const task = taskOf(plan, taskId);
  const history = await workspace.history();
  const state = deriveState(plan, planBlob, history, undefined, new Set(samePlanBlobs));
  const own = state.tasks.get(task.id);
  if (own?.status === "done") {
    throw new UsageError(`task ${task.id} is already done (${(own.sha ?? "").slice(0, 7)})`);
  }
  const dirty = await workspace.changedPaths();
  if (dirty.length > 0) {
    throw new ConflictError(
      `the working tree has uncommitted changes (${dirty.slice(0, 5).join(", ")}); commit or discard them first`,
    );
  }
  return { task, history, state };
}

function trailers(plan: Plan, planBlob: string, task: Task): [string, string][] {
  return [
    [TRAILER_PLAN, plan.id],
    [TRAILER_TASK, task.id],
    [TRAILER_PLAN_BLOB, planBlob],
  ];
}

/** Records `taskId` as done without running it (an empty commit with its trailers). */
export async function skipTask(
  workspace: Workspace,
  plan: Plan,
  planBlob: string,
  taskId: string,
  options: { samePlanBlobs?: readonly string[] } = {},
): Promise<RecordResult> {
  const { task } = await pendingTask(workspace, plan, planBlob, taskId, options.samePlanBlobs);
  const sha = await workspace.commit({
    title: `Skip "${task.title}"`,
    body: "Skipped with planwright skip: marked done without running it.",
    trailers: [...trailers(plan, planBlob, task), [TRAILER_SKIPPED, "true"]],
    allowEmpty: true,
  });
  return { taskId: task.id, sha: sha ?? (await workspace.head()) };
}

/**
 * Records `commit` (HEAD by default), made by hand on this branch after the plan's last task
 * commit, as the result of `taskId`: every path it changes must pass the plan's path policy.
 */
export async function adoptCommit(
  workspace: Workspace,
  plan: Plan,
  planBlob: string,
  taskId: string,
  options: {
    commit?: string;
    policy: MergedPolicy;
    extraDeny?: readonly string[];
    samePlanBlobs?: readonly string[];
  },
): Promise<RecordResult> {
  const { task, history } = await pendingTask(workspace, plan, planBlob, taskId, options.samePlanBlobs);
  const wanted = options.commit ?? "HEAD";
  const head = await workspace.head();
  const target =
    wanted === "HEAD"
      ? history.find((c) => c.sha === head)
      : history.find((c) => c.sha === wanted || (wanted.length >= 4 && c.sha.startsWith(wanted)));
  if (!target) throw new UsageError(`${wanted} is not a commit of this branch`);
  if (target.trailers[TRAILER_PLAN] !== undefined) {
    throw new UsageError(
      `${target.sha.slice(0, 7)} ("${target.subject}") is already a Planwright commit; adopt a commit made by hand`,
    );
  }
  if (!workspace.inspectCommit) throw new UsageError("this workspace cannot inspect commits");
  const inspected = await workspace.inspectCommit(target.sha);
  if (inspected.parents.length > 1)
    throw new PolicyError(`${target.sha.slice(0, 7)} is a merge commit; adopt a single commit`);
  const refused: string[] = [];
  for (const change of inspected.changes) {
    try {
      checkWritePath(change.path, options.policy, options.extraDeny ?? []);
    } catch (error) {
      refused.push((error as Error).message);
    }
  }
  if (refused.length > 0) {
    throw new PolicyError(
      `commit ${target.sha.slice(0, 7)} cannot be adopted as task ${task.id}: ${refused.slice(0, 5).join("; ")}`,
    );
  }
  const sha = await workspace.commit({
    title: `Adopt ${target.sha.slice(0, 7)} as "${task.title}"`,
    body: `Commit ${target.sha} ("${target.subject}") was made by hand and is recorded as this task's result.`,
    trailers: [...trailers(plan, planBlob, task), [TRAILER_ADOPTED, target.sha]],
    allowEmpty: true,
  });
  return { taskId: task.id, sha: sha ?? (await workspace.head()), adopted: target.sha };
}
