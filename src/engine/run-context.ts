/** The shared state of one run that the phase runners work on, and the steps they share. */
import { failureClassOf, messageOf, type FailureClass } from "../errors.js";
import { mergePolicy, type MergedPolicy } from "../plan/policy.js";
import type { Plan, Task } from "../plan/schema.js";
import { protectionFor } from "../plan/task-scope.js";
import { BudgetTracker, budgetLimits } from "./budget.js";
import type { ExecuteOptions, TaskReport } from "./executor.js";
import {
  TRAILER_PLAN,
  TRAILER_PLAN_BLOB,
  TRAILER_TASK,
  addUsage,
  type Clock,
  type CommitRequest,
  type Reporter,
  type Workspace,
} from "./ports.js";
import { withTransientRetry } from "./retry.js";
import type { ParallelRecord } from "./parallel-record.js";
import type { RunLock } from "./run-lock.js";
import { GateKeeper, gateOf, type Gate, type LandedAt, type StatusOf } from "./scheduler.js";
import { scrubEnv } from "./scrub-env.js";
import { TRAILER_SPENT, formatSpent, type Spent } from "./spend.js";
import type { TaskOutcome, TaskRunContext } from "./task-runner.js";

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
  /** The worktrees and commands of the parallel phase running now. */
  parallel?: ParallelRecord;
  gates: GateKeeper;
  reports: Map<string, TaskReport>;
  statusOf: StatusOf;
  /** Landing order of done tasks (history first, then this run's), for the waiting points. */
  landedAt: LandedAt;
  /** The waiting point of a pending task now, or undefined when it may start. */
  gateOf(task: Task): Gate | undefined;
  /** The first failure that stops the run. */
  stop?: { failureClass: FailureClass; message: string };
  waiting?: Gate;
  taskContext(task: Task, workspace: Workspace): TaskRunContext;
  commitRequest(task: Task): CommitRequest;
  /** Pushes HEAD when a remote is configured; a failure stops the run. */
  pushHead(): Promise<void>;
  /**
   * Local commits that landed as other commits (through GitHub's API): a task's commit is the
   * landed one from then on, in reports and check runs.
   */
  landedAs: Map<string, string>;
  /** Writes the plan's running total to the local record (failed attempts leave no commit). */
  saveSpend(): Promise<void>;
  /** Records a task's end and reports it. */
  finish(task: Task, outcome: TaskOutcome, startedAt: number): void;
}

export function createRunContext(parts: {
  options: ExecuteOptions;
  clock: Clock;
  reporter: Reporter;
  signal: AbortSignal;
  lock: RunLock;
  reports: Map<string, TaskReport>;
  statusOf: StatusOf;
  /** Done tasks' positions in the branch history. */
  landed: Map<string, number>;
  /** What earlier runs of the plan spent. */
  prior?: Spent;
  parallel?: ParallelRecord;
  saveSpend?: (spent: Spent) => Promise<void>;
}): RunContext {
  const { options, clock, reporter, signal, lock, reports, statusOf, landed } = parts;
  let nextLanding = Math.max(0, ...landed.values()) + 1;
  let saving: Promise<void> = Promise.resolve();
  const { plan, workspace } = options;
  /** The head the last push sent, so that a push with nothing new is skipped. */
  let pushedHead: string | undefined;
  const budget = new BudgetTracker(budgetLimits(plan.budget, options.maxTokens), clock, parts.prior);
  return {
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
    ...(parts.parallel ? { parallel: parts.parallel } : {}),
    gates: new GateKeeper(options.confirm ? 1 : 0),
    reports,
    statusOf,
    landedAs: new Map(),
    landedAt: (id) => landed.get(id),
    gateOf(task) {
      return gateOf(plan, task.id, statusOf, this.landedAt);
    },
    taskContext(task, ws) {
      return {
        plan,
        task,
        workspace: ws,
        policy: this.policy,
        extraDeny: options.extraDeny ?? [],
        protection: protectionFor(plan, task, options.policy?.protected, options.planFile),
        ...(options.model ? { model: options.model } : {}),
        env: this.env,
        clock,
        reporter,
        budget,
        signal,
        ...(options.backoff ? { backoff: options.backoff } : {}),
        ...(options.sandbox ? { sandbox: options.sandbox } : {}),
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
          // the plan's running total, so that budgets hold on the next run, wherever it runs
          [TRAILER_SPENT, formatSpent(budget.total())],
        ],
        // a task allowed to change nothing still leaves its record on the branch: state is read
        // from history, so without a commit it would look pending again on the next run
        ...(task.allow_empty ? { allowEmpty: true } : {}),
      };
    },
    async pushHead() {
      const push = options.push;
      if (!push || this.stop) return;
      try {
        // tasks that landed together are pushed together: the later ones find nothing new
        const head = await workspace.head();
        if (head === pushedHead) return;
        const pushed = await withTransientRetry(() => workspace.push(push.remote, push.branch), {
          clock,
          ...(options.backoff ? { backoff: options.backoff } : {}),
        });
        for (const [local, landed] of pushed?.landed ?? []) this.landedAs.set(local, landed);
        pushedHead = pushed ? pushed.head : head;
      } catch (error) {
        this.stop = { failureClass: failureClassOf(error), message: messageOf(error) };
      }
    },
    saveSpend() {
      // one write at a time, so the last one wins and finishRun's await covers them all
      const total = budget.total();
      saving = saving.then(() => parts.saveSpend?.(total)).catch(() => undefined);
      return saving;
    },
    finish(task, outcome, taskStartedAt) {
      const report = reports.get(task.id);
      if (!report) return;
      report.attempts += outcome.attempts;
      report.usage = addUsage(report.usage, outcome.usage);
      report.durationMs = clock.now() - taskStartedAt;
      if (outcome.ok) {
        report.status = "done";
        landed.set(task.id, nextLanding++);
        const sha = outcome.sha === undefined ? undefined : (this.landedAs.get(outcome.sha) ?? outcome.sha);
        if (sha) report.sha = sha;
        reporter.event({
          type: "task-committed",
          taskId: task.id,
          sha,
          durationMs: report.durationMs,
          attempts: report.attempts,
          at: clock.now(),
        });
        return;
      }
      report.status = "failed";
      report.failureClass = outcome.failureClass ?? "internal";
      report.message = outcome.message ?? "failed";
      if (outcome.output) report.output = outcome.output;
      reporter.event({
        type: "task-failed",
        taskId: task.id,
        failureClass: report.failureClass,
        message: report.message,
        attempts: report.attempts,
        ...(outcome.output ? { output: outcome.output } : {}),
        at: clock.now(),
      });
      // a failed attempt leaves no commit: its cost goes to the local record at once
      void this.saveSpend();
      this.stop ??= {
        failureClass: report.failureClass,
        message: `task ${task.id} failed (${report.failureClass}): ${report.message}`,
      };
    },
  };
}
