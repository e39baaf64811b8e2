/**
 * Runs one task in one working tree until it is committed or has failed for good: the task's
 * action, the policy check of what changed, verification, then the commit. Failures are routed by
 * class (ARCHITECTURE.md, "Failures and what happens"): transient ones are retried after a backoff,
 * verification ones are retried with the failure handed back, everything else stops at once.
 */
import {
  CancelledError,
  PolicyError,
  TransientError,
  VerificationError,
  failureClassOf,
  messageOf,
  type FailureClass,
} from "../errors.js";
import { checkCommand, type MergedPolicy } from "../plan/policy.js";
import { parseDuration, taskKind, type Plan, type Task } from "../plan/schema.js";
import { outsideEditScope, type Protection } from "../plan/task-scope.js";
import { createAgentTools, deleteTreeFile, checkWritePath, writeTreeFile } from "./agent-tools.js";
import type { BudgetTracker } from "./budget.js";
import { GitDirGuard } from "./git-dir-guard.js";
import {
  ZERO_USAGE,
  addUsage,
  type Clock,
  type CommandResult,
  type Model,
  type Reporter,
  type Usage,
  type Workspace,
  spentUsageOf,
} from "./ports.js";
import type { CommandSandbox } from "./sandbox.js";
import { failureTail } from "./failure-tail.js";
import { runCommand } from "./process-runner.js";
import { refuseKnownSecrets } from "./secret-files.js";
import { MAX_TRANSIENT_RETRIES, backoffDelay, type BackoffOptions } from "./retry.js";

/** A task's timeout when neither it nor the plan's defaults set one. */
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** A task's verification retries when neither it nor the plan's defaults set them. */
export const DEFAULT_RETRIES = 2;

export interface TaskRunContext {
  plan: Plan;
  task: Task;
  workspace: Workspace;
  policy: MergedPolicy;
  extraDeny: readonly string[];
  /** Protected paths this task may touch and the plan file it may not (none checked when absent). */
  protection?: Protection;
  model?: Model;
  /** The scrubbed environment of commands and verification. */
  env: Record<string, string>;
  clock: Clock;
  reporter: Reporter;
  budget: BudgetTracker;
  /** The run's cancellation. */
  signal: AbortSignal;
  backoff?: BackoffOptions;
  maxOutputBytes?: number;
  /** Told the process group of each command started, so a crashed run's commands can be stopped. */
  onCommand?: (processGroup: number) => void;
  /** Where commands run (bubblewrap, or as they are when absent). */
  sandbox?: CommandSandbox;
}

export interface TaskOutcome {
  ok: boolean;
  /** The commit made (undefined for a successful empty task). */
  sha?: string;
  attempts: number;
  usage: Usage;
  failureClass?: FailureClass;
  message?: string;
  /** The tail of the failed command's output, for a person (failure-tail.ts). */
  output?: string;
}

/** The verify command of a task: its own, else the plan default; undefined when switched off. */
export function verifyCommandOf(plan: Plan, task: Task): string | undefined {
  const verify = task.verify ?? plan.defaults?.verify;
  return verify === false ? undefined : verify;
}

export function timeoutOf(plan: Plan, task: Task): number {
  const text = task.timeout ?? plan.defaults?.timeout;
  return (text && parseDuration(text)) || DEFAULT_TIMEOUT_MS;
}

export function retriesOf(plan: Plan, task: Task): number {
  return task.retries ?? plan.defaults?.retries ?? DEFAULT_RETRIES;
}

function checkedCommand(command: string, policy: MergedPolicy, what: string): string {
  const verdict = checkCommand(command, policy.commands);
  if (!verdict.ok)
    throw new PolicyError(
      `${what} ${JSON.stringify(command)} is not allowed: ${verdict.reason ?? "refused"}`,
    );
  return command;
}

function nothingChanged(task: Task): VerificationError {
  return new VerificationError(
    `task ${task.id} changed nothing; set allow_empty: true on it when that is expected ` +
      `(made the change by hand? record your commit with \`planwright adopt ${task.id}\`, or skip the task)`,
  );
}

/** One attempt: the action, verification and the policy check of the changed paths. */
async function attemptTask(
  ctx: TaskRunContext,
  attempt: number,
  signal: AbortSignal,
  previousFailure: string | undefined,
  spent: (usage: Usage) => void,
): Promise<{ usage: Usage }> {
  const { plan, task, workspace, policy, extraDeny, protection } = ctx;
  const root = workspace.root;
  const run = (command: string): Promise<CommandResult> =>
    runCommand(command, {
      cwd: root,
      env: ctx.env,
      signal,
      ...(ctx.sandbox ? { sandbox: ctx.sandbox } : {}),
      ...(ctx.maxOutputBytes !== undefined ? { maxOutputBytes: ctx.maxOutputBytes } : {}),
      onOutput: (tail) => ctx.reporter.event({ type: "output", taskId: task.id, tail, at: ctx.clock.now() }),
      ...(ctx.onCommand ? { onSpawn: ctx.onCommand } : {}),
    });
  const verifyCommand = verifyCommandOf(plan, task);
  const runVerify = async (): Promise<CommandResult> => {
    if (verifyCommand === undefined) return { exitCode: 0, output: "", timedOut: false, durationMs: 0 };
    return run(checkedCommand(verifyCommand, policy, "verify command"));
  };

  let usage = ZERO_USAGE;
  const kind = taskKind(task);
  switch (kind) {
    case "write":
      await writeTreeFile(
        root,
        task.write?.path ?? "",
        task.write?.content ?? "",
        policy,
        extraDeny,
        protection,
      );
      break;
    case "delete": {
      const path = task.delete?.path ?? "";
      if (!(await deleteTreeFile(root, path, policy, extraDeny, protection))) {
        throw new VerificationError(`${path} does not exist, so there is nothing to delete`);
      }
      break;
    }
    case "run": {
      const result = await run(checkedCommand(task.run ?? "", policy, "command"));
      if (result.exitCode !== 0) {
        throw new VerificationError(`command exited with status ${result.exitCode ?? "?"}`, result.output);
      }
      break;
    }
    case "edit": {
      if (!ctx.model) throw new PolicyError("edit tasks need a model: set ANTHROPIC_API_KEY or use --replay");
      const tools = createAgentTools({
        root,
        policy,
        extraDeny,
        runVerify,
        ...(protection ? { protection } : {}),
      });
      const request = { plan, task, attempt, tools, signal };
      let result;
      try {
        result = await ctx.model.edit(
          previousFailure === undefined ? request : { ...request, previousFailure },
        );
      } catch (error) {
        const lost = spentUsageOf(error);
        if (lost) {
          ctx.reporter.event({ type: "usage", taskId: task.id, usage: lost, at: ctx.clock.now() });
          ctx.budget.add(lost);
          spent(lost);
        }
        throw error;
      }
      usage = result.usage;
      ctx.reporter.event({ type: "usage", taskId: task.id, usage, at: ctx.clock.now() });
      ctx.budget.add(usage);
      spent(usage);
      ctx.budget.check();
      break;
    }
    default:
      throw new PolicyError(`task ${task.id} must have exactly one of edit, run, write, delete`);
  }

  if (verifyCommand !== undefined) {
    const result = await runVerify();
    if (result.exitCode !== 0) {
      throw new VerificationError(
        `verification ${JSON.stringify(verifyCommand)} exited with status ${result.exitCode ?? "?"}`,
        result.output,
      );
    }
  }
  // a literal write or delete changed only its own, already checked, path; anything that ran a
  // command or a model may have changed more, and what it changed must obey the policy too
  const changed =
    verifyCommand === undefined && (kind === "write" || kind === "delete")
      ? undefined
      : await workspace.changedPaths();
  for (const path of changed ?? []) checkWritePath(path, policy, extraDeny, protection);
  const outside = outsideEditScope(task, changed ?? []);
  if (outside.length > 0) {
    throw new PolicyError(
      `task ${task.id} changed files outside its edit.files: ${outside.slice(0, 10).join(", ")}${outside.length > 10 ? ` and ${outside.length - 10} more` : ""}`,
    );
  }
  const literal = kind === "write" ? [task.write?.path ?? ""] : [];
  await refuseKnownSecrets(root, task.id, changed ?? literal);
  if (changed?.length === 0 && !task.allow_empty) throw nothingChanged(task);
  return { usage };
}

/** Throws (after putting the branch back) when something but Planwright moved it during a task. */
async function refuseMovedBranch(ctx: TaskRunContext, before: string): Promise<void> {
  const after = await ctx.workspace.head();
  if (after === before) return;
  await ctx.workspace.resetHard(before);
  throw new PolicyError(
    `task ${ctx.task.id} moved the branch from ${before.slice(0, 7)} to ${after.slice(0, 7)}: commands may not commit; the commit was dropped`,
  );
}

/** Aborts with the typed reason when the task's timeout or the plan's time budget runs out. */
function attemptSignal(ctx: TaskRunContext): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  const onCancel = () => controller.abort(new CancelledError());
  if (ctx.signal.aborted) onCancel();
  ctx.signal.addEventListener("abort", onCancel, { once: true });
  const timeout = timeoutOf(ctx.plan, ctx.task);
  const label = ctx.task.timeout ?? ctx.plan.defaults?.timeout ?? `${timeout / 60_000}m`;
  timers.push(setTimeout(() => controller.abort(new VerificationError(`timed out after ${label}`)), timeout));
  const left = ctx.budget.remainingMs();
  if (left !== undefined) {
    timers.push(
      setTimeout(
        () =>
          controller.abort(
            new PolicyError(
              ctx.budget.exceeded() ?? `budget max_minutes (${ctx.budget.limits.maxMinutes}) exhausted`,
            ),
          ),
        Math.max(0, left),
      ),
    );
  }
  return {
    signal: controller.signal,
    done: () => {
      for (const t of timers) clearTimeout(t);
      ctx.signal.removeEventListener("abort", onCancel);
    },
  };
}

/**
 * Runs the task with retries; on success `commit` makes the task's commit in `ctx.workspace`
 * (resolving to its sha, or undefined for an allowed empty task). After a failure the working
 * tree is clean again.
 */
export async function runTask(
  ctx: TaskRunContext,
  commit: () => Promise<string | undefined>,
): Promise<TaskOutcome> {
  const { task, reporter, clock } = ctx;
  const retries = retriesOf(ctx.plan, task);
  let usage = ZERO_USAGE;
  let transient = 0;
  let verification = 0;
  let previousFailure: string | undefined;
  let reason: string | undefined;
  for (let attempt = 1; ; attempt++) {
    reporter.event({
      type: "attempt",
      taskId: task.id,
      attempt,
      ...(reason ? { reason } : {}),
      at: clock.now(),
    });
    const { signal, done } = attemptSignal(ctx);
    // only Planwright commits a task's work: a commit a command made itself (with whatever
    // trailers it typed) is refused and dropped, whatever the sandbox let through
    const before = await ctx.workspace.head();
    let guard: GitDirGuard | undefined;
    try {
      guard = await GitDirGuard.take(await ctx.workspace.gitDir());
      ctx.budget.check();
      // usage counts even when the attempt fails afterwards: the tokens were spent
      await attemptTask(ctx, attempt, signal, previousFailure, (spent) => (usage = addUsage(usage, spent)));
      if (signal.aborted) throw signal.reason;
      await refuseMovedBranch(ctx, before);
      const tampered = await guard.check(task.id);
      if (tampered) throw tampered;
      const sha = await commit();
      if (sha === undefined && !task.allow_empty) throw nothingChanged(task);
      return { ok: true, ...(sha ? { sha } : {}), attempts: attempt, usage };
    } catch (caught) {
      // a command killed by our own timer reports "cancelled"; the signal knows the real reason;
      // a moved branch or a change to .git outweighs whatever else went wrong in the attempt
      const moved = await refuseMovedBranch(ctx, before).then(
        () => undefined,
        (e: unknown) => e,
      );
      const tampered = await guard?.check(task.id).catch(() => undefined);
      const error = moved ?? tampered ?? (signal.aborted ? signal.reason : caught);
      await ctx.workspace.discard();
      const failureClass = failureClassOf(error);
      const message = messageOf(error);
      const canRetry =
        // a transient error whose thrower already spent the retry budget is not retried on top
        (failureClass === "transient" &&
          transient < MAX_TRANSIENT_RETRIES &&
          !(error instanceof TransientError && error.exhausted)) ||
        (failureClass === "verification" && verification < retries);
      if (!canRetry) {
        const tail = error instanceof VerificationError ? failureTail(error.output) : "";
        return {
          ok: false,
          attempts: attempt,
          usage,
          failureClass,
          message,
          ...(tail ? { output: tail } : {}),
        };
      }
      reason = `${failureClass}: ${message}`;
      if (failureClass === "transient") {
        transient++;
        const after = (error as { retryAfterMs?: number }).retryAfterMs;
        try {
          await clock.sleep(backoffDelay(transient, ctx.backoff, after), ctx.signal);
        } catch {
          return { ok: false, attempts: attempt, usage, failureClass: "cancelled", message: "cancelled" };
        }
      } else {
        verification++;
        const output = error instanceof VerificationError ? error.output : "";
        previousFailure = output ? `${message}\n${output}` : message;
      }
    } finally {
      done();
    }
  }
}
