/**
 * `issue_comment.created`: a slash command on an issue or plan PR. Comments by bots (ours
 * included) and comments without a command are ignored; edits never arrive here (only `created` is
 * subscribed). The command is queued under the comment's id, so redeliveries run it once, and
 * acknowledged with 👀 at once; permission, configuration and the work itself come after the 2xx.
 */
import type { Context } from "probot";
import { isBot } from "../flows/approval-policy.js";
import { parseCommand } from "../flows/parse-command.js";
import { createGateway } from "../github/octokit-gateway.js";
import type { HandlerRuntime } from "./handler-runtime.js";
import { jobKey, ownsRepository, repoRefOf, type CommandJob } from "./jobs.js";

/** The handler, bound to the App's queue. */
export function onIssueComment(runtime: HandlerRuntime) {
  return async (context: Context<"issue_comment.created">): Promise<void> => {
    const { comment, issue } = context.payload;
    if (isBot(comment.user ?? { login: "ghost", type: "Bot" })) return;
    const command = parseCommand(comment.body ?? "");
    if (!command) return;
    const repo = repoRefOf(context.payload);
    if (!repo) return;
    const isPull = Boolean(issue.pull_request);
    const job: CommandJob = {
      kind: "command",
      repo,
      issue: issue.number,
      isPull,
      command,
      actor: comment.user?.login ?? "ghost",
      commentId: comment.id,
      ...(ownsRepository(comment.user, comment.author_association, context.payload.repository)
        ? { actorOwnsRepo: true }
        : {}),
      ...(isPull
        ? {}
        : {
            issueData: {
              title: issue.title,
              body: issue.body ?? "",
              user: { login: issue.user?.login ?? "ghost", type: issue.user?.type ?? "User" },
              labels: (issue.labels ?? []).map((label) =>
                typeof label === "string" ? label : (label.name ?? ""),
              ),
            },
          }),
    };
    if (!runtime.queue.enqueue({ key: jobKey(repo, issue.number), id: `comment:${comment.id}`, data: job })) {
      return;
    }
    const react = createGateway(context.octokit, repo).addReaction(comment.id, "eyes");
    // The acknowledgement is a courtesy: the job is queued and will answer anyway.
    runtime.detach(
      react.catch((error: unknown) =>
        runtime.logger.warn({ err: error }, `could not react to comment ${comment.id}`),
      ),
    );
  };
}
