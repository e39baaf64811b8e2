/**
 * Revising a plan from a review: on CHANGES_REQUESTED (or `/revise <instruction>` on the PR) the
 * reviser gets the plan file at the PR head, the review body and its inline comments (only from
 * people allowed to command), and the revised plan is committed in one commit on top of exactly the
 * head that was read: if someone pushed meanwhile, the non-force ref update fails and we say so
 * instead of overwriting. Earlier approvals stop counting by themselves, since they point at a
 * commit whose plan blob differs from the new one.
 *
 * Idempotency: a review's revision commit names the review (`Planwright-Revision-Of: review <id>`),
 * so a redelivered review finds it among the commits after the reviewed one; a `/revise` comment is
 * answered in the status comment with its request marker.
 */
import type { Config } from "../config.js";
import { ConflictError, ValidationError, failureClassOf, messageOf, type FailureClass } from "../errors.js";
import type { GitHubGateway, IssueComment, PullRequest, Review } from "../github/gateway.js";
import { revisePlan as reviseWithModel, type ReviseOptions } from "../llm/reviser.js";
import { assessPlanRisk } from "../plan/risk.js";
import { findRequestMarker, findStatusMarker } from "./markers.js";
import { readPlanAt } from "./plan-from-issue.js";
import {
  awaitingApprovalCheck,
  failedStatus,
  planFilePath,
  planIdOfBranch,
  planLabels,
  planPrBody,
  planPrTitle,
  revisedStatus,
  unchangedStatus,
} from "./plan-pr.js";
import { keepTrusted, trustedAuthors } from "./trusted-authors.js";

export interface RevisePlanDeps {
  gateway: GitHubGateway;
  /** The model client and reviser settings. */
  reviser: ReviseOptions;
  /** The repository configuration, from the default branch. */
  config: Config;
  /** Logins Planwright writes as: markers are only trusted in their comments. */
  ourLogins: readonly string[];
  log?: (line: string) => void;
}

/** What asked for the revision: a review requesting changes, or a `/revise` comment. */
export type ReviseTrigger =
  | { kind: "review"; review: Review }
  | { kind: "command"; commentId: number; requester: string; instruction: string };

export interface RevisePlanInput {
  pull: number;
  trigger: ReviseTrigger;
}

export type RevisePlanOutcome =
  | {
      status: "revised";
      planId: string;
      sha: string;
      summary: { added: string[]; removed: string[]; changed: string[]; text: string };
    }
  | { status: "unchanged" | "already-done"; planId: string }
  /** Not a plan PR, or the reviewer may not command Planwright: nothing done, nothing said. */
  | { status: "ignored"; reason: string }
  | { status: "failed"; planId?: string; failureClass: FailureClass; message: string };

/** The trailer that ties a revision commit to the review it answers. */
const REVISION_TRAILER = "Planwright-Revision-Of";

/** Revises the plan of PR `input.pull` (see the module comment); never throws, failures are reported. */
export async function revisePlan(deps: RevisePlanDeps, input: RevisePlanInput): Promise<RevisePlanOutcome> {
  const gh = deps.gateway;
  const ours = new Set(deps.ourLogins.map((login) => login.toLowerCase()));
  const log = (line: string) => deps.log?.(`revise #${input.pull}: ${line}`);
  const trigger = input.trigger;
  const commentId = trigger.kind === "command" ? trigger.commentId : undefined;
  let planId: string | undefined;
  let status: IssueComment | undefined;
  let comments: IssueComment[] | undefined;

  /** The PR's status comment of the plan, created or edited in place. */
  const say = async (body: string) => {
    comments ??= await gh.listComments(input.pull);
    status ??= comments.find(
      (c) => ours.has(c.user.login.toLowerCase()) && findStatusMarker(c.body) === planId,
    );
    if (!status) status = await gh.createComment(input.pull, body);
    else if (status.body !== body) {
      await gh.updateComment(status.id, body);
      status = { ...status, body };
    }
  };

  try {
    const pull = await gh.getPull(input.pull);
    planId = planIdOfBranch(pull.headRef);
    if (!planId || pull.fromFork) return { status: "ignored", reason: "not a Planwright plan pull request" };
    if (pull.state !== "open") throw new ValidationError(`pull request #${pull.number} is closed`);

    const trusted = trustedAuthors(
      gh,
      deps.config.who_can_command,
      trigger.kind === "command" ? [trigger.requester] : [],
    );
    if (trigger.kind === "review") {
      if (trigger.review.state !== "CHANGES_REQUESTED")
        return { status: "ignored", reason: "not a change request" };
      if (!(await trusted.allows(trigger.review.user)))
        return { status: "ignored", reason: `@${trigger.review.user.login} may not command Planwright` };
      if (await revisedAlready(gh, pull, trigger.review)) return { status: "already-done", planId };
    } else {
      comments = await gh.listComments(input.pull);
      const answered = comments.some(
        (c) => ours.has(c.user.login.toLowerCase()) && findRequestMarker(c.body) === trigger.commentId,
      );
      if (answered) return { status: "already-done", planId };
    }

    const path = planFilePath(planId);
    const extraDeny = [...(deps.reviser.extraDeny ?? []), ...(deps.config.policy.paths?.deny ?? [])];
    const current = await readPlanAt(gh, planId, pull.headSha, extraDeny);

    let reviews: { author: string; body: string }[] = [];
    let inline: { author: string; path: string; line?: number; body: string }[] = [];
    let instruction: string | undefined;
    if (trigger.kind === "review") {
      const { review } = trigger;
      if (review.body.trim()) reviews = [{ author: review.user.login, body: review.body }];
      const own = await keepTrusted(await gh.listReviewComments(pull.number, review.id), trusted);
      inline = own.map((c) => ({
        author: c.user.login,
        path: c.path,
        ...(c.line !== undefined ? { line: c.line } : {}),
        body: c.body,
      }));
      if (trusted.refused.size > 0) log(`left out comments by ${[...trusted.refused].join(", ")}`);
    } else if (trigger.instruction.trim()) instruction = trigger.instruction;
    if (reviews.length === 0 && inline.length === 0 && !instruction)
      throw new ValidationError(
        "there is nothing to revise from: the review has no text and no inline comments",
      );

    const result = await reviseWithModel(
      {
        plan: current.plan,
        planText: current.text,
        reviews,
        comments: inline,
        ...(instruction ? { instruction } : {}),
      },
      { ...deps.reviser, extraDeny },
    );
    if (result.yaml === current.text) {
      await say(unchangedStatus(current.plan, pull.number, result.notes, commentId));
      return { status: "unchanged", planId };
    }

    const who = trigger.kind === "review" ? trigger.review.user.login : trigger.requester;
    const trailer = trigger.kind === "review" ? `\n\n${REVISION_TRAILER}: review ${trigger.review.id}` : "";
    let sha: string;
    try {
      ({ sha } = await gh.commitFiles({
        branch: pull.headRef,
        parentSha: pull.headSha,
        message: `Revise plan ${planId} (${trigger.kind === "review" ? "review" : "/revise"} by @${who})${trailer}`,
        files: [{ path, content: result.yaml }],
        createBranch: false,
      }));
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      throw new ConflictError(
        `the branch ${pull.headRef} moved while the plan was being revised (someone pushed); nothing was committed`,
      );
    }

    const before = current.risk;
    const risk = assessPlanRisk(result.plan);
    const requestId = findRequestMarker(pull.body);
    await gh.updatePull(pull.number, {
      title: planPrTitle(result.plan, result.plan.issue),
      body: planPrBody(result.plan, {
        risk,
        ...(requestId !== undefined ? { commentId: requestId } : {}),
        ...(result.plan.issue !== undefined ? { issue: result.plan.issue } : {}),
      }),
    });
    // The check shows on the PR only while it is on the head: re-create it on the new head.
    await gh.createCheckRun(awaitingApprovalCheck(result.plan, sha, risk, deps.config));
    if (risk.level !== before.level) await gh.addLabels(pull.number, planLabels(risk.level).slice(1));
    await say(
      revisedStatus(result.plan, {
        pull: pull.number,
        sha,
        summary: result.summary.text,
        notes: result.notes,
        reviewer: who,
        risk: risk.level,
        ...(commentId !== undefined ? { commentId } : {}),
        ...(risk.level !== before.level ? { riskBefore: before.level } : {}),
      }),
    );
    log(`revised in ${sha.slice(0, 7)}: ${result.summary.text.replace(/\n/g, "; ")}`);
    return { status: "revised", planId, sha, summary: result.summary };
  } catch (error) {
    const failureClass = failureClassOf(error);
    const message = messageOf(error);
    log(`failed (${failureClass}): ${message.split("\n")[0]}`);
    try {
      if (planId)
        await say(
          failedStatus(
            planId,
            commentId,
            `Revision failed (${failureClass}): ${message}`,
            "/revise <instruction>",
          ),
        );
    } catch (reportError) {
      log(`could not report the failure: ${messageOf(reportError)}`);
    }
    return { status: "failed", ...(planId ? { planId } : {}), failureClass, message };
  }
}

/** Whether a commit after the reviewed one already answers this review. */
async function revisedAlready(gh: GitHubGateway, pull: PullRequest, review: Review): Promise<boolean> {
  if (review.commitId === pull.headSha || review.commitId === "") return false;
  const later = await gh.listCommits(pull.headRef, review.commitId);
  return later.some((commit) => commit.message.includes(`${REVISION_TRAILER}: review ${review.id}`));
}
