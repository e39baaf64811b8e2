/**
 * The one status comment per plan, edited in place: where the plan stands, its tasks, cost and
 * duration, why it failed, and always the exact commands that move it on. Pure rendering; every
 * string is redacted before it is escaped (escaping would hide tokens from the redactor) and the
 * whole body once more after, since it is bound for GitHub.
 */
import { redact, redactDeep } from "../redact.js";
import { mdCode, mdText } from "../plan/render-markdown.js";
import { requestMarker, statusMarker } from "./markers.js";

export const PLAN_STATES = [
  "planning",
  "awaiting approval",
  "executing",
  "waiting",
  "failed",
  "done",
  "rolled back",
] as const;
export type PlanState = (typeof PLAN_STATES)[number];

/** A task's execution state (the engine's `TaskStatus`). */
export type StatusTaskState = "pending" | "running" | "done" | "failed" | "skipped" | "reverted" | "waiting";

export interface StatusTask {
  id: string;
  title: string;
  status: StatusTaskState;
  durationMs?: number;
  costUsd?: number;
  /** The task's commit sha, when it made one. */
  commit?: string;
}

/** Everything the status comment can show; only `planId` and `state` are required. */
export interface PlanStatus {
  planId: string;
  state: PlanState;
  title?: string;
  /** The plan's pull request. */
  pull?: number;
  /** The approval summary, e.g. `1 of 2 approvals; @a's approval is for an older plan`. */
  approval?: string;
  tasks?: readonly StatusTask[];
  costUsd?: number;
  durationMs?: number;
  failure?: { reason: string; task?: string };
  /** Why execution paused (checkpoint, manual phase) and at which task. */
  waiting?: { reason: string; task?: string };
  /** The workflow run or log to look at. */
  runUrl?: string;
  /** The comment that asked for this work (adds the request marker, for idempotency). */
  requestCommentId?: number;
  /** Replaces the default next commands for the state. */
  next?: readonly NextCommand[];
}

/** A command to type and what it does. */
export interface NextCommand {
  command: string;
  does: string;
}

const HEADINGS: Record<PlanState, string> = {
  planning: "📝 Planning",
  "awaiting approval": "👀 Awaiting approval",
  executing: "⚙️ Executing",
  waiting: "⏸️ Waiting",
  failed: "❌ Failed",
  done: "✅ Done",
  "rolled back": "↩️ Rolled back",
};

const TASK_LABELS: Record<StatusTaskState, string> = {
  done: "✅ done",
  failed: "❌ failed",
  running: "▶️ running",
  waiting: "⏸️ waiting",
  pending: "⏳ pending",
  skipped: "⏭️ skipped",
  reverted: "↩️ reverted",
};

/** Rows shown at most; GitHub refuses comments over 65,536 characters and a 500-task table is near it. */
const MAX_ROWS = 150;
const MAX_CHARS = 60_000;

/** `42s`, `12m 5s`, `1h 2m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** `$0.42`; amounts under a cent show as `<$0.01` rather than a misleading `$0.00`. */
export function formatCost(usd: number): string {
  if (usd > 0 && usd < 0.005) return "<$0.01";
  return `$${usd.toFixed(2)}`;
}

function firstTask(status: PlanStatus, states: StatusTaskState[]): string | undefined {
  return status.tasks?.find((t) => states.includes(t.status))?.id;
}

/** The commands that move a plan on from its state; never empty. */
export function nextCommands(status: PlanStatus): NextCommand[] {
  if (status.next && status.next.length > 0) return [...status.next];
  switch (status.state) {
    case "planning":
      return [{ command: "/status", does: "show where the plan stands" }];
    case "awaiting approval":
      return [
        { command: "/revise <instruction>", does: "change the plan before approving" },
        { command: "/execute", does: "execute once the approvals are in" },
      ];
    case "executing":
      return [
        { command: "/cancel", does: "stop after the current task" },
        { command: "/status", does: "refresh this comment" },
      ];
    case "waiting": {
      const task = status.waiting?.task ?? firstTask(status, ["waiting", "pending"]);
      return [
        { command: "/continue", does: "go on with the next task" },
        ...(task ? [{ command: `/skip ${task}`, does: "skip it and go on" }] : []),
        { command: "/cancel", does: "stop here" },
      ];
    }
    case "failed": {
      const task = status.failure?.task ?? firstTask(status, ["failed"]);
      return [
        { command: task ? `/retry ${task}` : "/retry", does: "try again" },
        ...(task ? [{ command: `/skip ${task}`, does: "skip it and go on" }] : []),
        { command: "/revise <instruction>", does: "change the plan" },
        { command: "/rollback", does: "revert what was done" },
      ];
    }
    case "done": {
      const task = [...(status.tasks ?? [])].reverse().find((t) => t.status === "done")?.id;
      return [
        { command: "/rollback", does: "revert every task of the plan" },
        ...(task ? [{ command: `/rollback ${task}`, does: "revert one task" }] : []),
      ];
    }
    case "rolled back":
      return [
        { command: "/execute", does: "execute the plan again" },
        { command: "/plan <request>", does: "start a new plan" },
      ];
  }
}

function cell(value: string | undefined): string {
  return value === undefined || value === "" ? "—" : value;
}

function taskTable(tasks: readonly StatusTask[]): string[] {
  let shown = tasks;
  if (tasks.length > MAX_ROWS) {
    // Keep what needs attention, then fill with the rest in plan order.
    const urgent = new Set(tasks.filter((t) => ["failed", "running", "waiting"].includes(t.status)));
    const keep = new Set([...urgent].slice(0, MAX_ROWS));
    for (const t of tasks) if (keep.size < MAX_ROWS) keep.add(t);
    shown = tasks.filter((t) => keep.has(t));
  }
  const lines = ["| Task | Status | Duration | Cost | Commit |", "|---|---|---|---|---|"];
  for (const t of shown) {
    lines.push(
      `| ${mdCode(t.id, 63)} ${mdText(t.title, 80)} | ${TASK_LABELS[t.status]} | ${cell(
        t.durationMs !== undefined ? formatDuration(t.durationMs) : undefined,
      )} | ${cell(t.costUsd !== undefined ? formatCost(t.costUsd) : undefined)} | ${cell(
        t.commit ? mdCode(t.commit.slice(0, 7)) : undefined,
      )} |`,
    );
  }
  if (shown.length < tasks.length) {
    const hidden = tasks.filter((t) => !shown.includes(t));
    const counts = new Map<string, number>();
    for (const t of hidden) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
    const parts = [...counts].map(([s, n]) => `${n} ${s}`);
    lines.push("", `_…and ${hidden.length} more tasks (${parts.join(", ")})._`);
  }
  return lines;
}

function counts(tasks: readonly StatusTask[]): string {
  const done = tasks.filter((t) => t.status === "done").length;
  return `${done} of ${tasks.length} tasks done`;
}

/** The status comment's Markdown body, markers included. */
export function renderStatusComment(input: PlanStatus, redactor: (text: string) => string = redact): string {
  const status = redactDeep(input, redactor);
  const out: string[] = [];
  const title = status.title ? ` — ${mdText(status.title, 100)}` : "";
  out.push(`### Planwright: ${HEADINGS[status.state]}`, "");
  out.push(`Plan ${mdCode(status.planId, 63, false)}${title}${status.pull ? ` · #${status.pull}` : ""}`);

  const facts: string[] = [];
  if (status.tasks && status.tasks.length > 0) facts.push(counts(status.tasks));
  if (status.costUsd !== undefined) facts.push(`cost ${formatCost(status.costUsd)}`);
  if (status.durationMs !== undefined) facts.push(`duration ${formatDuration(status.durationMs)}`);
  if (status.runUrl && /^https:\/\/[^\s<>()]+$/.test(status.runUrl))
    facts.push(`[run log](${status.runUrl})`);
  if (facts.length > 0) out.push("", facts.join(" · "));

  if (status.approval) out.push("", `**Approval:** ${mdText(status.approval, 500)}`);
  if (status.failure) {
    const where = status.failure.task ? `task ${mdCode(status.failure.task, 63, false)}: ` : "";
    out.push("", `**Why it failed:** ${where}${mdText(status.failure.reason, 1000)}`);
  }
  if (status.waiting) {
    const where = status.waiting.task ? `after task ${mdCode(status.waiting.task, 63, false)}: ` : "";
    out.push("", `**Waiting:** ${where}${mdText(status.waiting.reason, 500)}`);
  }
  if (status.tasks && status.tasks.length > 0) out.push("", ...taskTable(status.tasks));

  out.push("", "**Next:**");
  for (const next of nextCommands(status)) {
    out.push(`- ${mdCode(next.command, 200, false)} — ${mdText(next.does, 200)}`);
  }
  out.push("", statusMarker(status.planId));
  if (status.requestCommentId !== undefined) out.push(requestMarker(status.requestCommentId));

  let body = out.join("\n");
  if (body.length > MAX_CHARS) {
    // Only the table can be this long: drop rows from its end, keep the commands and markers.
    const tail = out.slice(out.indexOf("**Next:**") - 1).join("\n");
    const head = body.slice(0, MAX_CHARS - tail.length - 80);
    body = `${head.slice(0, head.lastIndexOf("\n"))}\n\n_(table shortened)_\n${tail}`;
  }
  return redactor(body);
}
