/**
 * Executes a plan on a git working tree: phases in order, one commit per task, verification after
 * each, state derived from the branch so that a re-run resumes. Parallel phases run their tasks in
 * separate worktrees and land the commits on the branch one at a time (cherry-pick).
 */
import { ConflictError, failureClassOf, messageOf, type FailureClass } from "../errors.js";
import type { Phase, Plan, Policy, Task } from "../plan/schema.js";
import { systemClock } from "./clock.js";
import {
  ZERO_USAGE,
  type Clock,
  type Model,
  type Reporter,
  type RunOutcome,
  type HistoryCommit,
  type TaskStatus,
  type Usage,
  type Workspace,
} from "./ports.js";
import { mergePolicy } from "../plan/policy.js";
import type { ProtectedConfig } from "../plan/task-scope.js";
import { withApplyCheck, type ApplyCaps } from "./apply-check.js";
import type { BackoffOptions } from "./retry.js";
import type { CommandSandbox } from "./sandbox.js";
import type { ProofSource } from "./commit-identity.js";
import { landParallelPhase } from "./parallel-phase.js";
import { createRunContext, type RunContext } from "./run-context.js";
import { ParallelRecord } from "./parallel-record.js";
import { RunLock } from "./run-lock.js";
import { describeRun, type StatusOf } from "./scheduler.js";
import { registerEnvFiles } from "./env-file-secrets.js";
import { maxSpent, readSpendRecord, spentInHistory, writeSpendRecord } from "./spend.js";
import { deriveState } from "./state.js";
import { runTask, type TaskOutcome } from "./task-runner.js";
import { runCommand } from "./process-runner.js";

export interface ExecuteOptions {
  plan: Plan;
  /** Git blob sha of the plan file being run; it must match the trailers of done tasks. */
  planBlob: string;
  workspace: Workspace;
  model?: Model;
  reporter?: Reporter;
  clock?: Clock;
  /** Most tasks of a parallel phase running at once (4 by default). */
  concurrency?: number;
  /** Push HEAD to `remote`'s `branch` after each task commit; never forced. */
  push?: { remote: string; branch: string };
  /** Aborting cancels: the current task's changes are discarded, the branch keeps its last task commit. */
  signal?: AbortSignal;
  /** `--continue`: pass exactly one waiting gate. */
  confirm?: boolean;
  /** Earlier blobs of the plan file that count as `planBlob` (see deriveState). */
  samePlanBlobs?: readonly string[];
  /** Describe what would run without changing anything. */
  dryRun?: boolean;
  /**
   * The configuration's policy, merged with the plan's (allow lists intersect, deny lists add up);
   * `protected` (protected paths a plan may touch, additions to the list) comes only from here.
   */
  policy?: Policy & { protected?: ProtectedConfig };
  /** The plan file being executed, repository-relative (`.planwright/plans/<id>.yaml` by default). */
  planFile?: string;
  extraDeny?: readonly string[];
  /** Environment that commands are given after scrubbing (process.env by default). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Token budget on top of the plan's `budget:` (input + output + cache tokens). */
  maxTokens?: number;
  backoff?: BackoffOptions;
  /** Proofs of Planwright's commits (see commit-identity.ts); the trailers alone when absent. */
  proofs?: ProofSource;
  /**
   * A command run once before the first task, in the same sandbox (installing the project's
   * dependencies: `npm ci`). It may change only ignored files; a failure stops the run.
   */
  setup?: string;
  /** Where commands run: bubblewrap (see sandbox.ts), or as they are when absent. */
  sandbox?: CommandSandbox;
  /**
   * Apply-time verification of every commit before it is pushed (on whenever `push` is set; `false`
   * switches it off). `base` is the branch head the run builds on (HEAD at the start by default).
   */
  applyCheck?: false | { base?: string; caps?: Partial<ApplyCaps>; executablePaths?: readonly string[] };
}

export interface TaskReport {
  id: string;
  status: TaskStatus;
  sha?: string;
  attempts: number;
  durationMs: number;
  usage: Usage;
  failureClass?: FailureClass;
  message?: string;
  /** The last lines of the failed command's output, for a failed task. */
  output?: string;
}

export interface RunResult {
  outcome: RunOutcome;
  /** Every task in plan order. */
  tasks: TaskReport[];
  usage: Usage;
  durationMs: number;
  /** One line for a person: what happened and what to do next. */
  message: string;
  /** The task that waits for `--continue`, when the outcome is "waiting". */
  waitingOn?: string;
  /** Why the run failed, when it did. */
  failureClass?: FailureClass;
  head: string;
  /** The dry run's description (waves and tasks), when dryRun was set. */
  dryRun?: string[];
}

const NO_REPORTER: Reporter = { event: () => undefined };

export async function executePlan(options: ExecuteOptions): Promise<RunResult> {
  const { plan, workspace } = options;
  const clock = options.clock ?? systemClock;
  const reporter = options.reporter ?? NO_REPORTER;
  const signal = options.signal ?? new AbortController().signal;
  const startedAt = clock.now();
  const history = await workspace.history();
  checkBasePin(plan, history);
  const state = deriveState(
    plan,
    options.planBlob,
    history,
    options.proofs,
    new Set(options.samePlanBlobs ?? []),
  );
  const reports = new Map<string, TaskReport>();
  for (const phase of plan.phases) {
    for (const task of phase.tasks) {
      const s = state.tasks.get(task.id);
      const done = s?.status === "done";
      reports.set(task.id, {
        id: task.id,
        status: done ? "done" : "pending",
        ...(done && s?.sha ? { sha: s.sha } : {}),
        attempts: 0,
        durationMs: 0,
        usage: ZERO_USAGE,
      });
    }
  }
  const landed = new Map<string, number>();
  for (const [id, s] of state.tasks) if (s.status === "done") landed.set(id, s.position ?? 0);
  const statusOf: StatusOf = (id) => {
    const status = reports.get(id)?.status;
    return status === "done" || status === "failed" || status === "running" ? status : "pending";
  };

  if (options.dryRun) {
    const lines = describeRun(plan, statusOf, (id) => landed.get(id));
    return result(
      options,
      reports,
      "succeeded",
      `dry run: ${state.done}/${state.total} tasks done, nothing changed`,
      {
        head: await workspace.head(),
        durationMs: clock.now() - startedAt,
        usage: ZERO_USAGE,
        dryRun: lines,
      },
    );
  }

  await registerEnvFiles(workspace.root);
  const lock = await RunLock.of(workspace);
  await lock.recover(workspace);
  const gitDir = await workspace.gitDir();
  // a killed run's parallel commands may live on in their own process groups, in their worktrees
  await ParallelRecord.recover(gitDir, workspace);
  // budgets hold across runs: start from the branch's running total or the local record of
  // failed attempts, whichever knows more
  const prior = maxSpent(spentInHistory(plan.id, history), await readSpendRecord(gitDir, plan.id));

  const run = createRunContext({
    options: await guardPushes(
      options,
      [...state.tasks].filter(([, t]) => t.status === "done").map(([id]) => id),
    ),
    clock,
    reporter,
    signal,
    lock,
    reports,
    statusOf,
    landed,
    prior,
    parallel: new ParallelRecord(gitDir),
    saveSpend: (spent) => writeSpendRecord(gitDir, plan.id, spent).catch(() => undefined),
  });
  reporter.event({
    type: "run-started",
    planId: plan.id,
    tasks: state.total,
    done: state.done,
    at: startedAt,
  });
  // a task committed just before a crash may not have been pushed yet
  if (state.done > 0) await run.pushHead();
  if (options.setup && state.done < state.total) await runSetup(run, options.setup);
  for (const phase of plan.phases) {
    if (run.stop || run.waiting || signal.aborted) break;
    if (phase.mode === "parallel") await landParallelPhase(run, phase);
    else await runSequentialPhase(run, phase);
  }
  return finishRun(run, startedAt);
}

/**
 * A plan pinned to a base commit (`base.sha`) runs only on a branch that contains it: a sha that
 * is not in the history is a plan made for another repository or branch, or a bogus one.
 */
function checkBasePin(plan: Plan, history: readonly HistoryCommit[]): void {
  const pinned = plan.base?.sha?.toLowerCase();
  if (pinned === undefined || history.some((c) => c.sha.startsWith(pinned))) return;
  throw new ConflictError(
    `the plan is pinned to base ${pinned} (${plan.base?.ref ?? "?"}), which is not in this branch's history: ` +
      "check out the branch the plan was made on, or re-plan from the current base",
  );
}

/** The options with a workspace whose pushes pass apply-time verification first (when pushing). */
async function guardPushes(options: ExecuteOptions, done: readonly string[]): Promise<ExecuteOptions> {
  const check = options.applyCheck;
  if (!options.push || check === false) return options;
  const { plan, workspace } = options;
  const workspaceWithCheck = withApplyCheck(workspace, {
    plan,
    planBlob: options.planBlob,
    policy: mergePolicy(options.policy, plan.policy),
    extraDeny: options.extraDeny ?? [],
    ...(options.policy?.protected ? { protectedConfig: options.policy.protected } : {}),
    ...(options.planFile !== undefined ? { planFile: options.planFile } : {}),
    base: check?.base ?? (await workspace.head()),
    done,
    ...(check?.caps ? { caps: check.caps } : {}),
    ...(check?.executablePaths ? { executablePaths: check.executablePaths } : {}),
  });
  return { ...options, workspace: workspaceWithCheck };
}

async function runSequentialPhase(run: RunContext, phase: Phase): Promise<void> {
  for (const task of phase.tasks) {
    if (run.stop || run.signal.aborted) return;
    if (run.statusOf(task.id) === "done") continue;
    const gate = run.gateOf(task);
    if (!run.gates.admit(gate)) {
      run.waiting = gate;
      return;
    }
    await runInMainTree(run, task);
  }
}

async function runInMainTree(run: RunContext, task: Task): Promise<void> {
  const { workspace, clock } = run;
  const startedAt = clock.now();
  const report = run.reports.get(task.id);
  if (report) report.status = "running";
  run.reporter.event({ type: "task-started", taskId: task.id, at: startedAt });
  await run.lock.mark({ planId: run.plan.id, taskId: task.id });
  let outcome: TaskOutcome;
  // the marker stays when the tree could not be cleaned, so the next run knows the mess is ours
  let clean = true;
  try {
    const context = {
      ...run.taskContext(task, workspace),
      onCommand: (group: number) => void run.lock.noteProcessGroup(group).catch(() => undefined),
    };
    outcome = await runTask(context, () => workspace.commit(run.commitRequest(task)));
  } catch (error) {
    clean = await workspace.discard().then(
      () => true,
      () => false,
    );
    outcome = {
      ok: false,
      attempts: 1,
      usage: ZERO_USAGE,
      failureClass: failureClassOf(error),
      message: messageOf(error),
    };
  }
  if (clean) await run.lock.clear();
  // pushed before it is reported, so that the report names the commit that landed
  if (outcome.ok && outcome.sha) await run.pushHead();
  run.finish(task, outcome, startedAt);
}

async function finishRun(run: RunContext, startedAt: number): Promise<RunResult> {
  const { clock, reporter } = run;
  await run.saveSpend();
  const head = await run.workspace.head();
  const durationMs = clock.now() - startedAt;
  const usage = run.budget.usage;
  let outcome: RunOutcome;
  let message: string;
  const extra: Partial<RunResult> = {};
  if (run.signal.aborted) {
    outcome = "cancelled";
    message = `cancelled; the branch stays at ${head.slice(0, 7)}, its last task commit`;
    extra.failureClass = "cancelled";
  } else if (run.stop) {
    outcome = "failed";
    message = run.stop.message;
    extra.failureClass = run.stop.failureClass;
  } else if (run.waiting) {
    outcome = "waiting";
    const why =
      run.waiting.reason === "manual"
        ? "its phase is manual"
        : `checkpoint ${run.waiting.after ?? "?"} is done`;
    message = `waiting for confirmation before task ${run.waiting.taskId} (${why}); run again with --continue`;
    extra.waitingOn = run.waiting.taskId;
    reporter.event({
      type: "paused",
      taskId: run.waiting.taskId,
      reason: run.waiting.reason,
      at: clock.now(),
    });
  } else {
    outcome = "succeeded";
    const total = run.reports.size;
    const now = [...run.reports.values()].filter((r) => r.attempts > 0 && r.status === "done").length;
    message = `all ${total} tasks done (${now} in this run)`;
  }
  reporter.event({ type: "run-finished", outcome, message, usage, durationMs, at: clock.now() });
  return result(run.options, run.reports, outcome, message, { head, durationMs, usage, ...extra });
}

function result(
  _options: ExecuteOptions,
  reports: Map<string, TaskReport>,
  outcome: RunOutcome,
  message: string,
  rest: Pick<RunResult, "head" | "durationMs" | "usage"> & Partial<RunResult>,
): RunResult {
  return { ...rest, outcome, message, tasks: [...reports.values()] };
}

/** Runs the setup command; a failure, or a change to tracked files, stops the run. */
async function runSetup(run: RunContext, command: string): Promise<void> {
  const result = await runCommand(command, {
    cwd: run.workspace.root,
    env: run.env,
    signal: run.signal,
    ...(run.options.sandbox ? { sandbox: run.options.sandbox } : {}),
  });
  const tail = result.output.trimEnd().split("\n").slice(-20).join("\n");
  if (result.exitCode !== 0) {
    run.stop = {
      failureClass: "verification",
      message: `setup command ${JSON.stringify(command)} exited with status ${result.exitCode ?? "?"}${tail ? `:\n${tail}` : ""}`,
    };
    return;
  }
  const changed = await run.workspace.changedPaths();
  if (changed.length > 0) {
    await run.workspace.discard();
    run.stop = {
      failureClass: "policy",
      message: `setup command ${JSON.stringify(command)} changed tracked files (${changed.slice(0, 5).join(", ")}); it may only make ignored ones such as node_modules`,
    };
  }
}
