/**
 * The job summary of a run: the same task table as the check run, a Mermaid Gantt chart of the
 * run's timeline and the totals. GitHub caps a step's summary at 1 MiB and renders Mermaid
 * diagrams only up to about 50,000 characters, so both are kept under those limits.
 */
import {
  formatDuration,
  renderTaskTable,
  tokensOf,
  totalsLine,
  type RunView,
} from "../github/check-run-reporter.js";

/** Characters of the Mermaid source at most (GitHub's renderer refuses larger diagrams). */
export const MAX_GANTT_CHARS = 45_000;
/** Characters of the whole summary at most (GitHub allows 1 MiB per step). */
export const MAX_SUMMARY_CHARS = 900_000;

function ganttLabel(text: string): string {
  // `:` ends a task name and `#`/`;` start comments or entities in Mermaid
  return (
    text
      .replace(/[:#;\r\n`]/g, " ")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 60) || "task"
  );
}

/**
 * A Mermaid Gantt chart of the tasks that ran, times relative to the run's start. Tasks are added in
 * the order they started until the source would pass `maxChars`.
 */
export function renderGantt(view: RunView, maxChars = MAX_GANTT_CHARS): string | undefined {
  const ran = view.rows
    .filter((r) => r.startedAt !== undefined)
    .sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
  if (ran.length === 0) return undefined;
  const head = [
    "gantt",
    `  title Run of ${ganttLabel(view.planId)}`,
    "  dateFormat x",
    "  axisFormat %H:%M:%S",
    "  section tasks",
  ];
  let size = head.join("\n").length + 20;
  const lines: string[] = [];
  for (const [index, r] of ran.entries()) {
    const start = Math.max(0, Math.round(r.startedAt ?? 0));
    const end = Math.max(start + 1, Math.round(r.endedAt ?? start + r.durationMs));
    const tag = r.status === "failed" ? "crit, " : r.status === "done" ? "done, " : "active, ";
    const line = `  ${ganttLabel(r.id)} :${tag}t${index}, ${start}, ${end}`;
    if (size + line.length + 1 > maxChars - 80) {
      lines.push(`  ${ran.length - index} more tasks :milestone, m0, ${start}, ${start}`);
      break;
    }
    size += line.length + 1;
    lines.push(line);
  }
  return ["```mermaid", ...head, ...lines, "```"].join("\n");
}

/** Text in a code fence longer than any run of backticks inside it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${text.slice(-8_000)}\n${fence}`;
}

/** The whole job summary in Markdown. */
export function renderJobSummary(
  view: RunView,
  options: { commitUrl?: string; title?: string } = {},
): string {
  const parts: string[] = [];
  parts.push(`## Planwright: ${options.title ?? view.planId} — ${view.outcome ?? "running"}`);
  if (view.message) parts.push(view.message);
  if (view.next.length > 0) parts.push(`**Next:** ${view.next.map((c) => `\`${c}\``).join(", ")}`);
  const gantt = renderGantt(view);
  const budget = MAX_SUMMARY_CHARS - (gantt?.length ?? 0) - 2_000;
  parts.push(renderTaskTable(view, options.commitUrl, budget));
  const failures = view.rows.filter((r) => r.status === "failed" && r.output);
  if (failures.length > 0) {
    parts.push("### Why it failed");
    for (const r of failures) parts.push(`**${r.id}**: ${r.message ?? "failed"}`, fenced(r.output ?? ""));
  }
  if (gantt) parts.push("### Timeline", gantt);
  const done = view.rows.filter((r) => r.status === "done").length;
  parts.push(
    "### Totals",
    `| tasks done | failed | tokens | cost | duration |\n|---|---|---|---|---|\n| ${done}/${view.rows.length} | ${view.rows.filter((r) => r.status === "failed").length} | ${tokensOf(view.usage)} | $${view.usage.costUsd.toFixed(2)} | ${formatDuration(view.durationMs)} |`,
    `_${totalsLine(view)}_`,
  );
  return `${parts.join("\n\n")}\n`;
}
