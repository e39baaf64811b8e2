/**
 * `pull_request.synchronize` on a plan branch: the plan or the branch changed, so approvals given
 * on an older plan may no longer count and the `planwright` check run must be re-created on the new
 * head. Queued under the head sha, so redeliveries of the same push evaluate once. Pushes of the
 * Action's own task and revert commits are left to the Action (see run-job.ts).
 */
import type { Context } from "probot";
import { planIdOfBranch } from "../flows/plan-pr.js";
import { mapPull } from "../github/map-responses.js";
import type { HandlerRuntime } from "./handler-runtime.js";
import { jobKey, repoRefOf } from "./jobs.js";

/** The handler, bound to the App's queue. */
export function onPullSynchronize(runtime: HandlerRuntime) {
  return async (context: Context<"pull_request.synchronize">): Promise<void> => {
    const { pull_request: pull } = context.payload;
    if (!planIdOfBranch(pull.head.ref)) return;
    // A fork's branch of the same name is not ours.
    if (pull.head.repo?.full_name !== context.payload.repository.full_name) return;
    const repo = repoRefOf(context.payload);
    if (!repo) return;
    runtime.queue.enqueue({
      key: jobKey(repo, pull.number),
      id: `push:${pull.number}:${context.payload.after}`,
      data: {
        kind: "evaluate",
        repo,
        pull: pull.number,
        reason: "synchronize",
        pullData: mapPull(pull),
        before: context.payload.before,
      },
    });
  };
}
