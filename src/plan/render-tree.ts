/**
 * The terminal rendering of a plan (`planwright show`): one block per phase, a tree of its tasks,
 * metadata in braces, risk and status markers. Also the small helpers the other renderers share.
 */
import { executionWaves, graphHash } from "./graph.js";
import { parseDuration, taskKind, type Phase, type Plan, type RiskLevel, type Task } from "./schema.js";

/**
 * A task's execution state. Mirrors `TaskStatus` of the engine's ports, redeclared here because the
 * plan domain imports nothing from the layers above it.
 */
export type TaskStatus = "pending" | "running" | "done" | "failed" | "skipped" | "reverted" | "waiting";

/** The parts of `assessPlanRisk`'s result the renderers show (structurally compatible with it). */
export interface RenderRisk {
  level: RiskLevel;
  reasons: string[];
  tasks: Map<string, { level: RiskLevel; reasons: string[] }>;
}

/** What renderers may show besides the plan itself; passing it in keeps them pure. */
export interface RenderContext {
  risk?: RenderRisk;
  status?: Map<string, TaskStatus>;
  /** The plan file's path, as the reader should see it (used in next commands). */
  planPath?: string;
}

export interface TreeOptions extends RenderContext {
  /** ANSI colours; the caller decides (TTY, NO_COLOR). */
  color?: boolean;
  /** Only ASCII characters: `|-` and `` `- `` branches, `!` risk markers, `[x]` statuses. */
  ascii?: boolean;
}

// C0/C1 controls (ESC would let a title repaint the terminal), bidi overrides and zero-width marks.
const UNSAFE_CHARS =
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** One line of display text: whitespace collapsed, control and bidi characters removed, length capped. */
export function oneLine(text: string, max = 100, ellipsis = "…"): string {
  const flat = text.replace(/\s+/g, " ").replace(UNSAFE_CHARS, "").trim();
  if (flat.length <= max) return flat;
  return flat.slice(0, Math.max(0, max - ellipsis.length)).trimEnd() + ellipsis;
}

/** "1 task", "3 tasks". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `{parallel, 3 tasks, 2 waves}`: the mode and size of a phase. */
export function phaseMeta(plan: Plan, phase: Phase): string[] {
  const meta = [phase.mode, plural(phase.tasks.length, "task")];
  if (phase.mode === "parallel") {
    const waves = executionWaves({ ...plan, phases: [phase] }).length;
    meta.push(plural(waves, "wave"));
  }
  return meta;
}

/** What a task does, in a few words: `run npm test`, `edit src/a.ts +2 files`, `write docs/x.md`. */
export function taskAction(task: Task, max = 80): string {
  switch (taskKind(task)) {
    case "run":
      return `run ${oneLine(task.run ?? "", max)}`;
    case "edit": {
      const files = task.edit?.files ?? [];
      const more = files.length > 1 ? ` +${plural(files.length - 1, "file")}` : "";
      return `edit ${oneLine(files[0] ?? "", max)}${more}`;
    }
    case "write":
      return `write ${oneLine(task.write?.path ?? "", max)}`;
    case "delete":
      return `delete ${oneLine(task.delete?.path ?? "", max)}`;
    default:
      return "invalid task (needs exactly one of edit, run, write, delete)";
  }
}

/** `{needs a b, verify npm test, timeout 15m, 3 retries, checkpoint}`: what differs from a plain task. */
export function taskMeta(task: Task, max = 60): string[] {
  const meta: string[] = [];
  if (task.needs && task.needs.length > 0) meta.push(`needs ${task.needs.join(" ")}`);
  if (task.verify === false) meta.push("no verify");
  else if (task.verify !== undefined) meta.push(`verify ${oneLine(task.verify, max)}`);
  if (task.timeout !== undefined) meta.push(`timeout ${task.timeout}`);
  if (task.retries !== undefined)
    meta.push(task.retries === 0 ? "no retries" : plural(task.retries, "retry", "retries"));
  if (task.checkpoint) meta.push("checkpoint");
  if (task.allow_empty) meta.push("may be empty");
  return meta;
}

/** `$5 · 60m · 30 turns/task`, or undefined when the plan sets no budget. */
export function budgetText(plan: Plan): string | undefined {
  const b = plan.budget;
  if (!b) return undefined;
  const parts: string[] = [];
  if (b.max_usd !== undefined) parts.push(`$${b.max_usd}`);
  if (b.max_minutes !== undefined) parts.push(`${b.max_minutes}m`);
  if (b.max_turns_per_task !== undefined) parts.push(`${b.max_turns_per_task} turns/task`);
  return parts.length > 0 ? parts.join(" · ") : undefined;
}

/** Sum of task timeouts (task, else default, else 10m) in minutes: the worst case before retries. */
export function worstCaseMinutes(plan: Plan): number {
  const fallback = parseDuration(plan.defaults?.timeout ?? "10m") ?? 600_000;
  const ms = plan.phases
    .flatMap((p) => p.tasks)
    .reduce((sum, t) => sum + (parseDuration(t.timeout ?? "") ?? fallback), 0);
  return Math.round(ms / 60_000);
}

const STATUS_MARK: Record<TaskStatus, [unicode: string, ascii: string]> = {
  done: ["✓", "[x]"],
  failed: ["✗", "[!]"],
  running: ["▶", "[>]"],
  waiting: ["⏸", "[w]"],
  pending: ["○", "[ ]"],
  skipped: ["–", "[-]"],
  reverted: ["↺", "[r]"],
};

const ANSI = {
  bold: "\u001b[1m",
  dim: "\u001b[2m",
  red: "\u001b[31m",
  green: "\u001b[32m",
  yellow: "\u001b[33m",
  magenta: "\u001b[35m",
  cyan: "\u001b[36m",
  reset: "\u001b[0m",
} as const;

type Paint = (style: keyof typeof ANSI, text: string) => string;

const RISK_STYLE: Record<RiskLevel, keyof typeof ANSI> = {
  low: "green",
  medium: "yellow",
  high: "red",
  critical: "magenta",
};

const STATUS_STYLE: Record<TaskStatus, keyof typeof ANSI> = {
  done: "green",
  failed: "red",
  running: "cyan",
  waiting: "yellow",
  pending: "dim",
  skipped: "dim",
  reverted: "magenta",
};

/**
 * Renders the plan as a terminal tree:
 *
 * ```
 * deps: Dependencies {sequential, 2 tasks}
 * ├─ add-otp-lib  Install TOTP library — run npm install otplib
 * └─ totp-service  TOTP service — edit src/auth/totp.ts {needs add-otp-lib, timeout 15m, 3 retries} ⚠ high
 * ```
 */
export function renderTree(plan: Plan, options: TreeOptions = {}): string {
  const ascii = options.ascii ?? false;
  const paint: Paint = options.color ? (style, text) => `${ANSI[style]}${text}${ANSI.reset}` : (_s, t) => t;
  const ell = ascii ? "..." : "…";
  const text = (s: string, max = 100) => {
    const line = oneLine(s, max, ell);
    return ascii ? toAscii(line) : line;
  };
  const braces = (meta: string[]) =>
    meta.length > 0 ? " " + paint("dim", `{${text(meta.join(", "), 400)}}`) : "";
  const riskMark = (level: RiskLevel) =>
    level === "low" ? "" : " " + paint(RISK_STYLE[level], `${ascii ? "!" : "⚠"} ${level}`);

  const tasks = plan.phases.flatMap((p) => p.tasks);
  const head: string[] = [];
  if (plan.issue !== undefined) head.push(`issue #${plan.issue}`);
  const level = options.risk?.level ?? plan.risk;
  if (level) head.push(`${level} risk`);
  head.push(`${plural(tasks.length, "task")} in ${plural(plan.phases.length, "phase")}`);
  head.push(plural(executionWaves(plan).length, "wave"));
  const budget = budgetText(plan);
  if (budget) head.push(`budget ${budget}`);
  head.push(`graph ${graphHash(plan)}`);

  const lines = [
    `${paint("bold", plan.id)}: ${text(plan.title, 120)}`,
    paint("dim", `{${text(head.join(", "), 400)}}`),
  ];
  for (const reason of options.risk?.reasons ?? []) {
    lines.push(
      paint(RISK_STYLE[options.risk?.level ?? "medium"], `${ascii ? "!" : "⚠"} ${text(reason, 160)}`),
    );
  }
  const [branch, lastBranch] = ascii ? ["|- ", "`- "] : ["├─ ", "└─ "];
  for (const phase of plan.phases) {
    lines.push("");
    const title = phase.title ? ` ${text(phase.title, 80)}` : "";
    lines.push(`${paint("bold", phase.id)}:${title}${braces(phaseMeta(plan, phase))}`);
    phase.tasks.forEach((task, i) => {
      const status = options.status?.get(task.id);
      const mark = status ? paint(STATUS_STYLE[status], STATUS_MARK[status][ascii ? 1 : 0]) + " " : "";
      const taskRisk = options.risk?.tasks.get(task.id);
      const action = text(taskAction(task), 100);
      lines.push(
        (i === phase.tasks.length - 1 ? lastBranch : branch) +
          `${mark}${paint("cyan", task.id)}  ${text(task.title, 80)} ${ascii ? "-" : "—"} ${action}` +
          braces(taskMeta(task)) +
          (taskRisk ? riskMark(taskRisk.level) : ""),
      );
    });
  }
  return lines.join("\n") + "\n";
}

const ASCII_MAP: Record<string, string> = { "—": "-", "–": "-", "…": "...", "·": "-", "→": "->", "←": "<-" };

/** Replaces the typographic characters we produce, then anything else outside ASCII, with `?`. */
function toAscii(text: string): string {
  return text.replace(/[^\u0020-\u007e]/g, (ch) => ASCII_MAP[ch] ?? "?");
}
