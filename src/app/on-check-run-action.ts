/**
 * `check_run.requested_action`: the "Continue" button of the `planwright` check run (shown while a
 * plan waits at a checkpoint or manual task) does what `/continue` does, and "Execute" (shown when
 * approved without auto_execute) what `/execute` does, with the same permission and approval
 * checks, as the person who pressed it.
 */
import type { Context } from "probot";
import type { HandlerRuntime } from "./handler-runtime.js";
import { jobKey, repoRefOf } from "./jobs.js";

/** The button identifiers and the command each one runs. */
const ACTIONS: Record<string, "continue" | "execute"> = { continue: "continue", execute: "execute" };

/** The handler, bound to the App's queue. */
export function onCheckRunAction(runtime: HandlerRuntime) {
  return async (context: Context<"check_run.requested_action">): Promise<void> => {
    const { check_run: check, requested_action: requested, sender } = context.payload;
    const kind = ACTIONS[requested?.identifier ?? ""];
    if (!kind) return;
    const pull = check.pull_requests[0]?.number;
    if (pull === undefined) return;
    const repo = repoRefOf(context.payload);
    if (!repo) return;
    runtime.queue.enqueue({
      key: jobKey(repo, pull),
      id: `delivery:${context.id}`,
      data: { kind: "command", repo, issue: pull, isPull: true, command: { kind }, actor: sender.login },
    });
  };
}
