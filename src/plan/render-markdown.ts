/**
 * The plan as the pull request body: title, summary, risk, budget, a Mermaid graph, a table per
 * phase, how to approve and the next commands. Text from the plan is untrusted: it is escaped so it
 * cannot inject HTML, break tables or notify people, and the whole body stays under GitHub's limit.
 */
import { criticalPath, executionWaves, graphHash } from "./graph.js";
import { renderMermaid } from "./render-mermaid.js";
import {
  budgetText,
  oneLine,
  phaseMeta,
  plural,
  taskMeta,
  worstCaseMinutes,
  type RenderContext,
  type TaskStatus,
} from "./render-tree.js";
import { taskKind, type Plan, type Task } from "./schema.js";

export interface MarkdownOptions extends RenderContext {
  /** Hard upper bound on the output length; GitHub refuses PR bodies over 65,536 characters. */
  maxChars?: number;
}

const ZWSP = "\u200b";

/**
 * `@name` becomes `@` + zero-width space + `name`, which reads the same but notifies nobody (the
 * usual technique, also used by Renovate); `<` becomes `&lt;` so no HTML, comment or image tag survives.
 */
function neutralise(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWSP}`);
}

/** Inline text (titles, reasons): one line, HTML and Markdown syntax escaped, safe in table cells. */
export function mdText(text: string, max = 120): string {
  return neutralise(oneLine(text, max)).replace(/([\\`*_[\]|~#!])/g, "\\$1");
}

/**
 * Inline code that survives any content: the fence is one backtick longer than the longest run
 * inside. In a table cell `|` must be `\|` even inside code (GitHub's table parser runs first).
 */
export function mdCode(text: string, max = 100, inTable = true): string {
  const flat = oneLine(text, max);
  if (flat === "") return "`\u00a0`";
  // GitHub's table parser reads `\\|` as an escaped backslash and then a cell border: no code span
  // can show a backslash before a pipe inside a table, so such text is shown escaped instead.
  if (inTable && /\\\|/.test(flat)) return mdText(flat, max);
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  const code = `${fence}${pad}${flat}${pad}${fence}`;
  return inTable ? code.replace(/\|/g, "\\|") : code;
}

/** A fenced block that no line of `text` can close early. */
function fenced(text: string, lang = ""): string {
  const longest = Math.max(2, ...(text.match(/`{3,}/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text.replace(/\n$/, "")}\n${fence}`;
}

/**
 * Escapes one line outside fences, leaving code spans literal only where GitHub is certain to read
 * them as code: a backtick run closed by an equal run on the same line, with no backslash before it.
 * After anything doubtful (an unclosed run may close on a later line) the rest of the paragraph is
 * escaped too: at worst code shows `&lt;`, never does text become HTML. Returns the line and
 * whether the paragraph is now doubtful.
 */
function escapeLine(line: string, doubtful: boolean): [string, boolean] {
  if (doubtful) return [neutralise(line), true];
  let out = "";
  let i = 0;
  for (;;) {
    const open = /`+/g;
    open.lastIndex = i;
    const m = open.exec(line);
    if (!m) return [out + neutralise(line.slice(i)), false];
    const start = m.index;
    const run = m[0];
    const close = new RegExp(`(?<!\`)${run}(?!\`)`, "g");
    close.lastIndex = start + run.length;
    const c = line[start - 1] === "\\" ? null : close.exec(line);
    if (!c) return [out + neutralise(line.slice(i)), true];
    out += neutralise(line.slice(i, start)) + line.slice(start, c.index + run.length);
    i = c.index + run.length;
  }
}

/**
 * Markdown written by the planner (the summary): formatting is kept, but outside code HTML is
 * escaped and mentions are neutralised. Fenced blocks are re-emitted with our own fence at column 0,
 * one backtick longer than any run inside, so what we leave literal is exactly what GitHub shows as code.
 */
export function mdBlock(text: string, max: number): string {
  let body = text.replace(/\r\n?/g, "\n").replace(/[\u202a-\u202e\u2066-\u2069]/g, "");
  const cut = body.length > max ? body.length - max : 0;
  if (cut > 0) body = body.slice(0, max);
  const out: string[] = [];
  let fence: { close: RegExp; lang: string; lines: string[] } | undefined;
  let doubtful = false;
  const flush = () => {
    if (fence) out.push(fenced(fence.lines.join("\n"), fence.lang));
    fence = undefined;
  };
  for (const line of body.split("\n")) {
    if (fence) {
      if (fence.close.test(line)) flush();
      else fence.lines.push(line);
      continue;
    }
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (open?.[1] && !(open[1].startsWith("`") && open[2]?.includes("`"))) {
      const lang = /^[A-Za-z0-9_+.-]{1,30}$/.exec(open[2]?.trim().split(/\s/)[0] ?? "")?.[0] ?? "";
      fence = { close: new RegExp(`^ {0,3}${open[1][0]}{${open[1].length},}\\s*$`), lang, lines: [] };
      doubtful = false;
      continue;
    }
    if (line.trim() === "") doubtful = false;
    const [escaped, now] = escapeLine(line, doubtful);
    out.push(escaped);
    doubtful = now;
  }
  flush();
  if (cut > 0) out.push("", `_(summary shortened: ${cut} more characters in the plan file)_`);
  return out.join("\n").trim();
}

const STATUS_LABEL: Record<TaskStatus, string> = {
  done: "✅ done",
  failed: "❌ failed",
  running: "▶️ running",
  waiting: "⏸️ waiting",
  pending: "⏳ pending",
  skipped: "⏭️ skipped",
  reverted: "↩️ reverted",
};

/** Instructions this short stay in the table; longer ones fold into `<details>`. */
const SHORT_INSTRUCTIONS = 120;

const isShort = (text: string) => !text.trim().includes("\n") && text.trim().length <= SHORT_INSTRUCTIONS;

/** HTML-escaped text for use inside raw HTML such as `<summary>`, where Markdown is not parsed. */
const html = (text: string) => neutralise(oneLine(text, 100)).replace(/"/g, "&quot;");

function actionCell(task: Task): string {
  switch (taskKind(task)) {
    case "run":
      return `run ${mdCode(task.run ?? "")}`;
    case "edit": {
      const files = task.edit?.files ?? [];
      const shown = files.slice(0, 3).map((f) => mdCode(f, 80));
      const more = files.length > 3 ? ` +${files.length - 3} more` : "";
      const instructions = task.edit?.instructions ?? "";
      const brief = isShort(instructions) ? `<br>${mdText(instructions, SHORT_INSTRUCTIONS)}` : "";
      return `edit ${shown.join(", ")}${more}${brief}`;
    }
    case "write":
      return `write ${mdCode(task.write?.path ?? "", 80)}`;
    case "delete":
      return `delete ${mdCode(task.delete?.path ?? "", 80)}`;
    default:
      return "invalid task";
  }
}

/** A `<details>` block with a task's instructions or file content, when it has any worth folding. */
function detailsBlock(task: Task, maxContent: number): string | undefined {
  const kind = taskKind(task);
  const raw = kind === "edit" ? task.edit?.instructions : kind === "write" ? task.write?.content : undefined;
  if (raw === undefined || raw.trim() === "" || (kind === "edit" && isShort(raw))) return undefined;
  const what = kind === "edit" ? "instructions" : `content of <code>${html(task.write?.path ?? "")}</code>`;
  const cut = raw.length > maxContent ? raw.length - maxContent : 0;
  const shown = cut > 0 ? raw.slice(0, maxContent) : raw;
  const note = cut > 0 ? `\n\n_(${cut} more characters in the plan file)_` : "";
  const lang = kind === "write" ? "" : "text";
  const summary = `<summary><code>${html(task.id)}</code>: ${what}</summary>`;
  return `<details>${summary}\n\n${fenced(shown, lang)}${note}\n\n</details>`;
}

function taskRow(task: Task, n: number, options: MarkdownOptions): string {
  const cells = [String(n), `${mdCode(task.id, 63)}<br>${mdText(task.title, 100)}`, actionCell(task)];
  const meta = taskMeta(task).map((m) =>
    m.startsWith("verify ") ? `verify ${mdCode(m.slice(7), 60)}` : mdText(m),
  );
  cells.push(meta.join(", ") || "—");
  if (options.risk) {
    const r = options.risk.tasks.get(task.id);
    cells.push(r ? `${r.level}${r.reasons[0] ? `: ${mdText(r.reasons[0], 80)}` : ""}` : "—");
  }
  if (options.status) {
    const s = options.status.get(task.id);
    cells.push(s ? STATUS_LABEL[s] : "—");
  }
  return `| ${cells.join(" | ")} |`;
}

function tableHead(options: MarkdownOptions): string {
  const cols = ["#", "Task", "Action", "Settings"];
  if (options.risk) cols.push("Risk");
  if (options.status) cols.push("Status");
  return `| ${cols.join(" | ")} |\n|${cols.map(() => "---").join("|")}|`;
}

function headSection(plan: Plan, options: MarkdownOptions, max: number): string {
  const tasks = plan.phases.flatMap((p) => p.tasks).length;
  const facts = [mdCode(plan.id, 63, false)];
  if (plan.issue !== undefined) facts.push(`issue #${plan.issue}`);
  facts.push(`${plural(tasks, "task")} in ${plural(plan.phases.length, "phase")}`);
  facts.push(plural(executionWaves(plan).length, "wave"));
  facts.push(`critical path ${plural(criticalPath(plan).length, "task")}`);
  facts.push(`graph ${mdCode(graphHash(plan), 16, false)}`);
  const parts = [`## Plan: ${mdText(plan.title, 200)}`, facts.join(" · ")];
  if (plan.summary?.trim()) parts.push(mdBlock(plan.summary, Math.min(10_000, Math.floor(max / 6))));

  const level = options.risk?.level ?? plan.risk;
  if (level) {
    const risk = [`### Risk: **${level}**${options.risk ? "" : " (as declared in the plan)"}`];
    const reasons = options.risk?.reasons ?? [];
    for (const r of reasons.slice(0, 10)) risk.push(`- ${mdText(r, 200)}`);
    if (reasons.length > 10) risk.push(`- … and ${reasons.length - 10} more reasons`);
    parts.push(risk.join("\n"));
  }
  const budget = budgetText(plan);
  parts.push(
    `### Budget\n` +
      (budget ? `Limits: ${budget}.` : "No limits in the plan; the repository's configuration applies.") +
      ` Task timeouts add up to ${worstCaseMinutes(plan)} minutes (before retries).`,
  );
  return parts.join("\n\n");
}

function tailSection(options: MarkdownOptions): string {
  const lines = [
    "### How to approve",
    "Approve this PR (review → Approve) to run the plan; request changes to have it revised.",
    "",
    "### Next commands",
    "Comment on this pull request:",
    "",
    "- `/execute` — run the approved plan now",
    "- `/revise <instruction>` — revise the plan, e.g. `/revise split the migration into two steps`",
    "- `/status` — show the progress of each task",
    "- `/help` — list every command",
  ];
  if (options.planPath)
    lines.push("", `Locally: ${mdCode(`planwright show ${options.planPath}`, 200, false)}`);
  return lines.join("\n");
}

/**
 * Renders the PR body. The result is always shorter than `maxChars` (default 60,000): the summary
 * and long contents are shortened, the graph falls back to phases only or is left out, and tables end
 * with "… and N more tasks not shown" once the space is used.
 */
export function renderMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const max = options.maxChars ?? 60_000;
  const head = headSection(plan, options, max);
  const tail = tailSection(options);
  let room = max - head.length - tail.length - 200;
  const middle: string[] = [];
  const push = (text: string) => {
    middle.push(text);
    room -= text.length + 2;
  };

  const graphRoom = room * 0.3;
  const full = renderMermaid(plan);
  const graph = full.length <= graphRoom ? full : renderMermaid(plan, { phasesOnly: true });
  if (graph.length <= graphRoom) {
    push(
      `### Graph\n${fenced(graph, "mermaid")}${graph === full ? "" : "\n_Tasks left out of the graph: too many to draw._"}`,
    );
  } else {
    push(`### Graph\n_Too large to draw (${plural(plan.phases.length, "phase")})._`);
  }

  const tasksTotal = plan.phases.reduce((n, p) => n + p.tasks.length, 0);
  const detailsMax = Math.max(200, Math.min(2_000, Math.floor(max / 40)));
  const endNote = 120;
  let shownTasks = 0;
  let before = 0;
  for (const [i, phase] of plan.phases.entries()) {
    const title = phase.title ? ` — ${mdText(phase.title, 100)}` : "";
    const gate = phase.mode === "manual" ? " — each task waits for a confirmation before it runs" : "";
    const meta = phaseMeta(plan, phase).join(", ") + gate;
    const header = `### ${i + 1}. ${mdCode(phase.id, 63, false)}${title}\n_${meta}_\n\n${tableHead(options)}`;
    // Keep room for this phase's "more tasks" note and for the "more phases" note after it.
    if (header.length + 2 * endNote > room) {
      const phasesLeft = plan.phases.length - i;
      push(
        `_… and ${plural(phasesLeft, "more phase")} (${plural(tasksTotal - shownTasks, "task")}) not shown._`,
      );
      break;
    }
    room -= header.length + endNote + 2;
    const rows: string[] = [];
    const details: string[] = [];
    for (const [j, task] of phase.tasks.entries()) {
      const row = taskRow(task, before + j + 1, options);
      const det = detailsBlock(task, detailsMax);
      const cost = row.length + 1 + (det ? det.length + 2 : 0);
      if (cost + endNote > room) break;
      room -= cost;
      rows.push(row);
      if (det) details.push(det);
    }
    before += phase.tasks.length;
    shownTasks += rows.length;
    const omitted = phase.tasks.length - rows.length;
    let block = [header, ...rows].join("\n");
    if (omitted > 0) block += `\n\n_… and ${plural(omitted, "more task")} not shown (see the plan file)._`;
    if (details.length > 0) block += "\n\n" + details.join("\n\n");
    middle.push(block);
  }

  let text = [head, ...middle, tail].join("\n\n") + "\n";
  // A safety net for tiny limits only; with the default the budget above keeps us well inside.
  if (text.length >= max) text = text.slice(0, Math.max(0, max - 40)) + "\n\n… (truncated)\n";
  return text.length < max ? text : text.slice(0, max - 1);
}
