/**
 * What a plan looks like on GitHub: its branch and file, the pull request's title, body and labels,
 * the `planwright` check run that waits for approval, and the status comment texts of the /plan and
 * /revise flows. Pure text builders, so the flows stay about order and failure handling.
 */
import { requiredApprovals, type Config } from "../config.js";
import type { CheckRunInput } from "../github/gateway.js";
import { renderMarkdown, mdText } from "../plan/render-markdown.js";
import type { PlanRisk } from "../plan/risk.js";
import type { Plan, RiskLevel } from "../plan/schema.js";
import { requestMarker } from "./markers.js";
import { renderStatusComment } from "./status-comment.js";

/** The label every plan PR carries; `risk:<level>` goes next to it. */
export const PLAN_LABEL = "planwright";
/** Name of the check run that carries the plan's status on the PR head. */
export const PLAN_CHECK = "planwright";

/** `planwright/<plan id>` */
export function planBranch(planId: string): string {
  return `planwright/${planId}`;
}

/** `.planwright/plans/<plan id>.yaml` */
export function planFilePath(planId: string): string {
  return `.planwright/plans/${planId}.yaml`;
}

/** The plan id of a plan branch, or undefined for any other branch. */
export function planIdOfBranch(branch: string): string | undefined {
  const match = /^planwright\/([a-z0-9][a-z0-9-]{0,62})$/.exec(branch);
  return match?.[1];
}

/** GitHub refuses titles over 256 characters. */
const MAX_TITLE = 256;

/** `Plan: <title> (#<issue>)`, one line, within GitHub's limit. */
export function planPrTitle(plan: Plan, issue?: number): string {
  const suffix = issue !== undefined ? ` (#${issue})` : "";
  const flat = plan.title.replace(/\s+/g, " ").trim();
  const room = MAX_TITLE - "Plan: ".length - suffix.length;
  const title = flat.length <= room ? flat : `${flat.slice(0, room - 1)}…`;
  return `Plan: ${title}${suffix}`;
}

/** `planwright` and `risk:<level>`. */
export function planLabels(risk: RiskLevel): string[] {
  return [PLAN_LABEL, `risk:${risk}`];
}

/** The PR body's own limit is 65,536; the rendered plan keeps under this, leaving room for our footer. */
const BODY_PLAN_CHARS = 64_000;

/**
 * The PR body: the rendered plan, then `Refs #<issue>` and the request marker. `Refs`, not
 * `Closes`: merging a plan PR does not prove the issue solved (tasks may have been rolled back, or
 * the issue may need several plans), so closing the issue stays a person's decision.
 */
export function planPrBody(
  plan: Plan,
  context: { risk: PlanRisk; commentId?: number; issue?: number },
): string {
  const rendered = renderMarkdown(plan, {
    risk: context.risk,
    planPath: planFilePath(plan.id),
    maxChars: BODY_PLAN_CHARS,
  });
  const footer: string[] = [];
  if (context.issue !== undefined) footer.push(`Refs #${context.issue}`);
  if (context.commentId !== undefined) footer.push(requestMarker(context.commentId));
  return footer.length > 0 ? `${rendered}\n\n---\n${footer.join("\n")}` : rendered;
}

/** The `planwright` check run of a plan waiting for approval on `headSha`. */
export function awaitingApprovalCheck(
  plan: Plan,
  headSha: string,
  risk: PlanRisk,
  config: Config,
): CheckRunInput {
  const needed = requiredApprovals(config.approvals, risk.level);
  const tasks = plan.phases.reduce((n, phase) => n + phase.tasks.length, 0);
  const reasons = risk.reasons.slice(0, 3).map((reason) => `- ${mdText(reason, 200)}`);
  return {
    name: PLAN_CHECK,
    headSha,
    status: "completed",
    conclusion: "action_required",
    title: "awaiting approval",
    externalId: plan.id,
    summary: [
      `Plan \`${plan.id}\`: ${tasks} task${tasks === 1 ? "" : "s"}, risk **${risk.level}**.`,
      ...(reasons.length > 0 ? ["", ...reasons] : []),
      "",
      `Needs ${needed} approval${needed === 1 ? "" : "s"} from people with write access (review → Approve).`,
    ].join("\n"),
  };
}

/** A detail block under a status comment (validation problems, change summaries), fenced as text. */
function details(lines: readonly string[]): string {
  if (lines.length === 0) return "";
  const shown = lines.slice(0, 30).map((line) => line.replace(/`/g, "'"));
  const more = lines.length > shown.length ? [`… and ${lines.length - shown.length} more lines`] : [];
  return `\n\n<details><summary>Details</summary>\n\n\`\`\`text\n${[...shown, ...more].join("\n")}\n\`\`\`\n</details>`;
}

/** Status comment while the model plans. */
export function planningStatus(planId: string, commentId: number): string {
  return renderStatusComment({ planId, state: "planning", requestCommentId: commentId });
}

/** Status comment once the PR is open and waiting for reviews. */
export function readyStatus(
  plan: Plan,
  commentId: number,
  pull: number,
  risk: RiskLevel,
  config: Config,
): string {
  const needed = requiredApprovals(config.approvals, risk);
  return renderStatusComment({
    planId: plan.id,
    state: "awaiting approval",
    title: plan.title,
    pull,
    approval: `risk ${risk}: needs ${needed} approval${needed === 1 ? "" : "s"} on #${pull} (review → Approve)`,
    requestCommentId: commentId,
  });
}

/** Whether a status comment already says the plan waits for approval on PR `pull`. */
export function isReadyStatus(body: string, pull: number): boolean {
  return /Awaiting approval/.test(body) && body.includes(` · #${pull}\n`);
}

/**
 * Status comment of a failed /plan or /revise: the first line of `what` as the reason, further
 * lines (e.g. validation problems) in a details block, and `retry` as the next command. Without a
 * plan id (a failure before the request was understood) only the request marker is written.
 */
export function failedStatus(
  planId: string | undefined,
  commentId: number | undefined,
  what: string,
  retry: string,
): string {
  const [first = "", ...rest] = what.split("\n");
  if (planId === undefined) {
    const marker = commentId !== undefined ? `\n\n${requestMarker(commentId)}` : "";
    return `### Planwright: ❌ Failed\n\n${mdText(first, 1000)}\n\n**Next:** \`${retry}\`${marker}${details(rest)}`;
  }
  return (
    renderStatusComment({
      planId,
      state: "failed",
      failure: { reason: first },
      next: [{ command: retry, does: "try again" }],
      ...(commentId !== undefined ? { requestCommentId: commentId } : {}),
    }) + details(rest)
  );
}

/** Status comment after a revision: the change summary and the reminder that approvals start over. */
export function revisedStatus(
  plan: Plan,
  input: {
    pull: number;
    sha: string;
    summary: string;
    notes: string;
    reviewer: string;
    risk: RiskLevel;
    riskBefore?: RiskLevel;
    commentId?: number;
  },
): string {
  const risk = input.riskBefore ? `risk ${input.riskBefore} → ${input.risk}` : `risk ${input.risk}`;
  const body = renderStatusComment({
    planId: plan.id,
    state: "awaiting approval",
    title: plan.title,
    pull: input.pull,
    approval: `revised in ${input.sha.slice(0, 7)} after @${input.reviewer}'s review (${risk}); earlier approvals were for the previous plan and no longer count`,
    ...(input.commentId !== undefined ? { requestCommentId: input.commentId } : {}),
  });
  const notes = input.notes.trim() ? `\n\n> ${mdText(input.notes, 600)}` : "";
  return `${body}\n\n#### Changes\n${input.summary}${notes}`;
}

/** Status comment when the reviser left the plan as it was: approvals still count. */
export function unchangedStatus(plan: Plan, pull: number, notes: string, commentId?: number): string {
  const note = notes.trim().replace(/[.\s]+$/, "");
  const why = note ? `: ${note}` : "";
  return renderStatusComment({
    planId: plan.id,
    state: "awaiting approval",
    title: plan.title,
    pull,
    approval: `the revision left the plan unchanged${why}; earlier approvals still count`,
    ...(commentId !== undefined ? { requestCommentId: commentId } : {}),
  });
}
