/**
 * Renders engine events for a person. On a terminal: a task tree redrawn in place (spinner while
 * running, ✓/✗ when done, elapsed times), at most ten times a second. Elsewhere (CI logs, pipes):
 * one plain line per event. Both end with a table of every task.
 */
import type { EngineEvent, Reporter } from "../engine/ports.js";
import type { TaskReport } from "../engine/executor.js";
import type { Plan } from "../plan/schema.js";

export interface ProgressOutput {
  write(text: string): void;
  /** Redraw in place (a terminal) or print plain lines. */
  tty: boolean;
  color: boolean;
}

type Row = {
  id: string;
  title: string;
  state: "pending" | "running" | "done" | "failed" | "waiting" | "skipped";
  startedAt?: number;
  endedAt?: number;
  attempt: number;
  note?: string;
  tail?: string;
};

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const REDRAW_MS = 100;

/** `850ms`, `12.3s`, `4m05s`. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** Drops terminal control sequences from text that commands printed, so it cannot move our cursor. */
function plain(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "");
}

export class ProgressReporter implements Reporter {
  private readonly rows = new Map<string, Row>();
  private drawn = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastDraw = 0;
  private finished = false;
  private readonly failures: { id: string; output: string }[] = [];

  constructor(
    private readonly out: ProgressOutput,
    plan: Plan,
    private readonly now: () => number = Date.now,
  ) {
    for (const phase of plan.phases) {
      for (const task of phase.tasks) {
        this.rows.set(task.id, { id: task.id, title: task.title, state: "pending", attempt: 0 });
      }
    }
  }

  private paint(text: string, code: number): string {
    return this.out.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  event(event: EngineEvent): void {
    const row = "taskId" in event ? this.rows.get(event.taskId) : undefined;
    switch (event.type) {
      case "run-started":
        if (!this.out.tty)
          this.out.write(`plan ${event.planId}: ${event.done}/${event.tasks} tasks already done\n`);
        break;
      case "task-started":
        if (row) Object.assign(row, { state: "running", startedAt: event.at });
        if (!this.out.tty) this.out.write(`▶ ${event.taskId}: started\n`);
        break;
      case "attempt":
        if (row) row.attempt = event.attempt;
        if (!this.out.tty && event.attempt > 1) {
          this.out.write(
            `↻ ${event.taskId}: attempt ${event.attempt}${event.reason ? ` after ${firstLine(event.reason)}` : ""}\n`,
          );
        }
        break;
      case "output":
        if (row) row.tail = plain(event.tail.split("\n").at(-1) ?? "");
        if (!this.out.tty && row?.tail) this.out.write(`  ${event.taskId} │ ${row.tail}\n`);
        break;
      case "usage":
        if (!this.out.tty)
          this.out.write(`  ${event.taskId}: model cost $${event.usage.costUsd.toFixed(4)}\n`);
        break;
      case "task-committed":
        if (row)
          Object.assign(row, {
            state: "done",
            endedAt: event.at,
            note: event.sha ? event.sha.slice(0, 7) : "no changes",
          });
        if (!this.out.tty) {
          this.out.write(
            `${this.paint("✓", 32)} ${event.taskId} ${row?.note ?? ""} (${formatElapsed(event.durationMs)})\n`,
          );
        }
        break;
      case "task-failed":
        if (row)
          Object.assign(row, {
            state: "failed",
            endedAt: event.at,
            note: `${event.failureClass}: ${firstLine(event.message)}`,
          });
        if (event.output) this.failures.push({ id: event.taskId, output: event.output });
        if (!this.out.tty) {
          this.out.write(
            `${this.paint("✗", 31)} ${event.taskId}: ${event.failureClass}: ${firstLine(event.message)}\n`,
          );
          if (event.output) this.out.write(indentTail(event.taskId, event.output));
        }
        break;
      case "paused":
        if (row)
          Object.assign(row, {
            state: "waiting",
            note: event.reason === "manual" ? "manual phase" : "after checkpoint",
          });
        if (!this.out.tty) this.out.write(`⏸ ${event.taskId}: waiting for --continue\n`);
        break;
      case "reverted":
        if (!this.out.tty) this.out.write(`↶ ${event.taskId}: reverted by ${event.sha.slice(0, 7)}\n`);
        break;
      case "run-finished":
        this.finished = true;
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
        if (this.out.tty) {
          this.redraw(true);
          // below the tree, where it stays: why each failed task failed
          for (const f of this.failures)
            this.out.write(`${this.paint("✗", 31)} ${f.id}:\n${indentTail(f.id, f.output)}`);
        }
        return;
    }
    if (this.out.tty) this.schedule();
  }

  /** Redraws now if the last redraw is old enough; keeps the spinner turning while tasks run. */
  private schedule(): void {
    if (this.finished) return;
    this.timer ??= setInterval(() => this.redraw(false), REDRAW_MS);
    this.timer.unref?.();
    if (this.now() - this.lastDraw >= REDRAW_MS) this.redraw(false);
  }

  private redraw(final: boolean): void {
    this.lastDraw = this.now();
    this.frame = (this.frame + 1) % SPINNER.length;
    const lines = [...this.rows.values()].map((row) => this.line(row));
    let text = this.drawn > 0 ? `\u001b[${this.drawn}A` : "";
    for (const line of lines) text += `\u001b[2K${line}\n`;
    this.drawn = final ? 0 : lines.length;
    this.out.write(text);
  }

  private line(row: Row): string {
    const icon =
      row.state === "done"
        ? this.paint("✓", 32)
        : row.state === "failed"
          ? this.paint("✗", 31)
          : row.state === "running"
            ? this.paint(SPINNER[this.frame] ?? "•", 36)
            : row.state === "waiting"
              ? this.paint("⏸", 33)
              : this.paint("·", 90);
    const elapsed =
      row.startedAt !== undefined ? ` ${formatElapsed((row.endedAt ?? this.now()) - row.startedAt)}` : "";
    const attempt = row.attempt > 1 ? ` (attempt ${row.attempt})` : "";
    const detail = row.state === "running" ? (row.tail ?? "") : (row.note ?? "");
    const text = `${icon} ${row.id} ${row.title}${attempt}${elapsed}${detail ? ` ${this.paint(`— ${detail}`, 90)}` : ""}`;
    return text.length > 160 ? `${text.slice(0, 159)}…` : text;
  }
}

/** A failure's output tail, each line marked with its task. */
function indentTail(taskId: string, output: string): string {
  return (
    plain(output)
      .split("\n")
      .map((l) => `  ${taskId} │ ${l}`)
      .join("\n") + "\n"
  );
}

function firstLine(text: string): string {
  return plain(text.split("\n")[0] ?? "");
}

/** The final table: one row per task with status, attempts, duration and commit. */
export function formatTaskTable(tasks: readonly TaskReport[]): string {
  const header = ["task", "status", "attempts", "time", "commit"];
  const rows = tasks.map((t) => [
    t.id,
    t.status === "failed" && t.failureClass ? `failed (${t.failureClass})` : t.status,
    String(t.attempts),
    t.attempts > 0 ? formatElapsed(t.durationMs) : "-",
    t.sha ? t.sha.slice(0, 7) : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [format(header), ...rows.map(format)].join("\n") + "\n";
}
