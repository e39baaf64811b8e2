/**
 * Commands given on an issue act on the issue's plan: the one named by Planwright's status comment
 * there (only our own comments are trusted), whose branch has an open pull request.
 */
import type { GitHubGateway } from "../github/gateway.js";
import { findStatusMarker } from "../flows/markers.js";
import { planBranch } from "../flows/plan-pr.js";

/** The number of the open plan PR of `issue`, or undefined when it has none. */
export async function findPlanPull(
  gateway: GitHubGateway,
  issue: number,
  ourLogins: readonly string[],
): Promise<number | undefined> {
  const ours = new Set(ourLogins.map((login) => login.toLowerCase()));
  const comments = await gateway.listComments(issue);
  // The latest plan of the issue wins when there were several.
  for (const comment of [...comments].reverse()) {
    if (!ours.has(comment.user.login.toLowerCase())) continue;
    const planId = findStatusMarker(comment.body);
    if (!planId) continue;
    const pull = await gateway.findPullForBranch(planBranch(planId));
    if (pull) return pull.number;
  }
  return undefined;
}
