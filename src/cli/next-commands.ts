/**
 * The exact commands a person can type next after a run stops, as the App's status comment gives
 * `/retry`, `/skip` and `/continue`: every failure and every pause ends with them.
 */
import type { RunResult } from "../engine/executor.js";

/** A word for a POSIX shell: quoted unless it is plainly safe. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface CommandTarget {
  /** The plan file as the user named it. */
  file: string;
  /** `--repo` when it was given. */
  repo?: string;
}

function command(target: CommandTarget, verb: string, ...rest: string[]): string {
  const repo = target.repo !== undefined ? ` --repo ${shellWord(target.repo)}` : "";
  return [`planwright ${verb} ${shellWord(target.file)}`, ...rest.map(shellWord)].join(" ") + repo;
}

/** What to run next after `result`; empty when the plan is done. */
export function nextCommandsOf(result: RunResult, target: CommandTarget): string[] {
  if (result.outcome === "succeeded") return [];
  if (result.outcome === "waiting") return [`${command(target, "run")} --continue`];
  if (result.outcome === "cancelled") return [command(target, "run")];
  const failed = result.tasks.find((t) => t.status === "failed");
  const next: string[] = [];
  if (failed && (failed.failureClass === "verification" || failed.failureClass === "transient")) {
    next.push(command(target, "run"));
  }
  if (failed) {
    next.push(command(target, "adopt", failed.id), command(target, "skip", failed.id));
  } else {
    next.push(command(target, "status"));
  }
  next.push(command(target, "rollback"));
  return next;
}

/** The next commands as lines for a person, each with what it does. */
export function formatNextCommands(commands: readonly string[]): string {
  if (commands.length === 0) return "";
  const what = (c: string): string =>
    / --continue/.test(c)
      ? "confirm and go on"
      : / adopt /.test(c)
        ? "after committing the fix by hand: record that commit as the task's result"
        : / skip /.test(c)
          ? "mark the task done without running it"
          : / rollback /.test(c)
            ? "undo the plan's task commits"
            : / status /.test(c)
              ? "see what is done"
              : "run again (resumes; the failed task starts over)";
  return `next:\n${commands.map((c) => `  ${c}    # ${what(c)}`).join("\n")}\n`;
}
