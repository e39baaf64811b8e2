/**
 * Slash commands in issue and pull-request comments. A command must start a line (after at most
 * three spaces, as Markdown allows); text that is shown as code, quoted or hidden is never a command,
 * so quoting someone's `/execute` or pasting a log cannot trigger anything. Pure.
 */
import { ID_PATTERN } from "../plan/schema.js";

/** Every command Planwright understands, in the order `/help` lists them. */
export const COMMAND_NAMES = [
  "plan",
  "revise",
  "execute",
  "continue",
  "cancel",
  "retry",
  "skip",
  "rollback",
  "status",
  "help",
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** A parsed command. `unknown` and `invalid` are for the caller to answer (with `/help`, or the message). */
export type Command =
  | {
      kind: "plan";
      /** The words after `/plan` (may be empty: the caller then uses the issue). */
      request: string;
      /** The rest of the comment after the command line, trimmed. */
      details: string;
    }
  | { kind: "revise"; instruction: string; details: string }
  | { kind: "execute" | "continue" | "cancel" | "status" | "help" }
  | { kind: "retry" | "rollback"; task?: string }
  | { kind: "skip"; task: string }
  | { kind: "unknown"; word: string }
  | { kind: "invalid"; command: CommandName; message: string };

/** What each command takes, for `/help` and for messages. */
export const COMMAND_USAGE: Record<CommandName, string> = {
  plan: "/plan [request]",
  revise: "/revise <instruction>",
  execute: "/execute",
  continue: "/continue",
  cancel: "/cancel",
  retry: "/retry [task]",
  skip: "/skip <task>",
  rollback: "/rollback [task]",
  status: "/status",
  help: "/help",
};

// `/word` then whitespace or the end: `/usr/bin` or `/etc.` are paths, not commands.
const COMMAND_LINE = /^ {0,3}\/([A-Za-z][A-Za-z0-9_-]*)(?=\s|$)(.*)$/;
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const QUOTE = /^ {0,3}>/;

function isCommandName(word: string): word is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(word);
}

/**
 * The lines of a body that Markdown renders as ordinary text, with their index: outside fenced code
 * blocks (closed or not), block quotes and HTML comments (which are removed from the text).
 */
function* textLines(lines: readonly string[]): Generator<{ index: number; text: string }> {
  let fence: { char: string; length: number } | undefined;
  let inComment = false;
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index] ?? "";
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
      if (close?.[1] && close[1][0] === fence.char && close[1].length >= fence.length) fence = undefined;
      continue;
    }
    if (inComment) {
      const end = line.indexOf("-->");
      if (end === -1) continue;
      inComment = false;
      // Text after a comment's end is not at the start of a line for Markdown's purposes.
      line = " ".repeat(4) + line.slice(end + 3);
    }
    const open = FENCE_OPEN.exec(line);
    // A backtick fence's info string may not contain a backtick (then it is inline code).
    if (open?.[1] && !(open[1][0] === "`" && (open[2] ?? "").includes("`"))) {
      fence = { char: open[1][0] ?? "`", length: open[1].length };
      continue;
    }
    if (QUOTE.test(line)) continue;
    let text = line.replace(/<!--[\s\S]*?-->/g, "");
    const unclosed = text.indexOf("<!--");
    if (unclosed !== -1) {
      inComment = true;
      text = text.slice(0, unclosed);
    }
    yield { index, text };
  }
}

function taskArgument(command: "retry" | "skip" | "rollback", args: string, required: boolean): Command {
  const words = args.split(/\s+/).filter((w) => w !== "");
  const usage = COMMAND_USAGE[command];
  if (words.length === 0) {
    if (required) return { kind: "invalid", command, message: `${usage} needs a task id` };
    return { kind: command as "retry" | "rollback" };
  }
  const task = words[0] ?? "";
  if (words.length > 1) {
    return { kind: "invalid", command, message: `${usage} takes one task id, found ${words.length} words` };
  }
  if (!ID_PATTERN.test(task)) {
    const shown = task.length > 40 ? `${task.slice(0, 40)}…` : task;
    return {
      kind: "invalid",
      command,
      message: `${usage}: ${JSON.stringify(shown)} is not a task id (lowercase letters, digits and dashes)`,
    };
  }
  return command === "skip" ? { kind: "skip", task } : { kind: command, task };
}

function toCommand(word: string, args: string, rest: string): Command {
  const name = word.toLowerCase();
  if (!isCommandName(name)) return { kind: "unknown", word };
  switch (name) {
    case "plan":
      return { kind: "plan", request: args, details: rest };
    case "revise":
      if (args === "" && rest === "") {
        return { kind: "invalid", command: "revise", message: "/revise <instruction> needs an instruction" };
      }
      return { kind: "revise", instruction: args, details: rest };
    case "retry":
    case "rollback":
      return taskArgument(name, args, false);
    case "skip":
      return taskArgument(name, args, true);
    default:
      // Commands without arguments ignore trailing words ("/cancel please").
      return { kind: name };
  }
}

/**
 * The first command in a comment body, or `undefined` when there is none. An unknown `/word` at the
 * start of a line is `{ kind: "unknown" }` so the caller can answer with `/help`.
 */
export function parseCommand(body: string): Command | undefined {
  const lines = body.split(/\r\n|\r|\n/);
  for (const { index, text } of textLines(lines)) {
    const match = COMMAND_LINE.exec(text);
    if (!match) continue;
    const word = match[1] ?? "";
    const args = (match[2] ?? "").trim();
    const rest = lines
      .slice(index + 1)
      .join("\n")
      .trim();
    return toCommand(word, args, rest);
  }
  return undefined;
}

/** The `/help` text: every command with what it does. */
export function helpText(): string {
  const what: Record<CommandName, string> = {
    plan: "draft a plan for this issue (or for the request given)",
    revise: "revise the plan following the instruction",
    execute: "execute the approved plan",
    continue: "continue after a checkpoint or manual task",
    cancel: "cancel the running execution",
    retry: "retry the failed task (or the one named)",
    skip: "skip a task and go on",
    rollback: "revert the plan's commits (or one task's) with git revert",
    status: "show where the plan stands",
    help: "show this help",
  };
  return COMMAND_NAMES.map((name) => `- \`${COMMAND_USAGE[name]}\`: ${what[name]}`).join("\n");
}
