/**
 * The slow part of every webhook, run by the work queue after GitHub has had its answer: check the
 * actor's permission, then call the flow. Handlers stay thin; this is where a job becomes flows.
 */
import { Context, type Logger, type ProbotOctokit } from "probot";
import type { Config } from "../config.js";
import { TransientError, messageOf } from "../errors.js";
import { permissionAtLeast } from "../flows/approval-policy.js";
import { asDispatchable, dispatchCommand } from "../flows/dispatch-command.js";
import { helpText, type Command } from "../flows/parse-command.js";
import { requestPlan } from "../flows/request-plan.js";
import { revisePlan } from "../flows/revise-plan.js";
import { createGateway } from "../github/octokit-gateway.js";
import type { GitHubGateway } from "../github/gateway.js";
import type { ModelClient } from "../llm/client.js";
import { findPlanPull } from "./find-plan-pull.js";
import {
  jobKey,
  type AppJob,
  type CommandJob,
  type EvaluateJob,
  type RepoRef,
  type ReviewJob,
} from "./jobs.js";
import { loadRepoConfig, type ConfigSource } from "./load-config.js";
import { retryingGateway, type CallRetryOptions } from "./retrying-gateway.js";
import type { AppMetrics } from "./metrics.js";
import { approvalChecker, evaluatePull } from "./approval.js";

/** What jobs need from the running App. */
export interface JobEnv {
  /** An Octokit authenticated as the installation. */
  octokitFor(installationId: number): Promise<ProbotOctokit>;
  /** Our own logins (`<slug>[bot]`), whose comments carry trusted markers. */
  ourLogins(): Promise<string[]>;
  /** The model client for a repository's configuration (throws UsageError without an API key). */
  modelFor(config: Config): ModelClient;
  metrics: AppMetrics;
  logger: Logger;
  /**
   * Heads (`o/r#12@<sha>`) whose plan this process has already sent to execution: a later
   * evaluation of the same head (the second of two approvals arriving together) must not send it
   * again. Bounded by the caller.
   */
  dispatched: Set<string>;
  /** Backoff of single GitHub calls that fail transiently. */
  callRetry?: CallRetryOptions;
  /** Queues a follow-up job (under its own key) on behalf of the job with id `from`. */
  handOff(job: AppJob, key: string, from: string): void;
}

/** The refusal for someone whose permission does not reach `who_can_command`. */
export function refusalText(login: string, minimum: string): string {
  return [
    `Sorry @${login}, Planwright commands can only be run by people with **${minimum}** permission or more on this repository.`,
    `Please ask a maintainer to run the command for you.`,
  ].join(" ");
}

/** The reply to `/help`, an unknown command or a malformed one. */
export function helpReply(problem?: string): string {
  return [
    ...(problem ? [`**Planwright:** ${problem}`, ""] : []),
    "**Planwright commands** (on an issue or its plan pull request):",
    "",
    helpText(),
  ].join("\n");
}

/**
 * A flow reported its failure on GitHub. A transient one is thrown so the work queue runs the job
 * again after a backoff (the flows are idempotent); any other is final and counted.
 */
function failed(outcome: { failureClass: string; message: string }, env: JobEnv): void {
  if (outcome.failureClass === "transient") throw new TransientError(outcome.message);
  env.metrics.plan("failed");
}

/** Commands that act on the plan PR (the rest answer at once, or start a plan on the issue). */
function needsPlanPull(command: Command): boolean {
  return command.kind === "revise" || asDispatchable(command) !== undefined;
}

async function runCommand(
  job: CommandJob,
  id: string,
  config: Config,
  gh: GitHubGateway,
  env: JobEnv,
): Promise<void> {
  const { command } = job;
  if (!job.vetted) {
    const permission = await gh.permissionOf(job.actor);
    if (!permissionAtLeast(permission, config.who_can_command)) {
      await gh.createComment(job.issue, refusalText(job.actor, config.who_can_command));
      return;
    }
  }
  const ourLogins = await env.ourLogins();
  if (!job.isPull && job.pull === undefined && needsPlanPull(command)) {
    const pull = await findPlanPull(gh, job.issue, ourLogins);
    if (pull === undefined) {
      const what = command.kind === "revise" ? "to revise" : "for this issue";
      await gh.createComment(
        job.issue,
        `**Planwright:** there is no plan ${what} yet. Start one with \`/plan <request>\`.`,
      );
      return;
    }
    // Run it in line with the PR's reviews and commands, so they never race.
    env.handOff({ ...job, pull, vetted: true }, jobKey(job.repo, pull), id);
    return;
  }
  const log = (line: string) => env.logger.info(line);
  switch (command.kind) {
    case "help":
      await gh.createComment(job.issue, helpReply());
      return;
    case "unknown":
      await gh.createComment(job.issue, helpReply(`\`/${command.word}\` is not a Planwright command.`));
      return;
    case "invalid":
      await gh.createComment(job.issue, helpReply(command.message));
      return;
    case "plan":
    case "revise":
      await runPlanning(job, command, config, gh, env, ourLogins);
      return;
    default: {
      const dispatchable = asDispatchable(command);
      const pull = job.pull ?? (job.isPull ? job.issue : undefined);
      if (!dispatchable || pull === undefined) return;
      const outcome = await dispatchCommand(
        { gateway: gh, config, ourLogins, checkApproval: approvalChecker(gh, config, ourLogins), log },
        {
          command: dispatchable,
          pull,
          thread: job.issue,
          actor: job.actor,
          ...(job.commentId ? { commentId: job.commentId } : {}),
        },
      );
      if (outcome.status === "dispatched") {
        if (command.kind === "rollback") env.metrics.plan("rolled_back");
        else if (command.kind === "execute") env.metrics.plan("executed");
      } else if (outcome.status === "failed") failed(outcome, env);
    }
  }
}

async function runPlanning(
  job: CommandJob,
  command: Extract<Command, { kind: "plan" | "revise" }>,
  config: Config,
  gh: GitHubGateway,
  env: JobEnv,
  ourLogins: string[],
): Promise<void> {
  const commentId = job.commentId;
  if (commentId === undefined) return;
  const client = await modelOrReport(config, gh, job.issue, env);
  if (!client) return;
  const pull = job.pull ?? (job.isPull ? job.issue : undefined);
  if (command.kind === "plan" && pull === undefined) {
    env.metrics.plan("requested");
    const outcome = await requestPlan(
      {
        gateway: gh,
        planner: { client },
        config: config,
        ourLogins,
        log: (line: string) => env.logger.info(line),
      },
      {
        issue: job.issue,
        commentId,
        requester: job.actor,
        request: [command.request, command.details].filter((s) => s !== "").join("\n"),
        ...(job.issueData
          ? { issueData: { number: job.issue, isPullRequest: false, ...job.issueData } }
          : {}),
      },
    );
    if (outcome.status === "failed") failed(outcome, env);
    return;
  }
  if (pull === undefined) {
    await gh.createComment(
      job.issue,
      "**Planwright:** there is no plan to revise yet. Start one with `/plan <request>`.",
    );
    return;
  }
  // `/plan` on the plan's PR regenerates it: a revision asked to start over.
  const instruction =
    command.kind === "revise"
      ? [command.instruction, command.details].filter((s) => s !== "").join("\n")
      : `Regenerate the plan from scratch${command.request ? ` for this request: ${command.request}` : ""}.`;
  const outcome = await revisePlan(
    {
      gateway: gh,
      reviser: { client },
      config: config,
      ourLogins,
      log: (line: string) => env.logger.info(line),
    },
    { pull, trigger: { kind: "command", commentId, requester: job.actor, instruction } },
  );
  if (outcome.status === "failed") failed(outcome, env);
}

/** The model client, or undefined after saying on `thread` why there is none (no API key). */
async function modelOrReport(
  config: Config,
  gh: GitHubGateway,
  thread: number,
  env: JobEnv,
): Promise<ModelClient | undefined> {
  try {
    return env.modelFor(config);
  } catch (error) {
    await gh.createComment(thread, `**Planwright** cannot plan or revise: ${messageOf(error)}`);
    env.metrics.plan("failed");
    return undefined;
  }
}

async function runReview(job: ReviewJob, config: Config, gh: GitHubGateway, env: JobEnv): Promise<void> {
  const ourLogins = await env.ourLogins();
  const client = await modelOrReport(config, gh, job.pull, env);
  if (!client) return;
  const outcome = await revisePlan(
    {
      gateway: gh,
      reviser: { client },
      config: config,
      ourLogins,
      log: (line: string) => env.logger.info(line),
    },
    { pull: job.pull, trigger: { kind: "review", review: job.review } },
  );
  if (outcome.status === "failed") failed(outcome, env);
}

/** Trailers the Action writes on task and revert commits (ARCHITECTURE.md, "Identifiers"). */
const EXECUTION_TRAILER = /^Planwright-(Task|Revert):/m;

/**
 * Whether a push only added the Action's own task or revert commits: then the plan is executing,
 * the Action owns the check run, and evaluating would dispatch the execution once more per task.
 */
async function onlyExecutionCommits(gh: GitHubGateway, head: string, before: string): Promise<boolean> {
  try {
    const commits = await gh.listCommits(head, before);
    return commits.length > 0 && commits.every((commit) => EXECUTION_TRAILER.test(commit.message));
  } catch {
    // A rewritten branch or an unreadable range: evaluate, which is the safe side.
    return false;
  }
}

async function runEvaluate(job: EvaluateJob, config: Config, gh: GitHubGateway, env: JobEnv): Promise<void> {
  if (job.before && job.pullData && (await onlyExecutionCommits(gh, job.pullData.headSha, job.before))) {
    env.logger.info(`#${job.pull}: execution commits pushed; approval not re-evaluated`);
    return;
  }
  const pull = job.pullData ?? (await gh.getPull(job.pull));
  const head = `${jobKey(job.repo, job.pull)}@${pull.headSha}`;
  if (env.dispatched.has(head)) {
    env.logger.info(`#${job.pull}: already sent to execution at ${pull.headSha.slice(0, 7)}`);
    return;
  }
  // Known even when a later step fails: a retry must not send the plan to execution twice.
  const watched: GitHubGateway = {
    ...gh,
    dispatchWorkflow: async (...args) => {
      await gh.dispatchWorkflow(...args);
      env.dispatched.add(head);
      env.metrics.plan("executed");
    },
  };
  const outcome = await evaluatePull(watched, config, pull, await env.ourLogins(), job.repo.defaultBranch);
  if (outcome.approved) env.metrics.plan("approved");
}

/**
 * Runs one job (`id` is its idempotency key); failures the flows could not report themselves are
 * thrown to the queue's log.
 */
export async function runJob(job: AppJob, env: JobEnv, id: string): Promise<void> {
  const octokit = await env.octokitFor(job.repo.installationId);
  const gh = retryingGateway(createGateway(octokit, { owner: job.repo.owner, repo: job.repo.repo }), {
    ...env.callRetry,
    onRetry: (call, error, waitMs) =>
      env.logger.warn(`${call}: ${error.message.split("\n")[0]}; retrying in ${Math.round(waitMs)} ms`),
  });
  const loaded = await loadRepoConfig(
    configSource(job.repo, octokit, env.logger),
    gh,
    job.repo.defaultBranch,
  );
  if ("report" in loaded) {
    await gh.createComment(job.kind === "command" ? job.issue : job.pull, loaded.report);
    return;
  }
  switch (job.kind) {
    case "command":
      return runCommand(job, id, loaded.config, gh, env);
    case "review":
      return runReview(job, loaded.config, gh, env);
    case "evaluate":
      return runEvaluate(job, loaded.config, gh, env);
  }
}

/**
 * Probot's own `context.config` (default branch only, `_extends` deep-merged) for a job, which runs
 * outside the webhook and so has no context of its own: one is made for its repository.
 */
function configSource(repo: RepoRef, octokit: ProbotOctokit, logger: Logger): ConfigSource {
  const event = {
    id: `job-${repo.owner}-${repo.repo}`,
    name: "repository",
    payload: { repository: { owner: { login: repo.owner }, name: repo.repo } },
  };
  // Only `repository` is read by Context#config; the event type asks for a whole payload.
  return new Context(event as unknown as ConstructorParameters<typeof Context>[0], octokit, logger);
}
