/**
 * The App's short answers: the refusal for people who may not command, and the command list.
 */
import { helpText } from "../flows/parse-command.js";

/** The refusal for someone whose permission does not reach `who_can_command`. */
export function refusalText(login: string, minimum: string): string {
  return [
    `Sorry @${login}, Planwright commands can only be run by people with **${minimum}** permission or more on this repository.`,
    `Please ask a maintainer to run the command for you.`,
  ].join(" ");
}

/** The reply to `/help`, an unknown command or a malformed one. */
export function helpReply(problem?: string): string {
  return [
    ...(problem ? [`**Planwright:** ${problem}`, ""] : []),
    "**Planwright commands** (on an issue or its plan pull request):",
    "",
    helpText(),
  ].join("\n");
}
