/**
 * Executes a plan on a git working tree: phases in order, one commit per task, verification after
 * each, state derived from the branch so that a re-run resumes. Parallel phases run their tasks in
 * separate worktrees and land the commits on the branch one at a time (cherry-pick).
 */
import { failureClassOf, messageOf, type FailureClass } from "../errors.js";
import { mergePolicy, type MergedPolicy } from "../plan/policy.js";
import type { Phase, Plan, Policy, Task } from "../plan/schema.js";
import { BudgetTracker, budgetLimits } from "./budget.js";
import { systemClock } from "./clock.js";
import {
  TRAILER_PLAN,
  TRAILER_PLAN_BLOB,
  TRAILER_TASK,
  ZERO_USAGE,
  addUsage,
  type Clock,
  type CommitRequest,
  type Model,
  type Reporter,
  type RunOutcome,
  type TaskStatus,
  type Usage,
  type Workspace,
} from "./ports.js";
import { withTransientRetry, type BackoffOptions } from "./retry.js";
import { RunLock } from "./run-lock.js";
import { GateKeeper, describeRun, gateOf, type Gate, type StatusOf } from "./scheduler.js";
import { scrubEnv } from "./scrub-env.js";
import { deriveState } from "./state.js";
import { runTask, type TaskOutcome, type TaskRunContext } from "./task-runner.js";
import { landParallelPhase } from "./parallel-phase.js";

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
  /** Describe what would run without changing anything. */
  dryRun?: boolean;
  /** The configuration's policy, merged with the plan's (allow lists intersect, deny lists add up). */
  policy?: Policy;
  extraDeny?: readonly string[];
  /** Environment that commands are given after scrubbing (process.env by default). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Token budget on top of the plan's `budget:` (input + output + cache tokens). */
  maxTokens?: number;
  backoff?: BackoffOptions;
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

/** Shared state of one run, handed to the phase runners. */
export interface RunContext {
  options: ExecuteOptions;
  plan: Plan;
  workspace: Workspace;
  clock: Clock;
  reporter: Reporter;
  policy: MergedPolicy;
  env: Record<string, string>;
  budget: BudgetTracker;
  signal: AbortSignal;
  lock: RunLock;
  gates: GateKeeper;
  reports: Map<string, TaskReport>;
  statusOf: StatusOf;
  /** The first failure that stops the run. */
  stop?: { failureClass: FailureClass; message: string };
  waiting?: Gate;
  taskContext(task: Task, workspace: Workspace): TaskRunContext;
  commitRequest(task: Task): CommitRequest;
  /** Pushes HEAD when a remote is configured; a failure stops the run. */
  pushHead(): Promise<void>;
  /** Records a task's end and reports it. */
  finish(task: Task, outcome: TaskOutcome, startedAt: number): void;
}

const NO_REPORTER: Reporter = { event: () => undefined };

export async function executePlan(options: ExecuteOptions): Promise<RunResult> {
  const { plan, workspace } = options;
  const clock = options.clock ?? systemClock;
  const reporter = options.reporter ?? NO_REPORTER;
  const signal = options.signal ?? new AbortController().signal;
  const startedAt = clock.now();
  const state = deriveState(plan, options.planBlob, await workspace.history());
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
  const statusOf: StatusOf = (id) => {
    const status = reports.get(id)?.status;
    return status === "done" || status === "failed" || status === "running" ? status : "pending";
  };

  if (options.dryRun) {
    const lines = describeRun(plan, statusOf);
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

  const lock = await RunLock.of(workspace);
  await lock.recover(workspace);

  const budget = new BudgetTracker(budgetLimits(plan.budget, options.maxTokens), clock);
  const run: RunContext = {
    options,
    plan,
    workspace,
    clock,
    reporter,
    policy: mergePolicy(options.policy, plan.policy),
    env: scrubEnv(options.env ?? process.env),
    budget,
    signal,
    lock,
    gates: new GateKeeper(options.confirm ? 1 : 0),
    reports,
    statusOf,
    taskContext(task, ws) {
      return {
        plan,
        task,
        workspace: ws,
        policy: this.policy,
        extraDeny: options.extraDeny ?? [],
        ...(options.model ? { model: options.model } : {}),
        env: this.env,
        clock,
        reporter,
        budget,
        signal,
        ...(options.backoff ? { backoff: options.backoff } : {}),
      };
    },
    commitRequest(task) {
      return {
        title: task.title,
        body: task.description ?? "",
        trailers: [
          [TRAILER_PLAN, plan.id],
          [TRAILER_TASK, task.id],
          [TRAILER_PLAN_BLOB, options.planBlob],
        ],
      };
    },
    async pushHead() {
      const push = options.push;
      if (!push || this.stop) return;
      try {
        await withTransientRetry(() => workspace.push(push.remote, push.branch), {
          clock,
          ...(options.backoff ? { backoff: options.backoff } : {}),
        });
      } catch (error) {
        this.stop = { failureClass: failureClassOf(error), message: messageOf(error) };
      }
    },
    finish(task, outcome, taskStartedAt) {
      const report = reports.get(task.id);
      if (!report) return;
      report.attempts += outcome.attempts;
      report.usage = addUsage(report.usage, outcome.usage);
      report.durationMs = clock.now() - taskStartedAt;
      if (outcome.ok) {
        report.status = "done";
        if (outcome.sha) report.sha = outcome.sha;
        reporter.event({
          type: "task-committed",
          taskId: task.id,
          sha: outcome.sha,
          durationMs: report.durationMs,
          attempts: report.attempts,
          at: clock.now(),
        });
        return;
      }
      report.status = "failed";
      report.failureClass = outcome.failureClass ?? "internal";
      report.message = outcome.message ?? "failed";
      reporter.event({
        type: "task-failed",
        taskId: task.id,
        failureClass: report.failureClass,
        message: report.message,
        attempts: report.attempts,
        at: clock.now(),
      });
      this.stop ??= {
        failureClass: report.failureClass,
        message: `task ${task.id} failed (${report.failureClass}): ${report.message}`,
      };
    },
  };

  reporter.event({
    type: "run-started",
    planId: plan.id,
    tasks: state.total,
    done: state.done,
    at: startedAt,
  });
  // a task committed just before a crash may not have been pushed yet
  if (state.done > 0) await run.pushHead();
  for (const phase of plan.phases) {
    if (run.stop || run.waiting || signal.aborted) break;
    if (phase.mode === "parallel") await landParallelPhase(run, phase);
    else await runSequentialPhase(run, phase);
  }
  return finishRun(run, startedAt);
}

async function runSequentialPhase(run: RunContext, phase: Phase): Promise<void> {
  for (const task of phase.tasks) {
    if (run.stop || run.signal.aborted) return;
    if (run.statusOf(task.id) === "done") continue;
    const gate = gateOf(run.plan, task.id, run.statusOf);
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
  try {
    outcome = await runTask(run.taskContext(task, workspace), () =>
      workspace.commit(run.commitRequest(task)),
    );
  } catch (error) {
    await workspace.discard().catch(() => undefined);
    outcome = {
      ok: false,
      attempts: 1,
      usage: ZERO_USAGE,
      failureClass: failureClassOf(error),
      message: messageOf(error),
    };
  }
  await run.lock.clear();
  run.finish(task, outcome, startedAt);
  if (outcome.ok && outcome.sha) await run.pushHead();
}

async function finishRun(run: RunContext, startedAt: number): Promise<RunResult> {
  const { clock, reporter } = run;
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
    const why = run.waiting.reason === "manual" ? "its phase is manual" : "it follows a checkpoint";
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
