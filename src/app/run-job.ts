/**
 * The slow part of every webhook, run by the work queue after GitHub has had its answer: check the
 * actor's permission, then call the flow. Handlers stay thin; this is where a job becomes flows.
 */
import { Context, type Logger, type ProbotOctokit } from "probot";
import type { Config } from "../config.js";
import { messageOf } from "../errors.js";
import { permissionAtLeast } from "../flows/approval-policy.js";
import { asDispatchable, dispatchCommand } from "../flows/dispatch-command.js";
import { alreadyAnswered, requestMarker } from "../flows/markers.js";
import type { Command } from "../flows/parse-command.js";
import { requestPlan } from "../flows/request-plan.js";
import { revisePlan } from "../flows/revise-plan.js";
import { createGateway } from "../github/octokit-gateway.js";
import type { GitHubGateway } from "../github/gateway.js";
import type { ModelClient } from "../llm/client.js";
import { findPlanPull } from "./find-plan-pull.js";
import { approvalChecker } from "./approval.js";
import { failed, type JobEnv } from "./job-env.js";
import { jobKey, type AppJob, type CommandJob, type RepoRef, type ReviewJob } from "./jobs.js";
import { loadRepoConfig, type ConfigSource } from "./load-config.js";
import { helpReply, refusalText } from "./replies.js";
import { retryingGateway } from "./retrying-gateway.js";
import { runEvaluate } from "./run-evaluate.js";

export type { JobEnv } from "./job-env.js";

/** Commands that act on the plan PR (the rest answer at once, or start a plan on the issue). */
function needsPlanPull(command: Command): boolean {
  return command.kind === "revise" || asDispatchable(command) !== undefined;
}

/**
 * Posts a one-off answer to the command's comment, once: the answer carries the comment's request
 * marker, so a redelivery after a restart (when the queue no longer remembers it) finds it.
 */
async function reply(gh: GitHubGateway, job: CommandJob, env: JobEnv, body: string): Promise<void> {
  if (job.commentId === undefined) {
    await gh.createComment(job.issue, body);
    return;
  }
  const comments = await gh.listComments(job.issue);
  if (alreadyAnswered(comments, job.commentId, await env.ourLogins())) return;
  await gh.createComment(job.issue, `${requestMarker(job.commentId)}\n${body}`);
}

async function runCommand(
  job: CommandJob,
  id: string,
  config: Config,
  gh: GitHubGateway,
  env: JobEnv,
): Promise<void> {
  const { command } = job;
  if (!job.vetted && !job.actorOwnsRepo) {
    const permission = await gh.permissionOf(job.actor);
    if (!permissionAtLeast(permission, config.who_can_command)) {
      await reply(gh, job, env, refusalText(job.actor, config.who_can_command));
      return;
    }
  }
  const ourLogins = await env.ourLogins();
  if (!job.isPull && job.pull === undefined && needsPlanPull(command)) {
    const pull = await findPlanPull(gh, job.issue, ourLogins);
    if (pull === undefined) {
      const what = command.kind === "revise" ? "to revise" : "for this issue";
      await reply(
        gh,
        job,
        env,
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
      await reply(gh, job, env, helpReply());
      return;
    case "unknown":
      await reply(gh, job, env, helpReply(`\`/${command.word}\` is not a Planwright command.`));
      return;
    case "invalid":
      await reply(gh, job, env, helpReply(command.message));
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
        defaultBranch: job.repo.defaultBranch,
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
