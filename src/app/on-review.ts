/**
 * `pull_request_review` submitted, edited or dismissed on a plan PR: a change request is revised
 * (keyed by the review, so a redelivery revises once); anything else re-evaluates the approval
 * policy, which dispatches the execution when it holds and `auto_execute` is on. Reviews by bots
 * (the App never reviews) are ignored. Jobs of one PR run one at a time, so reviews never race.
 */
import type { Context } from "probot";
import { isBot, reviewFromWebhook } from "../flows/approval-policy.js";
import { planIdOfBranch } from "../flows/plan-pr.js";
import { mapPull } from "../github/map-responses.js";
import type { HandlerRuntime } from "./handler-runtime.js";
import { jobKey, repoRefOf } from "./jobs.js";

type ReviewEvent =
  "pull_request_review.submitted" | "pull_request_review.edited" | "pull_request_review.dismissed";

/** The handler, bound to the App's queue. */
export function onReview(runtime: HandlerRuntime) {
  return async (context: Context<ReviewEvent>): Promise<void> => {
    const { review, pull_request: pull, action } = context.payload;
    if (!planIdOfBranch(pull.head.ref)) return;
    if (isBot(review.user ?? { login: "ghost", type: "Bot" })) return;
    const repo = repoRefOf(context.payload);
    if (!repo) return;
    const key = jobKey(repo, pull.number);
    const normalised = reviewFromWebhook({
      id: review.id,
      user: review.user ? { login: review.user.login, type: review.user.type ?? "User" } : null,
      state: review.state,
      body: review.body ?? null,
      commit_id: review.commit_id,
      submitted_at: review.submitted_at ?? null,
    });
    if (action === "submitted" && normalised.state === "CHANGES_REQUESTED") {
      runtime.queue.enqueue({
        key,
        id: `review:${review.id}`,
        data: { kind: "review", repo, pull: pull.number, review: normalised },
      });
      return;
    }
    runtime.queue.enqueue({
      key,
      id: `delivery:${context.id}`,
      data: {
        kind: "evaluate",
        repo,
        pull: pull.number,
        reason: `review ${action}`,
        pullData: mapPull(pull),
      },
    });
  };
}
