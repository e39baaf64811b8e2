/**
 * The approval policy (ARCHITECTURE.md, "Security model"): which reviews count towards executing a
 * plan. Pure: the caller gathers reviews, permissions and plan blobs from GitHub, this decides.
 *
 * An approval counts when it is the reviewer's latest decisive review (APPROVED, CHANGES_REQUESTED
 * or DISMISSED; COMMENTED and PENDING never override), the reviewer has write permission or more,
 * is not a bot or our own app, is not the requester when `allow_requester` is false, and approved
 * the plan as it is now: the plan file's blob at the reviewed commit equals the current one.
 */
import { requiredApprovals, type Config, type PermissionLevel } from "../config.js";
import type { Permission, Review } from "../github/gateway.js";
import { normaliseReviewState } from "../github/map-responses.js";
import type { RiskLevel } from "../plan/schema.js";

const RANK: Record<Permission, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

/** Whether `permission` reaches `minimum` (`none` reaches nothing). */
export function permissionAtLeast(permission: Permission, minimum: PermissionLevel): boolean {
  return RANK[permission] >= RANK[minimum];
}

/** Bots and apps: type `Bot`, or a login ending in `[bot]`. */
export function isBot(user: { login: string; type?: string }): boolean {
  return user.type === "Bot" || /\[bot\]$/i.test(user.login);
}

/** Review states to REST's uppercase spelling (webhooks send lowercase); the gateway's own mapping. */
export { normaliseReviewState };

/** The review of a `pull_request_review` webhook payload, in the gateway's shape. */
export function reviewFromWebhook(review: {
  id: number;
  user: { login: string; type: string } | null;
  state: string;
  body: string | null;
  commit_id: string;
  submitted_at: string | null;
}): Review {
  return {
    id: review.id,
    user: review.user ?? { login: "ghost", type: "User" },
    state: normaliseReviewState(review.state),
    body: review.body ?? "",
    commitId: review.commit_id,
    submittedAt: review.submitted_at ?? "",
  };
}

/** What {@link evaluateApprovalPolicy} needs. */
export interface ApprovalInput {
  reviews: readonly Review[];
  /** Repository permission of each reviewer (by login, any case). Missing means `none`. */
  permissions: ReadonlyMap<string, Permission>;
  /** The plan file's blob sha at each reviewed commit; `undefined` when the file was absent. */
  planBlobAt: ReadonlyMap<string, string | undefined>;
  currentPlanBlob: string;
  risk: RiskLevel;
  /** Who asked for the plan (the `/plan` commenter). */
  requester?: string;
  config: Config["approvals"];
  /** Our own app's logins (with or without `[bot]`). */
  botLogins?: readonly string[];
}

/** The decision and why. */
export interface ApprovalResult {
  satisfied: boolean;
  required: number;
  counted: { login: string; reviewId: number }[];
  ignored: { login: string; reason: string }[];
  /** Reviewers with write permission whose latest decisive review requests changes: they block. */
  changesRequested: string[];
  /** One line for a check run title or comment, e.g. `1 of 2 approvals; @a's approval is for an older plan`. */
  summary: string;
}

const DECISIVE = new Set(["APPROVED", "CHANGES_REQUESTED", "DISMISSED"]);

function time(review: Review): number {
  const t = Date.parse(review.submittedAt);
  return Number.isNaN(t) ? -Infinity : t;
}

/**
 * The latest decisive review (APPROVED, CHANGES_REQUESTED, DISMISSED) of each reviewer, in the
 * order reviewers first appear; COMMENTED and PENDING reviews never override one.
 */
export function latestDecisive(reviews: readonly Review[]): Review[] {
  const latest = new Map<string, { review: Review; order: number }>();
  reviews.forEach((review, order) => {
    if (!DECISIVE.has(review.state)) return;
    const key = review.user.login.toLowerCase();
    const seen = latest.get(key);
    // Later submission wins; for equal times, the later one in the list (GitHub lists oldest first).
    if (
      !seen ||
      time(review) > time(seen.review) ||
      (time(review) === time(seen.review) && order > seen.order)
    ) {
      latest.set(key, { review, order: seen ? Math.min(seen.order, order) : order });
    }
  });
  return [...latest.values()].sort((a, b) => a.order - b.order).map((entry) => entry.review);
}

function normaliseLogin(login: string): string {
  return login.toLowerCase().replace(/\[bot\]$/, "");
}

function lookup<V>(map: ReadonlyMap<string, V>, login: string): V | undefined {
  if (map.has(login)) return map.get(login);
  const wanted = login.toLowerCase();
  for (const [key, value] of map) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** Why an approval does not count, or undefined when it does. */
function whyNot(review: Review, input: ApprovalInput, ours: Set<string>): string | undefined {
  const login = review.user.login;
  if (ours.has(normaliseLogin(login))) return "does not count (Planwright's own)";
  if (isBot(review.user)) return "does not count (a bot)";
  const permission = lookup(input.permissions, login) ?? "none";
  if (!permissionAtLeast(permission, "write")) {
    return `does not count (${permission === "none" ? "no" : permission} permission; approvals need write)`;
  }
  if (
    !input.config.allow_requester &&
    input.requester !== undefined &&
    input.requester.toLowerCase() === login.toLowerCase()
  ) {
    return "does not count (the requester; approvals.allow_requester is false)";
  }
  if (!input.planBlobAt.has(review.commitId)) return "could not be checked against the plan";
  const blob = input.planBlobAt.get(review.commitId);
  if (blob === undefined) return "is for a commit without the plan file";
  if (blob !== input.currentPlanBlob) return "is for an older plan";
  return undefined;
}

function mention(login: string): string {
  return `@${login}`;
}

function list(logins: readonly string[]): string {
  return logins.map(mention).join(", ");
}

/** Decides whether the plan may execute; see the module comment for the rules. */
export function evaluateApprovalPolicy(input: ApprovalInput): ApprovalResult {
  const required = requiredApprovals(input.config, input.risk);
  const ours = new Set((input.botLogins ?? []).map(normaliseLogin));
  const counted: ApprovalResult["counted"] = [];
  const ignored: ApprovalResult["ignored"] = [];
  const changesRequested: string[] = [];

  for (const review of latestDecisive(input.reviews)) {
    const login = review.user.login;
    if (review.state === "DISMISSED") {
      ignored.push({ login, reason: "review was dismissed" });
    } else if (review.state === "CHANGES_REQUESTED") {
      const permission = lookup(input.permissions, login) ?? "none";
      if (!isBot(review.user) && !ours.has(normaliseLogin(login)) && permissionAtLeast(permission, "write")) {
        changesRequested.push(login);
      } else {
        const why = isBot(review.user) || ours.has(normaliseLogin(login)) ? "a bot" : "no write permission";
        ignored.push({ login, reason: `change request does not block (${why})` });
      }
    } else {
      const reason = whyNot(review, input, ours);
      if (reason === undefined) counted.push({ login, reviewId: review.id });
      else ignored.push({ login, reason: `approval ${reason}` });
    }
  }

  const satisfied = counted.length >= required && changesRequested.length === 0;
  const parts: string[] = [];
  if (satisfied) {
    parts.push(`approved by ${list(counted.map((c) => c.login))}`);
  } else {
    parts.push(`${counted.length} of ${required} approval${required === 1 ? "" : "s"}`);
    if (changesRequested.length > 0) {
      parts.push(
        `changes requested by ${list(changesRequested)} (blocks until they approve or the review is dismissed)`,
      );
    }
  }
  for (const { login, reason } of ignored) parts.push(`${mention(login)}'s ${reason}`);
  return { satisfied, required, counted, ignored, changesRequested, summary: parts.join("; ") };
}
