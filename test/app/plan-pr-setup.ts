/**
 * Gets the App tests to "a plan PR exists": `/plan add 2FA` by alice on issue #42, planned through
 * the App itself, so every later step starts from what the App really made.
 */
import { expect } from "vitest";
import { planBranch, planFilePath } from "../../src/flows/plan-pr.js";
import type { Harness } from "./app-harness.js";
import { ALICE, commentPayload, planAnswer, submitPlan } from "./fixtures.js";

export const PLAN_ID = "42-add-2fa";
export const BRANCH = planBranch(PLAN_ID);
export const PLAN_PATH = planFilePath(PLAN_ID);

/** The plan PR as webhooks name it. */
export interface PlanPull {
  number: number;
  head: string;
  sha: string;
  /** The PR body as the App wrote it (webhooks carry it; the requester is found through it). */
  body: string;
}

/** Posts `body` by `user` on `issue` in the fake GitHub and returns its webhook payload. */
export function postComment(h: Harness, body: string, user: { login: string; type: string }, issue = 42) {
  const comment = h.github.comment(issue, body, user);
  const isPull = h.github.pulls.some((p) => p.number === issue);
  return commentPayload(body, user, issue, { id: comment.id, pull: isPull });
}

/** Runs `/plan add 2FA` through the App and returns the PR it opened. */
export async function openPlanPull(h: Harness): Promise<PlanPull> {
  h.github.permissions.set("alice", "write");
  h.github.issues.set(42, { title: "Two-factor login", body: "Users want 2FA.", user: ALICE });
  h.model.enqueue(submitPlan(planAnswer()));
  await h.settle("issue_comment", postComment(h, "/plan add 2FA", ALICE));
  const pull = h.github.pulls[0];
  expect(pull?.head).toBe(BRANCH);
  return { number: pull!.number, head: BRANCH, sha: h.github.refs.get(BRANCH)!, body: pull!.body };
}
