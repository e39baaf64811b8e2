import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, parseConfig, type Config } from "../../src/config.js";
import {
  evaluateApprovalPolicy,
  isBot,
  normaliseReviewState,
  permissionAtLeast,
  reviewFromWebhook,
  type ApprovalInput,
} from "../../src/flows/approval-policy.js";
import type { Permission, Review, ReviewState } from "../../src/github/gateway.js";

const PLAN_NOW = "b".repeat(40);
const PLAN_OLD = "a".repeat(40);
const C_OLD = "c0".repeat(20);
const C_NOW = "c1".repeat(20);
const C_NOPLAN = "c2".repeat(20);
const C_UNKNOWN = "c3".repeat(20);

let nextId = 1;
let clock = Date.parse("2026-01-01T00:00:00Z");

function review(login: string, state: ReviewState, commitId = C_NOW, type = "User"): Review {
  clock += 60_000;
  return {
    id: nextId++,
    user: { login, type },
    state,
    body: "",
    commitId,
    submittedAt: new Date(clock).toISOString(),
  };
}

function approvals(text?: string): Config["approvals"] {
  if (text === undefined) return DEFAULT_CONFIG.approvals;
  const { config } = parseConfig(text);
  if (!config) throw new Error(`bad test config: ${text}`);
  return config.approvals;
}

function evaluate(reviews: Review[], over: Partial<ApprovalInput> = {}) {
  const permissions = new Map<string, Permission>([
    ["alice", "write"],
    ["bob", "admin"],
    ["carol", "maintain"],
    ["dave", "read"],
    ["erin", "triage"],
    ["frank", "write"],
    ["dependabot[bot]", "write"],
    ["planwright[bot]", "write"],
  ]);
  return evaluateApprovalPolicy({
    reviews,
    permissions,
    planBlobAt: new Map<string, string | undefined>([
      [C_OLD, PLAN_OLD],
      [C_NOW, PLAN_NOW],
      [C_NOPLAN, undefined],
    ]),
    currentPlanBlob: PLAN_NOW,
    risk: "low",
    requester: "frank",
    config: approvals(),
    botLogins: ["planwright[bot]"],
    ...over,
  });
}

interface Case {
  name: string;
  reviews: () => Review[];
  over?: Partial<ApprovalInput>;
  satisfied: boolean;
  counted: string[];
  summary: string;
}

const cases: Case[] = [
  {
    name: "no reviews",
    reviews: () => [],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval",
  },
  {
    name: "one approval by a write user on the current plan",
    reviews: () => [review("alice", "APPROVED")],
    satisfied: true,
    counted: ["alice"],
    summary: "approved by @alice",
  },
  {
    name: "admin and maintain count as write",
    reviews: () => [review("bob", "APPROVED"), review("carol", "APPROVED")],
    over: { risk: "high" },
    satisfied: true,
    counted: ["bob", "carol"],
    summary: "approved by @bob, @carol",
  },
  {
    name: "a read user's approval does not count",
    reviews: () => [review("dave", "APPROVED")],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval; @dave's approval does not count (read permission; approvals need write)",
  },
  {
    name: "a triage user's approval does not count",
    reviews: () => [review("erin", "APPROVED")],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval; @erin's approval does not count (triage permission; approvals need write)",
  },
  {
    name: "an approval by someone without permission (not in the map) does not count",
    reviews: () => [review("mallory", "APPROVED")],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval; @mallory's approval does not count (no permission; approvals need write)",
  },
  {
    name: "a bot by type does not count",
    reviews: () => [review("alice", "APPROVED", C_NOW, "Bot")],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval; @alice's approval does not count (a bot)",
  },
  {
    name: "a bot by [bot] login does not count, even with write permission",
    reviews: () => [review("dependabot[bot]", "APPROVED")],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval; @dependabot[bot]'s approval does not count (a bot)",
  },
  {
    name: "our own app does not count",
    reviews: () => [review("planwright[bot]", "APPROVED", C_NOW, "Bot")],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval; @planwright[bot]'s approval does not count (Planwright's own)",
  },
  {
    name: "the requester counts when allow_requester is true",
    reviews: () => [review("frank", "APPROVED")],
    satisfied: true,
    counted: ["frank"],
    summary: "approved by @frank",
  },
  {
    name: "the requester does not count when allow_requester is false (any case of the login)",
    reviews: () => [review("Frank", "APPROVED")],
    over: { config: approvals("approvals: { allow_requester: false }") },
    satisfied: false,
    counted: [],
    summary:
      "0 of 1 approval; @Frank's approval does not count (the requester; approvals.allow_requester is false)",
  },
  {
    name: "an approval of an older plan does not count",
    reviews: () => [review("alice", "APPROVED", C_OLD)],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval; @alice's approval is for an older plan",
  },
  {
    name: "an approval of a commit without the plan file does not count",
    reviews: () => [review("alice", "APPROVED", C_NOPLAN)],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval; @alice's approval is for a commit without the plan file",
  },
  {
    name: "an approval whose commit could not be checked does not count",
    reviews: () => [review("alice", "APPROVED", C_UNKNOWN)],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval; @alice's approval could not be checked against the plan",
  },
  {
    name: "re-approving the current plan after an old approval counts",
    reviews: () => [review("alice", "APPROVED", C_OLD), review("alice", "APPROVED", C_NOW)],
    satisfied: true,
    counted: ["alice"],
    summary: "approved by @alice",
  },
  {
    name: "a comment after an approval does not override it",
    reviews: () => [review("alice", "APPROVED"), review("alice", "COMMENTED")],
    satisfied: true,
    counted: ["alice"],
    summary: "approved by @alice",
  },
  {
    name: "a pending review after an approval does not override it",
    reviews: () => [review("alice", "APPROVED"), review("alice", "PENDING")],
    satisfied: true,
    counted: ["alice"],
    summary: "approved by @alice",
  },
  {
    name: "a dismissed approval does not count",
    reviews: () => [review("alice", "APPROVED"), review("alice", "DISMISSED")],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval; @alice's review was dismissed",
  },
  {
    name: "changes requested after approving replace the approval and block",
    reviews: () => [review("alice", "APPROVED"), review("alice", "CHANGES_REQUESTED")],
    satisfied: false,
    counted: [],
    summary:
      "0 of 1 approval; changes requested by @alice (blocks until they approve or the review is dismissed)",
  },
  {
    name: "a write user's pending change request blocks even with enough approvals",
    reviews: () => [review("alice", "APPROVED"), review("bob", "CHANGES_REQUESTED")],
    satisfied: false,
    counted: ["alice"],
    summary:
      "1 of 1 approval; changes requested by @bob (blocks until they approve or the review is dismissed)",
  },
  {
    name: "approving after requesting changes lifts the block",
    reviews: () => [
      review("bob", "CHANGES_REQUESTED"),
      review("alice", "APPROVED"),
      review("bob", "APPROVED"),
    ],
    satisfied: true,
    counted: ["bob", "alice"],
    summary: "approved by @bob, @alice",
  },
  {
    name: "a dismissed change request no longer blocks",
    reviews: () => [
      review("bob", "CHANGES_REQUESTED"),
      review("bob", "DISMISSED"),
      review("alice", "APPROVED"),
    ],
    satisfied: true,
    counted: ["alice"],
    summary: "approved by @alice; @bob's review was dismissed",
  },
  {
    name: "a read user's change request does not block",
    reviews: () => [review("dave", "CHANGES_REQUESTED"), review("alice", "APPROVED")],
    satisfied: true,
    counted: ["alice"],
    summary: "approved by @alice; @dave's change request does not block (no write permission)",
  },
  {
    name: "a bot's change request does not block",
    reviews: () => [review("dependabot[bot]", "CHANGES_REQUESTED"), review("alice", "APPROVED")],
    satisfied: true,
    counted: ["alice"],
    summary: "approved by @alice; @dependabot[bot]'s change request does not block (a bot)",
  },
  {
    name: "a comment alone is neither approval nor block",
    reviews: () => [review("bob", "COMMENTED")],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval",
  },
  {
    name: "high risk needs two approvals by default",
    reviews: () => [review("alice", "APPROVED")],
    over: { risk: "high" },
    satisfied: false,
    counted: ["alice"],
    summary: "1 of 2 approvals",
  },
  {
    name: "the ARCHITECTURE example message: one of two, the other for an older plan",
    reviews: () => [review("bob", "APPROVED"), review("alice", "APPROVED", C_OLD)],
    over: { risk: "critical" },
    satisfied: false,
    counted: ["bob"],
    summary: "1 of 2 approvals; @alice's approval is for an older plan",
  },
  {
    name: "two approvals satisfy a critical plan",
    reviews: () => [review("bob", "APPROVED"), review("alice", "APPROVED")],
    over: { risk: "critical" },
    satisfied: true,
    counted: ["bob", "alice"],
    summary: "approved by @bob, @alice",
  },
  {
    name: "by_risk overrides required for its level only",
    reviews: () => [review("alice", "APPROVED")],
    over: { risk: "low", config: approvals("approvals: { required: 2, by_risk: { low: 1 } }") },
    satisfied: true,
    counted: ["alice"],
    summary: "approved by @alice",
  },
  {
    name: "required applies to levels by_risk does not list",
    reviews: () => [review("alice", "APPROVED")],
    over: { risk: "medium", config: approvals("approvals: { required: 2, by_risk: { low: 1 } }") },
    satisfied: false,
    counted: ["alice"],
    summary: "1 of 2 approvals",
  },
  {
    name: "two approvals by the same person count once",
    reviews: () => [review("alice", "APPROVED"), review("alice", "APPROVED")],
    over: { risk: "high" },
    satisfied: false,
    counted: ["alice"],
    summary: "1 of 2 approvals",
  },
  {
    name: "logins are compared case-insensitively across reviews",
    reviews: () => [review("Alice", "APPROVED"), review("alice", "DISMISSED")],
    satisfied: false,
    counted: [],
    summary: "0 of 1 approval; @alice's review was dismissed",
  },
];

describe("evaluateApprovalPolicy", () => {
  it.each(cases)("$name", ({ reviews, over, satisfied, counted, summary }) => {
    const result = evaluate(reviews(), over);
    expect(result.summary).toBe(summary);
    expect(result.satisfied).toBe(satisfied);
    expect(result.counted.map((c) => c.login)).toEqual(counted);
  });

  it("reports review ids, the required count and the blockers", () => {
    const a = review("alice", "APPROVED");
    const b = review("bob", "CHANGES_REQUESTED");
    const result = evaluate([a, b, review("dave", "APPROVED")], { risk: "high" });
    expect(result).toMatchObject({
      satisfied: false,
      required: 2,
      counted: [{ login: "alice", reviewId: a.id }],
      changesRequested: ["bob"],
      ignored: [{ login: "dave", reason: "approval does not count (read permission; approvals need write)" }],
    });
  });

  it("decides by submission time, not list order", () => {
    const approved = review("alice", "APPROVED");
    const earlier = { ...review("alice", "CHANGES_REQUESTED"), submittedAt: "2020-01-01T00:00:00Z" };
    expect(evaluate([approved, earlier]).satisfied).toBe(true);
  });
});

describe("review helpers", () => {
  it.each([
    ["approved", "APPROVED"],
    ["changes_requested", "CHANGES_REQUESTED"],
    ["commented", "COMMENTED"],
    ["dismissed", "DISMISSED"],
    ["PENDING", "PENDING"],
    ["something-new", "COMMENTED"],
  ])("normalises the state %s to %s", (state, expected) => {
    expect(normaliseReviewState(state)).toBe(expected);
  });

  it("reads a pull_request_review webhook payload, lowercase states included", () => {
    const require = createRequire(import.meta.url);
    const examples = require("@octokit/webhooks-examples") as {
      name: string;
      examples: { action: string; review: Parameters<typeof reviewFromWebhook>[0] }[];
    }[];
    const events = examples.find((e) => e.name === "pull_request_review")?.examples ?? [];
    const dismissed = events.find((e) => e.action === "dismissed");
    expect(dismissed).toBeDefined();
    const base = reviewFromWebhook(dismissed!.review);
    expect(base.state).toBe("DISMISSED");
    expect(base.commitId).toMatch(/^[0-9a-f]{40}$/);
    const approved = reviewFromWebhook({ ...dismissed!.review, state: "approved" });
    const result = evaluateApprovalPolicy({
      reviews: [approved],
      permissions: new Map([[approved.user.login, "write"]]),
      planBlobAt: new Map([[approved.commitId, PLAN_NOW]]),
      currentPlanBlob: PLAN_NOW,
      risk: "medium",
      config: DEFAULT_CONFIG.approvals,
    });
    expect(result.summary).toBe(`approved by @${approved.user.login}`);
  });

  it("ranks permissions", () => {
    expect(permissionAtLeast("admin", "write")).toBe(true);
    expect(permissionAtLeast("maintain", "write")).toBe(true);
    expect(permissionAtLeast("write", "write")).toBe(true);
    expect(permissionAtLeast("triage", "write")).toBe(false);
    expect(permissionAtLeast("none", "read")).toBe(false);
    expect(permissionAtLeast("read", "read")).toBe(true);
  });

  it("recognises bots", () => {
    expect(isBot({ login: "renovate[bot]", type: "User" })).toBe(true);
    expect(isBot({ login: "someapp", type: "Bot" })).toBe(true);
    expect(isBot({ login: "robert", type: "User" })).toBe(false);
  });
});

describe("evaluateApprovalPolicy properties", () => {
  const logins = ["alice", "bob", "carol", "dave", "erin", "frank", "dependabot[bot]", "planwright[bot]"];
  const arbitraryReview = fc.record({
    login: fc.constantFrom(...logins),
    state: fc.constantFrom<ReviewState>("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"),
    commit: fc.constantFrom(C_OLD, C_NOW, C_NOPLAN, C_UNKNOWN),
  });
  const reviewList = fc.array(arbitraryReview, { maxLength: 12 }).map((list) =>
    list.map((r, i) => ({
      id: i + 1,
      user: { login: r.login, type: r.login.endsWith("[bot]") ? "Bot" : "User" },
      state: r.state,
      body: "",
      commitId: r.commit,
      submittedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    })),
  );
  const risk = fc.constantFrom("low", "medium", "high", "critical" as const);

  it("is consistent: satisfied exactly when enough approvals and no blocker", () => {
    fc.assert(
      fc.property(reviewList, risk, fc.boolean(), (reviews, level, allowRequester) => {
        const config = { ...DEFAULT_CONFIG.approvals, allow_requester: allowRequester };
        const result = evaluate(reviews, { risk: level, config });
        expect(result.satisfied).toBe(
          result.counted.length >= result.required && result.changesRequested.length === 0,
        );
        const reviewers = new Set(reviews.map((r) => r.user.login));
        for (const c of result.counted) {
          expect(reviewers.has(c.login)).toBe(true);
          expect(c.login).not.toMatch(/\[bot\]$|^dave$|^erin$/);
          if (!allowRequester) expect(c.login).not.toBe("frank");
          const decisive = reviews.filter(
            (r) => r.user.login === c.login && r.state !== "COMMENTED" && r.state !== "PENDING",
          );
          const last = decisive[decisive.length - 1];
          expect(last).toMatchObject({ id: c.reviewId, state: "APPROVED", commitId: C_NOW });
        }
        expect(new Set(result.counted.map((c) => c.login)).size).toBe(result.counted.length);
      }),
    );
  });

  it("depends on submission times, not on the order GitHub lists reviews in", () => {
    fc.assert(
      fc.property(
        reviewList.chain((reviews) =>
          fc.tuple(fc.constant(reviews), fc.shuffledSubarray(reviews, { minLength: reviews.length })),
        ),
        ([reviews, shuffled]) => {
          const a = evaluate(reviews, { risk: "high" });
          const b = evaluate(shuffled, { risk: "high" });
          expect(b.satisfied).toBe(a.satisfied);
          expect(new Set(b.counted.map((c) => c.login))).toEqual(new Set(a.counted.map((c) => c.login)));
          expect(new Set(b.changesRequested)).toEqual(new Set(a.changesRequested));
        },
      ),
    );
  });
});
