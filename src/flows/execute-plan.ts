/**
 * Executing an approved plan on its pull request's branch (the Action's `execute`, `retry`,
 * `continue` and `skip`). Nothing runs until execution is re-verified from GitHub's own state and
 * the branch itself: the approval policy holds for the plan blob given, the plan file at the head
 * has that blob, and every commit after the approved one is a Planwright task or revert commit.
 * Progress goes to the `planwright` check runs and the status comment as the engine reports it.
 */
import { CONFIG_FILE, parseConfig, formatConfigDiagnostic, type Config } from "../config.js";
import { executePlan, type ExecuteOptions, type RunResult } from "../engine/executor.js";
import { deriveState } from "../engine/state.js";
import {
  TRAILER_PLAN,
  TRAILER_PLAN_BLOB,
  TRAILER_REVERT,
  TRAILER_TASK,
  type Clock,
  type Model,
  type Workspace,
} from "../engine/ports.js";
import { ConflictError, PlanwrightError, UsageError, failureClassOf, messageOf } from "../errors.js";
import { CheckRunReporter, type RunView } from "../github/check-run-reporter.js";
import type { GitHubGateway, PullRequest, Review } from "../github/gateway.js";
import type { GitWorkspace } from "../git/git-workspace.js";
import { formatProblems, loadPlan } from "../plan/load-plan.js";
import { dependents } from "../plan/graph.js";
import type { Plan } from "../plan/schema.js";
import type { ApprovalResult } from "./approval-policy.js";
import { evaluateApproval } from "./evaluate-approval.js";
import { findRequestMarker, findStatusMarker } from "./markers.js";
import { createStatusReporter, type StatusReporter } from "./report-status.js";
import type { PlanState, PlanStatus } from "./status-comment.js";

/** Where a plan lives on its pull request, checked out and loaded. */
export interface PlanCheckout {
  pull: PullRequest;
  config: Config;
  plan: Plan;
  planPath: string;
  /** Git blob sha of the plan file at the head. */
  planBlob: string;
  head: string;
}

/** What every flow on a plan's pull request needs. */
export interface PlanFlowDeps {
  gateway: GitHubGateway;
  /** The Action's checkout (any branch; the flow fetches and checks out the PR branch). */
  workspace: GitWorkspace;
  /** The git remote of the repository ("origin"). */
  remote?: string;
  /**
   * For an allowed pull request from a fork: the fork's remote (name or URL) to fetch the branch
   * from and push to. The fork must allow edits from maintainers.
   */
  forkRemote?: string;
  /**
   * Pushes HEAD to the branch only while the remote branch is at `expectedRemoteHead` (checked by
   * the server, e.g. pushWithToken's lease); the credential seam. Without it: the workspace's own
   * push after an `ls-remote` check.
   */
  push?: (remote: string, branch: string, expectedRemoteHead: string) => Promise<void>;
  /** Link for check runs (the workflow run) and the commit URL prefix for tables. */
  detailsUrl?: string;
  commitUrl?: string;
  /** Spacing of plan check run and status comment updates (3 s and 5 min by default). */
  checkIntervalMs?: number;
  commentIntervalMs?: number;
  clock?: Clock;
  onWarning?: (message: string) => void;
  /** Called with the plan check run's id whenever one is created. */
  onCheckRun?: (id: number) => void;
}

/** What to run on which pull request (the Action's inputs, already checked). */
export interface ExecuteFlowInput {
  pull: number;
  command: "execute" | "retry" | "continue" | "skip";
  /** The task for `retry` and `skip`. */
  task?: string;
  planPath?: string;
  /** The approved plan blob; the blob at the head when absent (approvals are checked against it). */
  planBlob?: string;
  model?: Model;
  concurrency?: number;
  signal?: AbortSignal;
  env?: Readonly<Record<string, string | undefined>>;
  /** Our own app's logins, whose reviews never count. */
  botLogins?: readonly string[];
  /** For a new approval: when the policy does not hold yet, only update the status comment. */
  onlyWhenApproved?: boolean;
}

/** `skipped`: nothing to do (an approval that does not satisfy the policy yet); `pending`: a status report. */
export type FlowStatus = RunResult["outcome"] | "refused" | "skipped" | "pending";

/** How a flow ended: the Action's outputs, the view its job summary renders, the engine's result. */
export interface FlowResult {
  status: FlowStatus;
  message: string;
  tasksDone: number;
  tasksFailed: number;
  costUsd: number;
  head: string;
  view?: RunView;
  run?: RunResult;
}

/** The remote the pull request's branch lives on: the fork's for a pull request from a fork. */
export function remoteOf(deps: PlanFlowDeps, pull: PullRequest): string {
  return (pull.fromFork ? deps.forkRemote : undefined) ?? deps.remote ?? "origin";
}

/** Reads the configuration from the default branch (never from the PR branch). */
export async function readConfig(gateway: GitHubGateway): Promise<Config> {
  const branch = await gateway.defaultBranch();
  const file = await gateway.readFile(CONFIG_FILE, branch.sha);
  const result = parseConfig(file?.content);
  if (!result.config) {
    const first = result.diagnostics.find((d) => d.severity === "error");
    throw new UsageError(first ? formatConfigDiagnostic(CONFIG_FILE, first) : `${CONFIG_FILE} is invalid`);
  }
  return result.config;
}

/**
 * The PR branch's head as a local ref. Fetched when the remote lets us; a private repository's
 * remote needs credentials the checkout does not keep, so then the branch that `actions/checkout`
 * fetched (`fetch-depth: 0`) is used, but only while it is where GitHub says the head is.
 */
async function fetchBranch(deps: PlanFlowDeps, remote: string, pull: PullRequest): Promise<string> {
  const { workspace } = deps;
  const branch = pull.headRef;
  const fetched = await workspace.git(
    [
      "fetch",
      "--quiet",
      "--no-tags",
      "--",
      remote,
      `+refs/heads/${branch}:refs/remotes/planwright-pr/${branch}`,
    ],
    { okCodes: [0, 1, 128] },
  );
  if (fetched.code === 0) return `refs/remotes/planwright-pr/${branch}`;
  const local = `refs/remotes/${remote}/${branch}`;
  const sha = await workspace.git(["rev-parse", "--verify", "--quiet", `${local}^{commit}`], {
    okCodes: [1, 128],
  });
  if (sha.code !== 0) {
    throw new UsageError(
      `cannot fetch ${branch} from ${remote} and the checkout does not have it: check out with fetch-depth: 0`,
    );
  }
  if (sha.stdout.trim() !== pull.headSha) {
    throw new ConflictError(
      `the checkout has ${branch} at ${sha.stdout.trim().slice(0, 7)}, GitHub at ${pull.headSha.slice(0, 7)}; run again`,
    );
  }
  return local;
}

/** Fetches the PR branch (full history), checks it out and loads its plan. */
export async function checkoutPlan(
  deps: PlanFlowDeps,
  pullNumber: number,
  planPath?: string,
): Promise<PlanCheckout> {
  const { gateway, workspace } = deps;
  const pull = await gateway.getPull(pullNumber);
  if (pull.state !== "open")
    throw new UsageError(`pull request #${pullNumber} is ${pull.merged ? "merged" : "closed"}`);
  const config = await readConfig(gateway);
  if (pull.fromFork && !config.execution.allow_forks) {
    throw new PlanwrightError(
      "policy",
      `pull request #${pullNumber} comes from a fork; set execution.allow_forks in ${CONFIG_FILE} to execute it`,
    );
  }
  if (pull.fromFork && !deps.forkRemote) {
    throw new UsageError(
      `pull request #${pullNumber} comes from a fork: give the fork's clone URL (input fork-remote) to fetch and push its branch`,
    );
  }
  const branch = pull.headRef;
  const remote = remoteOf(deps, pull);
  await workspace.git(["checkout", "--quiet", "-B", branch, await fetchBranch(deps, remote, pull)]);
  const head = await workspace.head();
  const path = planPath ?? `.planwright/plans/${branch.replace(/^planwright\//, "")}.yaml`;
  const blob = await workspace.git(["rev-parse", "--verify", "--quiet", `HEAD:${path}`], {
    okCodes: [1, 128],
  });
  if (blob.code !== 0)
    throw new UsageError(`${path}: no such file on branch ${branch} (pass the plan input)`);
  const text = (await workspace.git(["cat-file", "blob", blob.stdout.trim()])).stdout;
  const loaded = loadPlan(text, { extraDeny: config.policy.paths?.deny ?? [] });
  if (!loaded.plan)
    throw new UsageError(
      formatProblems(path, loaded.diagnostics.filter((d) => d.severity === "error").slice(0, 5)),
    );
  return { pull, config, plan: loaded.plan, planPath: path, planBlob: blob.stdout.trim(), head };
}

/**
 * The gateway as the approval flow sees it: reviews are remembered (the history check needs their
 * commits) and plan files at commits the full checkout has are read from git, which saves a
 * request per reviewed commit; anything else goes to GitHub.
 */
function approvalGateway(deps: PlanFlowDeps, reviews: Review[]): GitHubGateway {
  const gateway = deps.gateway;
  const overrides: Partial<GitHubGateway> = {
    async listReviews(pull) {
      reviews.push(...(await gateway.listReviews(pull)));
      return reviews;
    },
    async readFile(path, ref) {
      const blob = await deps.workspace.git(["rev-parse", "--verify", "--quiet", `${ref}:${path}`], {
        okCodes: [1, 128],
      });
      if (blob.code !== 0 || !/^[0-9a-f]{40}$/.test(ref)) return gateway.readFile(path, ref);
      const sha = blob.stdout.trim();
      return { sha, content: (await deps.workspace.git(["cat-file", "blob", sha])).stdout };
    },
  };
  return Object.assign(Object.create(gateway) as GitHubGateway, overrides);
}

/**
 * Who asked for the plan (for `approvals.allow_requester: false`): the author of the `/plan`
 * comment that the plan's status comment, written by the account that opened the PR, names in its
 * request marker. Fails closed when that cannot be told.
 */
async function requesterOf(deps: PlanFlowDeps, co: PlanCheckout): Promise<string> {
  const issue = co.plan.issue;
  const comments = issue === undefined ? [] : await deps.gateway.listComments(issue);
  const author = co.pull.user.login.toLowerCase();
  const status = comments.find(
    (c) => c.user.login.toLowerCase() === author && findStatusMarker(c.body) === co.plan.id,
  );
  const id = status ? findRequestMarker(status.body) : undefined;
  const request = comments.find((c) => c.id === id);
  if (!request) {
    throw new PlanwrightError(
      "policy",
      "approvals.allow_requester is false, but who requested the plan cannot be told from its issue",
    );
  }
  return request.user.login;
}

/** The approval policy from GitHub's reviews and permissions (the evaluate-approval flow, reporting nothing). */
export async function verifyApproval(
  deps: PlanFlowDeps,
  co: PlanCheckout,
  botLogins: readonly string[] = [],
): Promise<ApprovalResult & { reviewCommits: Map<number, string> }> {
  const reviews: Review[] = [];
  const requester = co.config.approvals.allow_requester ? undefined : await requesterOf(deps, co);
  const result = await evaluateApproval({
    gateway: approvalGateway(deps, reviews),
    pull: co.pull,
    config: co.config,
    planPath: co.planPath,
    botLogins,
    ...(requester !== undefined ? { requester } : {}),
    report: false,
    dispatch: false,
  });
  if (result.planBlob !== undefined && result.planBlob !== co.planBlob) {
    throw new ConflictError(
      `the branch moved while starting: GitHub's head ${result.headSha.slice(0, 7)} has plan blob ${result.planBlob.slice(0, 7)}, the checkout has ${co.planBlob.slice(0, 7)}; run again`,
    );
  }
  if (!result.approval) throw new PlanwrightError("policy", result.summary);
  return { ...result.approval, reviewCommits: new Map(reviews.map((r) => [r.id, r.commitId])) };
}

/** Refuses unless every commit after the oldest counted approval is this plan's task or revert commit. */
export async function verifyHistory(
  deps: PlanFlowDeps,
  co: PlanCheckout,
  approval: ApprovalResult,
  reviewCommits: ReadonlyMap<number, string>,
): Promise<void> {
  const { workspace } = deps;
  for (const { reviewId, login } of approval.counted) {
    const commit = reviewCommits.get(reviewId);
    if (!commit) continue;
    const ancestor = await workspace.git(["merge-base", "--is-ancestor", commit, "HEAD"], {
      okCodes: [1, 128],
    });
    if (ancestor.code !== 0)
      throw new ConflictError(`@${login} approved ${commit.slice(0, 7)}, which is no longer on the branch`);
    for (const c of await workspace.history(commit)) {
      const t = c.trailers;
      const ours =
        t[TRAILER_PLAN] === co.plan.id && (t[TRAILER_TASK] !== undefined || t[TRAILER_REVERT] !== undefined);
      if (!ours) {
        throw new ConflictError(
          `commit ${c.sha.slice(0, 7)} ("${c.subject.slice(0, 80)}") after the approved commit ${commit.slice(0, 7)} is not a Planwright task or revert commit`,
        );
      }
    }
  }
}

/** A Workspace whose push first confirms the remote head is the one we built on. */
export function guardedWorkspace(deps: PlanFlowDeps, start: string): Workspace {
  const ws = deps.workspace;
  let expected = start;
  const guarded: Workspace = {
    root: ws.root,
    head: () => ws.head(),
    gitDir: () => ws.gitDir(),
    tree: (rev) => ws.tree(rev),
    blobOf: (p) => ws.blobOf(p),
    history: (since) => ws.history(since),
    changedPaths: () => ws.changedPaths(),
    commit: (r) => ws.commit(r),
    discard: () => ws.discard(),
    revert: (sha, title, trailers) => ws.revert(sha, title, trailers),
    resetHard: (sha) => ws.resetHard(sha),
    worktree: (rev) => ws.worktree(rev),
    cherryPick: (sha) => ws.cherryPick(sha),
    async push(remote, branch) {
      if (deps.push) {
        await deps.push(remote, branch, expected);
      } else {
        const seen =
          (await ws.git(["ls-remote", "--", remote, `refs/heads/${branch}`])).stdout.split(/\s/)[0] ?? "";
        if (seen !== expected) {
          throw new ConflictError(
            `the remote branch ${branch} moved to ${seen.slice(0, 7) || "nothing"} while we built on ${expected.slice(0, 7)}; nothing was pushed`,
          );
        }
        await ws.push(remote, branch);
      }
      expected = await ws.head();
    },
  };
  // the engine's apply-time check reads commits through this optional port method
  if (ws.inspectCommit) guarded.inspectCommit = (sha) => ws.inspectCommit!(sha);
  return guarded;
}

const STATES: Record<string, PlanState> = {
  running: "executing",
  succeeded: "done",
  failed: "failed",
  refused: "failed",
  cancelled: "failed",
  waiting: "waiting",
  "rolled back": "rolled back",
};

/** The status comment's content for a run view. */
export function statusOfView(view: RunView, pull: number, title: string, runUrl?: string): PlanStatus {
  const failed = view.rows.find((r) => r.status === "failed");
  const waiting = view.rows.find((r) => r.status === "waiting");
  return {
    planId: view.planId,
    state: STATES[view.outcome ?? "running"] ?? "executing",
    title,
    pull,
    tasks: view.rows.map((r) => ({
      id: r.id,
      title: r.title,
      status: r.status,
      ...(r.durationMs > 0 ? { durationMs: r.durationMs } : {}),
      ...(r.usage.costUsd > 0 ? { costUsd: r.usage.costUsd } : {}),
      ...(r.sha ? { commit: r.sha } : {}),
    })),
    costUsd: view.usage.costUsd,
    durationMs: view.durationMs,
    ...(view.outcome === "failed" || view.outcome === "refused" || view.outcome === "cancelled"
      ? { failure: { reason: view.message ?? view.outcome, ...(failed ? { task: failed.id } : {}) } }
      : {}),
    ...(view.outcome === "waiting"
      ? {
          waiting: {
            reason: view.message ?? "waiting for confirmation",
            ...(waiting ? { task: waiting.id } : {}),
          },
        }
      : {}),
    ...(runUrl ? { runUrl } : {}),
  };
}

/** The check-run reporter and status comment of one run on a plan's pull request. */
export function reportersFor(
  deps: PlanFlowDeps,
  co: PlanCheckout,
  done: ReadonlyMap<string, string | undefined>,
): { reporter: CheckRunReporter; status: StatusReporter } {
  const status = createStatusReporter(deps.gateway, co.pull.number, co.plan.id, {
    // the check run is the live view; the comment follows at most every few minutes and at the end
    intervalMs: deps.commentIntervalMs ?? 300_000,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const reporter = new CheckRunReporter({
    plan: co.plan,
    gateway: deps.gateway,
    head: co.head,
    done,
    ...(deps.detailsUrl ? { detailsUrl: deps.detailsUrl } : {}),
    ...(deps.commitUrl ? { commitUrl: deps.commitUrl } : {}),
    ...(deps.checkIntervalMs !== undefined ? { intervalMs: deps.checkIntervalMs } : {}),
    ...(deps.clock ? { now: () => deps.clock!.now() } : {}),
    ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
    ...(deps.onCheckRun ? { onCheckRun: deps.onCheckRun } : {}),
    writeComment: (view) => status.post(statusOfView(view, co.pull.number, co.plan.title, deps.detailsUrl)),
  });
  return { reporter, status };
}

/** Sends the reporters' last state; GitHub failures become warnings, never a lost outcome. */
export async function closeReporters(
  deps: PlanFlowDeps,
  r: { reporter: CheckRunReporter; status: StatusReporter },
): Promise<void> {
  await r.reporter.flush();
  await r.status.flush().catch((e: unknown) => deps.onWarning?.(`status comment: ${messageOf(e)}`));
}

/** A FlowResult from the reporter's view (counts, cost and head as the check run shows them). */
export function resultOf(view: RunView, status: FlowStatus, message: string, run?: RunResult): FlowResult {
  return {
    status,
    message,
    tasksDone: view.rows.filter((r) => r.status === "done").length,
    tasksFailed: view.rows.filter((r) => r.status === "failed").length,
    costUsd: view.usage.costUsd,
    head: view.head,
    view,
    ...(run ? { run } : {}),
  };
}

/** Next commands after a run, for the check run and the step's message. */
export function nextCommands(run: RunResult): string[] {
  const failed = run.tasks.find((t) => t.status === "failed");
  if (run.outcome === "waiting") return ["/continue", ...(run.waitingOn ? [`/skip ${run.waitingOn}`] : [])];
  if (run.outcome === "cancelled") return ["/execute", "/rollback"];
  if (failed) return [`/retry ${failed.id}`, `/skip ${failed.id}`, "/rollback"];
  return ["/rollback"];
}

/** Runs (or resumes) the plan of pull request `input.pull`, after re-verifying it may run. */
export async function executePlanFlow(deps: PlanFlowDeps, input: ExecuteFlowInput): Promise<FlowResult> {
  const co = await checkoutPlan(deps, input.pull, input.planPath);
  const state = deriveState(co.plan, co.planBlob, await deps.workspace.history());
  const done = new Map([...state.tasks].filter(([, s]) => s.status === "done").map(([id, s]) => [id, s.sha]));
  const reporters = reportersFor(deps, co, done);
  const { reporter } = reporters;
  try {
    if (input.planBlob !== undefined && input.planBlob !== co.planBlob) {
      throw new ConflictError(
        `the plan changed after approval: ${co.planPath} is blob ${co.planBlob.slice(0, 7)} at the head, the approved plan is blob ${input.planBlob.slice(0, 7)}`,
      );
    }
    const approval = await verifyApproval(deps, co, input.botLogins);
    if (!approval.satisfied && input.onlyWhenApproved) {
      const awaiting = {
        ...statusOfView(reporter.view, co.pull.number, co.plan.title),
        state: "awaiting approval" as const,
      };
      await reporters.status.post({ ...awaiting, approval: approval.summary });
      await reporters.status
        .flush()
        .catch((e: unknown) => deps.onWarning?.(`status comment: ${messageOf(e)}`));
      return resultOf(reporter.view, "skipped", `waiting for approvals: ${approval.summary}`);
    }
    if (!approval.satisfied) throw new PlanwrightError("policy", `not approved: ${approval.summary}`);
    await verifyHistory(deps, co, approval, approval.reviewCommits);
  } catch (error) {
    // GitHub failing is not a verdict on the plan: fail the step, a re-run verifies again
    if (failureClassOf(error) === "transient") throw error;
    const message = `refused: ${messageOf(error)}`;
    reporter.setOutcome("refused", message, ["/status"]);
    await closeReporters(deps, reporters);
    return resultOf(reporter.view, "refused", message);
  }
  const workspace = guardedWorkspace(deps, co.head);
  if (input.command === "retry" && input.task !== undefined) {
    if (!co.plan.phases.some((p) => p.tasks.some((t) => t.id === input.task)))
      throw new UsageError(`plan ${co.plan.id} has no task ${JSON.stringify(input.task)}`);
    if (done.has(input.task))
      throw new UsageError(
        `task ${input.task} is already done; /rollback ${input.task} first to run it again`,
      );
  }
  if (input.command === "skip") await skipTask(workspace, co, input.task, done);
  const run = await runPlan(co.config.execution.stop_on_error, {
    plan: co.plan,
    planBlob: co.planBlob,
    workspace,
    reporter,
    policy: co.config.policy,
    push: { remote: remoteOf(deps, co.pull), branch: co.pull.headRef },
    concurrency: input.concurrency ?? co.config.execution.concurrency,
    ...(input.model ? { model: input.model } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.env ? { env: input.env } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(input.command === "continue" ? { confirm: true } : {}),
  });
  const next = nextCommands(run);
  reporter.setOutcome(run.outcome, run.message, next);
  await closeReporters(deps, reporters);
  return resultOf(
    reporter.view,
    run.outcome,
    run.outcome === "succeeded" ? run.message : `${run.message}; next: ${next.join(", ")}`,
    run,
  );
}

/** The plan without `drop`ped tasks (and `needs` on them); undefined when nothing is left. */
function prunePlan(plan: Plan, drop: ReadonlySet<string>): Plan | undefined {
  const phases = plan.phases
    .map((phase) => ({
      ...phase,
      tasks: phase.tasks
        .filter((t) => !drop.has(t.id))
        .map((t) => (t.needs ? { ...t, needs: t.needs.filter((n) => !drop.has(n)) } : t)),
    }))
    .filter((phase) => phase.tasks.length > 0);
  return phases.length > 0 ? { ...plan, phases } : undefined;
}

/**
 * Runs the plan; with `stop_on_error: false`, a task whose verification failed is set aside with
 * every task that needs it, and the run goes on with the rest. Other failures (policy, conflict,
 * cancellation) always stop.
 */
async function runPlan(stopOnError: boolean, options: ExecuteOptions): Promise<RunResult> {
  let run = await executePlan(options);
  if (stopOnError) return run;
  const failures: RunResult[] = [];
  const drop = new Set<string>();
  while (run.outcome === "failed" && run.failureClass === "verification") {
    const failed = run.tasks.filter((t) => t.status === "failed").map((t) => t.id);
    for (const id of failed) for (const d of [id, ...dependents(options.plan, id)]) drop.add(d);
    const rest = prunePlan(options.plan, drop);
    failures.push(run);
    if (!rest || failed.length === 0) break;
    run = await executePlan({ ...options, plan: rest });
  }
  if (failures.length === 0) return run;
  const reports = new Map([...failures, run].flatMap((r) => r.tasks.map((t) => [t.id, t] as const)));
  for (const f of failures) for (const t of f.tasks) if (t.status === "failed") reports.set(t.id, t);
  const last = run === failures.at(-1) ? undefined : run;
  return {
    ...run,
    outcome: last && last.outcome !== "succeeded" ? last.outcome : "failed",
    failureClass: last?.failureClass ?? "verification",
    tasks: options.plan.phases.flatMap((p) => p.tasks.flatMap((t) => reports.get(t.id) ?? [])),
    message: `${failures.map((f) => f.message).join("; ")}; stop_on_error is false, so the tasks that do not need it went on${last ? `: ${last.message}` : ""}`,
  };
}

/** `/skip <task>`: an empty commit marking the task done without running it, pushed like a task. */
async function skipTask(
  workspace: Workspace,
  co: PlanCheckout,
  taskId: string | undefined,
  done: Map<string, string | undefined>,
): Promise<void> {
  const task = co.plan.phases.flatMap((p) => p.tasks).find((t) => t.id === taskId);
  if (!task)
    throw new UsageError(
      `skip needs a task of plan ${co.plan.id}; ${JSON.stringify(taskId ?? "")} is not one`,
    );
  if (done.has(task.id)) throw new UsageError(`task ${task.id} is already done`);
  await workspace.commit({
    title: `Skip "${task.title}"`,
    body: "Skipped with /skip: marked done without running it.",
    trailers: [
      [TRAILER_PLAN, co.plan.id],
      [TRAILER_TASK, task.id],
      [TRAILER_PLAN_BLOB, co.planBlob],
      ["Planwright-Skipped", "true"],
    ],
    allowEmpty: true,
  });
}
