/**
 * Evaluating the approval policy after a review or a push, without sending a plan to execution
 * twice: not for pushes of the Action's own commits, and not again for a head already sent.
 */
import type { Config } from "../config.js";
import { judgeCommit } from "../engine/commit-identity.js";
import { CommitProofs, historyCommitOf } from "../flows/commit-proofs.js";
import { planIdOfBranch } from "../flows/plan-pr.js";
import type { GitHubGateway } from "../github/gateway.js";
import { evaluatePull } from "./approval.js";
import type { JobEnv } from "./job-env.js";
import { jobKey, type EvaluateJob } from "./jobs.js";

/**
 * Whether a push only added the Action's own task or revert commits, proven so by GitHub (a
 * verified commit of one of our logins, engine/commit-identity.ts; trailers alone are not
 * enough): then the plan is executing, the Action owns the check run, and evaluating would
 * dispatch the execution once more per task.
 */
async function onlyExecutionCommits(
  gh: GitHubGateway,
  planId: string,
  head: string,
  before: string,
  identities: readonly string[],
): Promise<boolean> {
  try {
    const commits = await gh.listCommits(head, before);
    const proofs = new CommitProofs(identities).addCommits(commits);
    return commits.length > 0 && commits.every((c) => judgeCommit(historyCommitOf(c), planId, proofs).ours);
  } catch {
    // A rewritten branch or an unreadable range: evaluate, which is the safe side.
    return false;
  }
}

/** Evaluates the approvals of the job's PR; dispatches when they hold and auto_execute is on. */
export async function runEvaluate(
  job: EvaluateJob,
  config: Config,
  gh: GitHubGateway,
  env: JobEnv,
): Promise<void> {
  const planId = job.pullData ? planIdOfBranch(job.pullData.headRef) : undefined;
  if (
    job.before &&
    job.pullData &&
    planId &&
    (await onlyExecutionCommits(gh, planId, job.pullData.headSha, job.before, await env.ourLogins()))
  ) {
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
