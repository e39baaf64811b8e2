/**
 * The task table in Markdown (status icon, task, duration, attempts, tokens, cost, commit link) and
 * the totals line, shared by the plan check run and the job summary, within GitHub's size limits.
 */
import type { TaskStatus, Usage } from "../engine/ports.js";
import type { RunView, TaskRow } from "./run-view.js";

const ICONS: Record<string, string> = {
  pending: "⏳",
  running: "🔄",
  done: "✅",
  failed: "❌",
  skipped: "⏭️",
  reverted: "↩️",
  waiting: "⏸️",
};

/** `12.3s`, `4m 05s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}

/** All tokens of a usage: input, output and cache reads and writes. */
export function tokensOf(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheWriteTokens + usage.cacheReadTokens;
}

/** Text for one Markdown table cell: one line, pipes escaped, no HTML. */
export function tableCell(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/\|/g, "\\|")
    .replace(/[<>]/g, (c) => (c === "<" ? "&lt;" : "&gt;"));
}

/**
 * The task table in Markdown, within `maxChars`: when too long, the oldest finished rows are
 * folded into one line so the header, the running and the failed tasks always show.
 */
export function renderTaskTable(view: RunView, commitUrl?: string, maxChars = 60_000): string {
  const header = "| | task | duration | attempts | tokens | cost | commit |\n|---|---|---|---|---|---|---|";
  const line = (r: TaskRow) => {
    const sha = r.sha
      ? commitUrl
        ? `[\`${r.sha.slice(0, 7)}\`](${commitUrl}${r.sha})`
        : `\`${r.sha.slice(0, 7)}\``
      : "";
    const cost = r.usage.costUsd > 0 ? `$${r.usage.costUsd.toFixed(2)}` : "";
    const tokens = tokensOf(r.usage) > 0 ? String(tokensOf(r.usage)) : "";
    const took = r.durationMs > 0 ? formatDuration(r.durationMs) : "";
    const attempts = r.attempts > 0 ? String(r.attempts) : "";
    return `| ${ICONS[r.status] ?? ""} | \`${tableCell(r.id)}\` ${tableCell(r.title.slice(0, 80))} | ${took} | ${attempts} | ${tokens} | ${cost} | ${sha} |`;
  };
  const lines = view.rows.map(line);
  let total = header.length + lines.reduce((n, l) => n + l.length + 1, 0);
  const folded = new Set<number>();
  // fold finished rows from the top; pending rows at the end fold last
  const order = view.rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r.status) - rank(b.r.status) || a.i - b.i);
  for (const { i } of order) {
    if (total <= maxChars - 200) break;
    folded.add(i);
    total -= (lines[i]?.length ?? 0) + 1;
  }
  const kept = lines.filter((_, i) => !folded.has(i));
  const note =
    folded.size > 0 ? `\n\n… ${folded.size} more tasks not shown (the job summary lists every task)` : "";
  return `${header}\n${kept.join("\n")}${note}`;
}

function rank(status: TaskStatus): number {
  return status === "done" || status === "reverted" || status === "skipped"
    ? 0
    : status === "pending"
      ? 1
      : 2;
}

/** `3/10 done · $0.42 · 1m 02s`. */
export function totalsLine(view: RunView): string {
  const done = view.rows.filter((r) => r.status === "done").length;
  const failed = view.rows.filter((r) => r.status === "failed").length;
  const parts = [`${done}/${view.rows.length} done`];
  if (failed > 0) parts.push(`${failed} failed`);
  parts.push(
    `${tokensOf(view.usage)} tokens`,
    `$${view.usage.costUsd.toFixed(2)}`,
    formatDuration(view.durationMs),
  );
  return parts.join(" · ");
}
