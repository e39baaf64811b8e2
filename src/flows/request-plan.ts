/**
 * `/plan <request>` on an issue: plan with the model, commit the plan file on its own branch in one
 * commit, open the PR with labels and the `planwright` check run, and keep one status comment on
 * the issue saying where things stand.
 *
 * Idempotency and crash recovery: the work is keyed by the triggering comment's id, written as a
 * hidden request marker into the status comment (created before anything else) and the PR body.
 * A redelivered webhook or a restart after a crash finds the status comment and completes whatever
 * is missing: an open PR only gets its check run and status refreshed; a branch without a PR gets
 * its PR; nothing at all is planned again. The branch is created without force, so two deliveries
 * racing each other cannot both commit: the loser sees a ConflictError and resumes the winner's work.
 */
import type { Config } from "../config.js";
import type { Clock } from "../engine/ports.js";
import {
  ConflictError,
  PlanwrightError,
  ValidationError,
  failureClassOf,
  messageOf,
  type FailureClass,
} from "../errors.js";
import type { GitHubGateway, GitHubUser, Issue, IssueComment, PullRequest } from "../github/gateway.js";
import { planIdFor, type PlannerOptions } from "../llm/planner.js";
import { sanitizeUntrusted } from "../llm/sanitize.js";
import type { PlanRisk } from "../plan/risk.js";
import { oneLine } from "../plan/render-tree.js";
import type { Plan, RiskLevel } from "../plan/schema.js";
import { findRequestMarker, findStatusMarker, requestMarker } from "./markers.js";
import {
  PLAN_CHECK,
  awaitingApprovalCheck,
  failedStatus,
  isReadyStatus,
  planBranch,
  planFilePath,
  planLabels,
  planPrBody,
  planPrTitle,
  planningStatus,
  readyStatus,
} from "./plan-pr.js";
import { planFromIssue, readPlanAt } from "./plan-from-issue.js";

export interface RequestPlanDeps {
  gateway: GitHubGateway;
  /** The model client and planner settings (repairs, context size). */
  planner: PlannerOptions;
  /** The repository configuration, from the default branch. */
  config: Config;
  /** Logins Planwright writes as (e.g. `planwright[bot]`): markers are only trusted in their comments. */
  ourLogins: readonly string[];
  /** Files read from GitHub for the repository context at most. Default 60. */
  maxFileReads?: number;
  clock?: Pick<Clock, "now">;
  log?: (line: string) => void;
}

export interface RequestPlanInput {
  issue: number;
  /** The `/plan` comment's id: the idempotency key. */
  commentId: number;
  /** Who commented; the caller has checked that their permission reaches `who_can_command`. */
  requester: string;
  /** The words after `/plan`; empty means "the issue's title and body are the request". */
  request: string;
  /** The issue from the webhook payload, which saves a request. */
  issueData?: Issue;
  /** The repository's default branch from the webhook payload, which saves a request. */
  defaultBranch?: string;
}

/** How a /plan ended. Every outcome is also written in the status comment. */
export type RequestPlanOutcome =
  | {
      status: "opened" | "resumed" | "already-done";
      planId: string;
      branch: string;
      pull: { number: number; htmlUrl: string };
      risk?: RiskLevel;
    }
  | { status: "duplicate"; planId?: string; pull?: number }
  | { status: "failed"; planId?: string; failureClass: FailureClass; message: string };

type Done = Extract<RequestPlanOutcome, { pull: { number: number } }>;

/** Deliveries of the same comment in this process run one after the other. */
const inFlight = new Map<string, Promise<RequestPlanOutcome>>();

/** Runs `/plan` for `input` (see the module comment); never throws, every failure is reported. */
export function requestPlan(deps: RequestPlanDeps, input: RequestPlanInput): Promise<RequestPlanOutcome> {
  const key = `${deps.gateway.owner}/${deps.gateway.repo}#${input.commentId}`;
  const previous = inFlight.get(key) ?? Promise.resolve(undefined);
  const run = previous.then(() => new RequestPlanRun(deps, input).run());
  inFlight.set(key, run);
  void run.finally(() => {
    if (inFlight.get(key) === run) inFlight.delete(key);
  });
  return run;
}

/** A branch rewritten since its base (compare says "diverged") holds no commit of ours. */
function rewritten(error: unknown): [] {
  if (error instanceof ConflictError) return [];
  throw error;
}

class RequestPlanRun {
  private planId: string | undefined;
  private statusComment: IssueComment | undefined;
  private retry = "/plan";
  private readonly gh: GitHubGateway;
  private readonly ours: Set<string>;

  constructor(
    private readonly deps: RequestPlanDeps,
    private readonly input: RequestPlanInput,
  ) {
    this.gh = deps.gateway;
    this.ours = new Set(deps.ourLogins.map((login) => login.toLowerCase()));
  }

  private isOurs(user: GitHubUser): boolean {
    return this.ours.has(user.login.toLowerCase());
  }

  private log(line: string): void {
    this.deps.log?.(`/plan #${this.input.issue} (comment ${this.input.commentId}): ${line}`);
  }

  /** Creates the status comment, or edits it when the text changed. */
  private async say(body: string): Promise<void> {
    const current = this.statusComment;
    if (!current) this.statusComment = await this.gh.createComment(this.input.issue, body);
    else if (current.body !== body) {
      await this.gh.updateComment(current.id, body);
      this.statusComment = { ...current, body };
    }
  }

  async run(): Promise<RequestPlanOutcome> {
    try {
      return await this.plan();
    } catch (error) {
      const failureClass = failureClassOf(error);
      const message = messageOf(error);
      this.log(`failed (${failureClass}): ${message.split("\n")[0]}`);
      try {
        const what = `Planning failed (${failureClass}): ${message}`;
        await this.say(failedStatus(this.planId, this.input.commentId, what, this.retry));
      } catch (reportError) {
        this.log(`could not report the failure: ${messageOf(reportError)}`);
      }
      return { status: "failed", ...(this.planId ? { planId: this.planId } : {}), failureClass, message };
    }
  }

  private async plan(): Promise<RequestPlanOutcome> {
    const { gh, input } = this;
    const comments = await gh.listComments(input.issue);
    const ours = comments.filter((comment) => this.isOurs(comment.user));
    const mine = ours.find((comment) => findRequestMarker(comment.body) === input.commentId);
    if (mine) {
      this.statusComment = mine;
      this.planId = findStatusMarker(mine.body);
      // Our answer to this comment was "a plan of that name exists": nothing more to do.
      if (!this.planId) return { status: "duplicate" };
      const resumed = await this.resume(this.planId);
      if (resumed) return resumed;
    }

    const issue = input.issueData ?? (await gh.getIssue(input.issue));
    const bare = input.request.trim() === "";
    const request = sanitizeUntrusted(bare ? issue.title : input.request)
      .replace(/\s+/g, " ")
      .trim();
    if (request === "") throw new ValidationError("the request is empty: write `/plan <what to change>`");
    if (!bare) this.retry = "/plan <request>";
    const planId = planIdFor(request, "", input.issue);
    this.planId = planId;
    if (!mine) {
      const earlier = ours.find((comment) => findStatusMarker(comment.body) === planId);
      const branchHead = earlier ? await gh.branchHead(planBranch(planId)) : undefined;
      if (branchHead !== undefined)
        return this.duplicate(planId, await gh.findPullForBranch(planBranch(planId)));
      // An earlier request of the same words failed before committing: take its comment over.
      this.statusComment = earlier;
    }
    await this.say(planningStatus(planId, input.commentId));

    const base = await this.baseBranch();
    const started = this.deps.clock?.now();
    const options = { planner: this.deps.planner, config: this.deps.config, log: (l: string) => this.log(l) };
    const reads = this.deps.maxFileReads !== undefined ? { maxFileReads: this.deps.maxFileReads } : {};
    const plan = await planFromIssue(
      gh,
      { ...options, ...reads },
      {
        request,
        bare,
        issue,
        comments,
        commentId: input.commentId,
        requester: input.requester,
        base,
        ourLogins: this.ours,
      },
    );
    if (started !== undefined) this.log(`planned in ${(this.deps.clock?.now() ?? started) - started} ms`);
    if (plan.plan.id !== planId)
      throw new PlanwrightError("internal", `the plan id ${plan.plan.id} is not ${planId}`);

    const branch = planBranch(planId);
    let head: string;
    try {
      ({ sha: head } = await gh.commitFiles({
        branch,
        parentSha: base.sha,
        message: `Plan ${planId}: ${oneLine(plan.plan.title, 60)}\n\nRequested by @${input.requester} on #${input.issue} ${this.signature()}.`,
        files: [{ path: planFilePath(planId), content: plan.yaml }],
        createBranch: true,
        ...(base.treeSha !== undefined ? { parentTreeSha: base.treeSha } : {}),
      }));
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      // Another delivery of this comment won the race (resume), or an old branch is in the way.
      this.log(`branch ${branch} exists already`);
      const resumed = await this.resume(planId);
      if (resumed) return resumed;
      throw error;
    }
    const pull = await this.openPull(plan.plan, plan.risk, branch, head);
    return { status: "opened", planId, branch, pull, risk: plan.risk.level };
  }

  /** Written into the plan commit's message, so a resumed run can tell its own branch from an old one. */
  private signature(): string {
    return `(comment ${this.input.commentId})`;
  }

  /** Answers that another request's plan has this id; its PR or branch is left alone. */
  private async duplicate(planId: string, pull: PullRequest | undefined): Promise<RequestPlanOutcome> {
    const where = pull ? `#${pull.number}` : `branch \`${planBranch(planId)}\``;
    const text = [
      requestMarker(this.input.commentId),
      `A plan with the id \`${planId}\` already exists (${where}).`,
      "",
      "Next: revise it there with `/revise <instruction>`, or ask for another plan in other words: `/plan <request>`.",
    ];
    await this.say(text.join("\n"));
    return { status: "duplicate", planId, ...(pull ? { pull: pull.number } : {}) };
  }

  /**
   * The default branch, its head and the head's tree: with the payload's name, one request (the
   * tree then saves the commit's read of its parent); without it, the repository is asked first.
   */
  private async baseBranch(): Promise<{ name: string; sha: string; treeSha?: string }> {
    const name = this.input.defaultBranch;
    if (name === undefined) return this.gh.defaultBranch();
    const head = await this.gh.branchCommit(name);
    if (head === undefined)
      throw new PlanwrightError("internal", `the default branch ${name} does not exist`);
    return { name, ...head };
  }

  /** PR, labels, check run, status: the steps after the commit, also used to resume. */
  private async openPull(plan: Plan, risk: PlanRisk, branch: string, head: string): Promise<Done["pull"]> {
    const { gh, input } = this;
    const body = planPrBody(plan, { risk, commentId: input.commentId, issue: input.issue });
    const title = planPrTitle(plan, input.issue);
    const base = plan.base?.ref ?? (await this.baseBranch()).name;
    let pull: PullRequest;
    try {
      pull = await gh.createPull({ title, head: branch, base, body });
    } catch (error) {
      // 422 "a pull request already exists": a racing delivery opened it first.
      const existing = await gh.findPullForBranch(branch);
      if (!existing) throw error;
      pull = existing;
    }
    await gh.addLabels(pull.number, planLabels(risk.level));
    await gh.createCheckRun(awaitingApprovalCheck(plan, head, risk, this.deps.config));
    await this.say(readyStatus(plan, input.commentId, pull.number, risk.level, this.deps.config));
    return { number: pull.number, htmlUrl: pull.htmlUrl };
  }

  /**
   * Completes earlier work on `planId` for this comment: the open PR (its check run, then the
   * status) or the branch without a PR. Undefined when there is nothing to resume; a PR or branch
   * of another request is answered as a duplicate, never adopted.
   */
  private async resume(planId: string): Promise<RequestPlanOutcome | undefined> {
    const { gh, input } = this;
    const branch = planBranch(planId);
    const deny = this.deps.config.policy.paths?.deny ?? [];
    const pull = await gh.findPullForBranch(branch);
    if (pull) {
      if (findRequestMarker(pull.body) !== input.commentId) return this.duplicate(planId, pull);
      const done = { planId, branch, pull: { number: pull.number, htmlUrl: pull.htmlUrl } };
      const check = await gh.findCheckRun(pull.headSha, PLAN_CHECK);
      if (check && isReadyStatus(this.statusComment?.body ?? "", pull.number))
        return { status: "already-done", ...done };
      const { plan, risk } = await readPlanAt(gh, planId, pull.headSha, deny);
      if (!check) {
        // Labels go on before the check run, so a present check run means both were done.
        await gh.addLabels(pull.number, planLabels(risk.level));
        await gh.createCheckRun(awaitingApprovalCheck(plan, pull.headSha, risk, this.deps.config));
      }
      await this.say(readyStatus(plan, input.commentId, pull.number, risk.level, this.deps.config));
      return { status: "resumed", ...done, risk: risk.level };
    }
    const head = await gh.branchHead(branch);
    if (head === undefined) return undefined;
    const { plan, risk } = await readPlanAt(gh, planId, head, deny);
    const since = plan.base?.sha;
    const commits = since ? await gh.listCommits(branch, since).catch(rewritten) : [];
    if (!commits.some((commit) => commit.message.includes(this.signature())))
      return this.duplicate(planId, undefined);
    this.log(`branch ${branch} exists without a PR; opening it`);
    const opened = await this.openPull(plan, risk, branch, head);
    return { status: "resumed", planId, branch, pull: opened, risk: risk.level };
  }
}
