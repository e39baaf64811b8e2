/**
 * Action-only mode: with `command: auto`, the triggering event decides what to do, as the App would
 * for the same webhook. Slash commands count only from people whose repository permission reaches
 * `who_can_command` (asked from GitHub, never taken from the payload); bots are ignored.
 */
import type { Config } from "../config.js";
import { UsageError } from "../errors.js";
import type { GitHubGateway } from "../github/gateway.js";
import { mapIssue } from "../github/map-responses.js";
import { isBot, permissionAtLeast } from "../flows/approval-policy.js";
import { parseCommand } from "../flows/parse-command.js";
import type { RequestPlanInput } from "../flows/request-plan.js";
import type { ActionCommand, ActionContext } from "./inputs.js";

/** A command the Action runs (never `auto`). */
export type RoutedCommand = Exclude<ActionCommand, "auto">;

/** What an event asks the Action to do. */
export type Route =
  | { kind: "run"; command: RoutedCommand; pr: number; task?: string; commentId?: number }
  /** An approval arrived: execute when the policy holds, otherwise only say where it stands. */
  | { kind: "approval"; pr: number }
  /** `/plan` on an issue, with the issue and default branch as the payload gives them. */
  | ({ kind: "plan" } & RequestPlanInput)
  /** `/cancel` on a plan PR: cancel the other runs serving it. */
  | { kind: "cancel"; pr: number; commentId: number; actor: string }
  | { kind: "ignore"; reason: string };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** The pull request a workflow run is about, from the `pr` input or the event. */
export function pullOfEvent(context: ActionContext): number | undefined {
  const e = context.event;
  const pull = num(obj(e.pull_request).number);
  if (pull !== undefined) return pull;
  const issue = obj(e.issue);
  if (issue.pull_request) return num(issue.number);
  const runs = obj(e.check_run).pull_requests;
  if (Array.isArray(runs)) return num(obj(runs[0]).number);
  return num(obj(e.inputs).pr) ?? (Number(str(obj(e.inputs).pr)) || undefined);
}

const COMMANDS: Record<string, RoutedCommand> = {
  execute: "execute",
  retry: "retry",
  skip: "skip",
  continue: "continue",
  rollback: "rollback",
  status: "status",
};

/** What the event asks for. Permission is checked here, through the gateway. */
export async function routeEvent(
  context: ActionContext,
  gateway: GitHubGateway,
  config: Config,
): Promise<Route> {
  const e = context.event;
  switch (context.eventName) {
    case "issue_comment": {
      if (str(e.action) !== "created")
        return { kind: "ignore", reason: `comment ${str(e.action)}, not created` };
      const comment = obj(e.comment);
      const user = obj(comment.user);
      const login = str(user.login);
      if (isBot({ login, type: str(user.type) }))
        return { kind: "ignore", reason: `comment by a bot (${login})` };
      const command = parseCommand(str(comment.body));
      if (!command || command.kind === "unknown" || command.kind === "help")
        return { kind: "ignore", reason: "no Planwright command in the comment" };
      if (command.kind === "invalid") throw new UsageError(command.message);
      const permission = await gateway.permissionOf(login);
      if (!permissionAtLeast(permission, config.who_can_command)) {
        return {
          kind: "ignore",
          reason: `@${login} has ${permission} permission; commands need ${config.who_can_command}`,
        };
      }
      const issue = obj(e.issue);
      const number = num(issue.number) ?? 0;
      const commentId = num(comment.id) ?? 0;
      if (command.kind === "plan") {
        const defaultBranch = str(obj(e.repository).default_branch);
        return {
          kind: "plan",
          issue: number,
          commentId,
          requester: login,
          request: command.request,
          ...(typeof issue.title === "string" && issue.user ? { issueData: mapIssue(issue) } : {}),
          ...(defaultBranch ? { defaultBranch } : {}),
        };
      }
      if (command.kind === "cancel") {
        if (!issue.pull_request)
          return { kind: "ignore", reason: `/cancel works on a plan's pull request, #${number} is an issue` };
        return { kind: "cancel", pr: number, commentId, actor: login };
      }
      const routed = COMMANDS[command.kind];
      if (!routed)
        return { kind: "ignore", reason: `/${command.kind} is handled by the App, not the Action` };
      if (!issue.pull_request)
        return {
          kind: "ignore",
          reason: `/${command.kind} works on a plan's pull request, #${number} is an issue`,
        };
      const task = "task" in command ? command.task : undefined;
      return { kind: "run", command: routed, pr: number, commentId, ...(task ? { task } : {}) };
    }
    case "pull_request_review": {
      const state = str(obj(e.review).state).toLowerCase();
      const pr = num(obj(e.pull_request).number);
      if (str(e.action) !== "submitted" || state !== "approved" || pr === undefined)
        return { kind: "ignore", reason: `review ${state || str(e.action)}, not an approval` };
      if (!config.execution.auto_execute)
        return { kind: "ignore", reason: "execution.auto_execute is false: comment /execute to run" };
      return { kind: "approval", pr };
    }
    case "check_run": {
      const identifier = str(obj(e.requested_action).identifier);
      const pr = pullOfEvent(context);
      if (str(e.action) !== "requested_action" || identifier !== "continue" || pr === undefined)
        return { kind: "ignore", reason: "not a Continue button" };
      return { kind: "run", command: "continue", pr };
    }
    case "workflow_dispatch":
    case "repository_dispatch": {
      const pr = pullOfEvent(context);
      if (pr === undefined) throw new UsageError("input pr: required when the workflow is started by hand");
      return { kind: "run", command: "execute", pr };
    }
    default:
      return { kind: "ignore", reason: `event ${context.eventName} needs an explicit command input` };
  }
}
