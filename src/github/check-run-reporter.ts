/**
 * A Reporter that shows a run live on GitHub: the `planwright` check run on the current head with a
 * task table, a `planwright / <task>` check run on each task commit with its verification output,
 * and the status comment. Engine events arrive synchronously and often; GitHub calls are made
 * later, in order, and coalesced (at most one plan-check and one comment update per interval), so
 * a run costs few requests per task and a slow GitHub never slows the engine.
 */
import type { EngineEvent, Reporter, RunOutcome, TaskStatus, Usage } from "../engine/ports.js";
import { ZERO_USAGE, addUsage } from "../engine/ports.js";
import { messageOf } from "../errors.js";
import type { Plan } from "../plan/schema.js";
import { MAX_OUTPUT_CHARS, truncateTail } from "./check-run-limits.js";
import type { CheckAnnotation, CheckConclusion, CheckRunInput, GitHubGateway } from "./gateway.js";

/** Name of the plan's check run; task check runs are `planwright / <task id>`. */
export const PLAN_CHECK = "planwright";

/** One task as the table shows it. */
export interface TaskRow {
  id: string;
  title: string;
  status: TaskStatus;
  attempts: number;
  durationMs: number;
  usage: Usage;
  sha?: string;
  /** Milliseconds since the run started, for the timeline. */
  startedAt?: number;
  endedAt?: number;
  failureClass?: string;
  message?: string;
  output?: string;
}

/** Everything the table, the comment and the job summary are rendered from. */
export interface RunView {
  planId: string;
  rows: TaskRow[];
  head: string;
  startedAt: number;
  outcome?: RunOutcome | "running" | "refused" | "rolled back" | "pending";
  message?: string;
  usage: Usage;
  durationMs: number;
  /** Next commands for a person, e.g. `/retry totp-service`. */
  next: string[];
}

/** Where and how a run is shown on GitHub. */
export interface CheckRunReporterOptions {
  plan: Plan;
  gateway: GitHubGateway;
  /** The branch head the run starts from (the plan check run goes there first). */
  head: string;
  /** Tasks already done on the branch, by id, with their commit. */
  done?: ReadonlyMap<string, string | undefined>;
  /** Link for the check runs' "Details" (the workflow run). */
  detailsUrl?: string;
  /** Link to a commit for the table, e.g. `https://github.com/o/r/commit/`; plain sha when absent. */
  commitUrl?: string;
  /** Called with the plan check run's id each time one is created (the cancel step needs it). */
  onCheckRun?: (id: number) => void;
  /** Hands the view to the status comment (the flow knows where, and coalesces its own writes). */
  writeComment?: (view: RunView) => Promise<void>;
  /** Least milliseconds between two updates of the plan check run and the comment (3000 by default). */
  intervalMs?: number;
  now?: () => number;
  /** GitHub failures never stop the run; they are reported here. */
  onWarning?: (message: string) => void;
}

const ICONS: Record<string, string> = {
  pending: "⏳",
  running: "🔄",
  done: "✅",
  failed: "❌",
  skipped: "⏭️",
  reverted: "↩️",
  waiting: "⏸️",
};

const CONCLUSIONS: Record<string, CheckConclusion | undefined> = {
  succeeded: "success",
  "rolled back": "success",
  failed: "failure",
  refused: "failure",
  cancelled: "cancelled",
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

function cell(text: string): string {
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
    return `| ${ICONS[r.status] ?? ""} | \`${cell(r.id)}\` ${cell(r.title.slice(0, 80))} | ${took} | ${attempts} | ${tokens} | ${cost} | ${sha} |`;
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

/** Files named in a verification log (`src/a.ts:12:5`, `src/a.ts(12,5)`), as failure annotations. */
export function annotationsFromOutput(output: string, max = 50): CheckAnnotation[] {
  const found = new Map<string, CheckAnnotation>();
  const pattern =
    /(?:^|[\s'"(])((?:[\w@.-]+\/)*[\w@.-]+\.[A-Za-z0-9]{1,8})(?::(\d+)(?::\d+)?|\((\d+),\d+\))/gm;
  for (const m of output.matchAll(pattern)) {
    const path = (m[1] ?? "").replace(/^\.\//, "");
    const lineNo = Number(m[2] ?? m[3]);
    if (!path || path.startsWith("node_modules/") || path.includes("..") || !(lineNo > 0)) continue;
    const key = `${path}:${lineNo}`;
    if (found.has(key)) continue;
    const text = output.slice(m.index ?? 0).split("\n")[0] ?? "";
    found.set(key, {
      path,
      startLine: lineNo,
      endLine: lineNo,
      level: "failure",
      message: text.trim().slice(0, 500),
    });
    if (found.size >= max) break;
  }
  return [...found.values()];
}

/** The view of a plan before a run: done tasks with their commits, the others pending. */
export function createRunView(
  plan: Plan,
  head: string,
  done: ReadonlyMap<string, string | undefined> = new Map(),
  now = Date.now(),
): RunView {
  const rows = plan.phases.flatMap((phase) =>
    phase.tasks.map((task): TaskRow => {
      const sha = done.get(task.id);
      return {
        id: task.id,
        title: task.title,
        status: done.has(task.id) ? "done" : "pending",
        attempts: 0,
        durationMs: 0,
        usage: ZERO_USAGE,
        ...(sha ? { sha } : {}),
      };
    }),
  );
  return {
    planId: plan.id,
    rows,
    head,
    startedAt: now,
    outcome: "running",
    usage: ZERO_USAGE,
    durationMs: 0,
    next: [],
  };
}

/** The Reporter; call `flush()` at the end to send everything still queued. */
export class CheckRunReporter implements Reporter {
  readonly view: RunView;
  /** GitHub requests made, for the requests-per-task figure. */
  requests = 0;
  private readonly options: CheckRunReporterOptions;
  private readonly now: () => number;
  private planCheck: { id: number; head: string } | undefined;
  private taskChecks: CheckRunInput[] = [];
  private dirty = true;
  private commentDirty = true;
  private lastSync = -Infinity;
  private started = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(options: CheckRunReporterOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.view = createRunView(options.plan, options.head, options.done, this.now());
  }

  private row(id: string): TaskRow | undefined {
    return this.view.rows.find((r) => r.id === id);
  }

  event(event: EngineEvent): void {
    const at = event.at - this.view.startedAt;
    const row = "taskId" in event ? this.row(event.taskId) : undefined;
    switch (event.type) {
      case "run-started":
        // a run that goes on past a failure starts again: the timeline keeps the first start
        if (!this.started) this.view.startedAt = event.at;
        this.started = true;
        break;
      case "task-started":
        if (row) Object.assign(row, { status: "running", startedAt: at });
        break;
      case "attempt":
        if (row) row.attempts = Math.max(row.attempts, event.attempt);
        break;
      case "output":
        if (row) row.output = event.tail;
        return; // output alone is not worth an update
      case "usage":
        if (row) row.usage = addUsage(row.usage, event.usage);
        this.view.usage = addUsage(this.view.usage, event.usage);
        return;
      case "task-committed":
        if (row) {
          Object.assign(row, {
            status: "done",
            durationMs: event.durationMs,
            attempts: event.attempts,
            endedAt: at,
          });
          if (event.sha) row.sha = event.sha;
          row.startedAt ??= at - event.durationMs;
          if (event.sha) this.queueTaskCheck(row, event.sha, "success");
        }
        if (event.sha) this.view.head = event.sha;
        break;
      case "task-failed":
        if (row) {
          Object.assign(row, {
            status: "failed",
            attempts: event.attempts,
            endedAt: at,
            failureClass: event.failureClass,
            message: event.message,
          });
          row.durationMs = at - (row.startedAt ?? at);
          this.queueTaskCheck(row, this.view.head, "failure");
        }
        break;
      case "paused":
        if (row) row.status = "waiting";
        break;
      case "reverted":
        if (row) row.status = "reverted";
        this.view.head = event.sha;
        break;
      case "run-finished":
        Object.assign(this.view, {
          outcome: event.outcome,
          message: event.message,
          usage: event.usage,
          durationMs: event.durationMs,
        });
        break;
    }
    // a start alone waits for the next commit or failure: that keeps requests per task low
    if (event.type === "task-started") return;
    this.dirty = true;
    this.commentDirty = true;
    this.schedule();
  }

  private queueTaskCheck(row: TaskRow, sha: string, conclusion: CheckConclusion): void {
    const ok = conclusion === "success";
    const output = row.output ?? "";
    const heading = ok
      ? `Done in ${formatDuration(row.durationMs)}, ${row.attempts} attempt${row.attempts === 1 ? "" : "s"}`
      : `Failed (${row.failureClass ?? "internal"}) after ${row.attempts} attempt${row.attempts === 1 ? "" : "s"}`;
    const fence = "````";
    this.taskChecks.push({
      name: `${PLAN_CHECK} / ${row.id}`,
      headSha: sha,
      status: "completed",
      conclusion,
      title: heading,
      summary: `**${cell(row.title)}**\n\n${ok ? "" : `${row.message ?? ""}\n\n`}${tokensOf(row.usage)} tokens · $${row.usage.costUsd.toFixed(2)}`,
      ...(output ? { text: `${fence}text\n${truncateTail(output, MAX_OUTPUT_CHARS - 40)}\n${fence}` } : {}),
      ...(ok ? {} : { annotations: annotationsFromOutput(output) }),
      ...(this.options.detailsUrl ? { detailsUrl: this.options.detailsUrl } : {}),
    });
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastSync + (this.options.intervalMs ?? 3000) - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueue(() => this.sync());
    }, wait);
    this.timer.unref?.();
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.chain = this.chain
      .then(work)
      .catch((error: unknown) => this.options.onWarning?.(`GitHub: ${messageOf(error)}`));
    return this.chain;
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    this.requests++;
    return work();
  }

  /** The plan check run's content for the current view. */
  planCheckInput(): Omit<CheckRunInput, "name" | "headSha"> {
    const v = this.view;
    const live = v.outcome === "running";
    const conclusion =
      v.outcome === "waiting"
        ? this.options.detailsUrl
          ? "action_required"
          : "neutral"
        : CONCLUSIONS[v.outcome ?? "running"];
    const title = live ? `Running: ${totalsLine(v)}` : `${v.outcome}: ${totalsLine(v)}`;
    const next = v.next.length > 0 ? `\n\n**Next:** ${v.next.map((c) => `\`${c}\``).join(", ")}` : "";
    const message = v.message ? `${v.message}${next}\n\n` : next ? `${next.trim()}\n\n` : "";
    return {
      status: live ? "in_progress" : "completed",
      ...(conclusion ? { conclusion } : {}),
      title: title.slice(0, 200),
      summary: `${message}${renderTaskTable(v, this.options.commitUrl, MAX_OUTPUT_CHARS - message.length - 100)}`,
      ...(v.outcome === "waiting"
        ? { actions: [{ label: "Continue", identifier: "continue", description: "Run the task that waits" }] }
        : {}),
      ...(this.options.detailsUrl ? { detailsUrl: this.options.detailsUrl } : {}),
    };
  }

  private async sync(): Promise<void> {
    const { gateway } = this.options;
    for (let next = this.taskChecks.shift(); next; next = this.taskChecks.shift()) {
      const input = next;
      await this.call(() => gateway.createCheckRun(input)).catch((e: unknown) =>
        this.options.onWarning?.(`GitHub: ${messageOf(e)}`),
      );
    }
    if (this.dirty) {
      this.dirty = false;
      const input = this.planCheckInput();
      const old = this.planCheck;
      if (!old || old.head !== this.view.head) {
        // a check run shows on the PR only while on the head commit: re-create it there
        const run = await this.call(() =>
          gateway.createCheckRun({ name: PLAN_CHECK, headSha: this.view.head, ...input }),
        );
        this.planCheck = { id: run.id, head: this.view.head };
        this.options.onCheckRun?.(run.id);
        if (old) {
          const summary = `Moved to ${this.view.head.slice(0, 7)}, the branch's new head.`;
          await this.call(() =>
            gateway.updateCheckRun(old.id, {
              status: "completed",
              conclusion: "neutral",
              title: "Superseded",
              summary,
            }),
          );
        }
      } else {
        const { id } = old;
        await this.call(() => gateway.updateCheckRun(id, input));
      }
    }
    if (this.commentDirty && this.options.writeComment) {
      this.commentDirty = false;
      await this.options.writeComment(this.view);
    }
    this.lastSync = this.now();
  }

  /** Sends everything queued and the current state now; safe to call more than once. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.enqueue(() => this.sync());
  }

  /** The plan check run's id once created (for the cancel step). */
  get planCheckId(): number | undefined {
    return this.planCheck?.id;
  }

  /** Marks the run refused (before any task ran) and sets the next commands. */
  setOutcome(outcome: RunView["outcome"], message: string, next: string[] = []): void {
    Object.assign(this.view, { outcome, message, next });
    this.dirty = true;
    this.commentDirty = true;
  }
}
