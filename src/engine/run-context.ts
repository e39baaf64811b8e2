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
import type { RunLock } from "./run-lock.js";
import { GateKeeper, type Gate, type StatusOf } from "./scheduler.js";
import { scrubEnv } from "./scrub-env.js";
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
  /**
   * Local commits that landed as other commits (through GitHub's API): a task's commit is the
   * landed one from then on, in reports and check runs.
   */
  landedAs: Map<string, string>;
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
}): RunContext {
  const { options, clock, reporter, signal, lock, reports, statusOf } = parts;
  const { plan, workspace } = options;
  /** The head the last push sent, so that a push with nothing new is skipped. */
  let pushedHead: string | undefined;
  const budget = new BudgetTracker(budgetLimits(plan.budget, options.maxTokens), clock);
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
    gates: new GateKeeper(options.confirm ? 1 : 0),
    reports,
    statusOf,
    landedAs: new Map(),
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
        ],
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
    finish(task, outcome, taskStartedAt) {
      const report = reports.get(task.id);
      if (!report) return;
      report.attempts += outcome.attempts;
      report.usage = addUsage(report.usage, outcome.usage);
      report.durationMs = clock.now() - taskStartedAt;
      if (outcome.ok) {
        report.status = "done";
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
}
