/**
 * A Reporter that shows a run live on GitHub: the `planwright` check run on the current head with a
 * task table, a `planwright / <task>` check run on each task commit with its verification output,
 * and the status comment. Engine events arrive synchronously and often; GitHub calls are made
 * later, in order, and coalesced (at most one plan-check and one comment update per interval), so
 * a run costs few requests per task and a slow GitHub never slows the engine.
 *
 * The view, the table and the annotations live in their own modules, re-exported here.
 */
import type { EngineEvent, Reporter } from "../engine/ports.js";
import { addUsage } from "../engine/ports.js";
import { messageOf } from "../errors.js";
import type { Plan } from "../plan/schema.js";
import { annotationsFromOutput } from "./annotations-from-output.js";
import { MAX_OUTPUT_CHARS, truncateTail } from "./check-run-limits.js";
import type { CheckConclusion, CheckRunInput, GitHubGateway } from "./gateway.js";
import { formatDuration, renderTaskTable, tableCell, tokensOf, totalsLine } from "./render-task-table.js";
import { createRunView, type RunView, type TaskRow } from "./run-view.js";

export { annotationsFromOutput } from "./annotations-from-output.js";
export { formatDuration, renderTaskTable, tokensOf, totalsLine } from "./render-task-table.js";
export { createRunView, type RunView, type TaskRow } from "./run-view.js";

/** Name of the plan's check run; task check runs are `planwright / <task id>`. */
export const PLAN_CHECK = "planwright";

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

const CONCLUSIONS: Record<string, CheckConclusion | undefined> = {
  succeeded: "success",
  "rolled back": "success",
  failed: "failure",
  refused: "failure",
  cancelled: "cancelled",
};

/**
 * Tries to create one task check run. The engine reports a commit before its push has finished, so
 * a sync falling in between meets GitHub's "No commit found for SHA" (422): the check run is kept
 * and created at a later sync, when the push has landed.
 */
const MAX_CREATE_TRIES = 3;

/** The Reporter; call `flush()` at the end to send everything still queued. */
export class CheckRunReporter implements Reporter {
  readonly view: RunView;
  /** GitHub requests made, for the requests-per-task figure. */
  requests = 0;
  private readonly options: CheckRunReporterOptions;
  private readonly now: () => number;
  private planCheck: { id: number; head: string } | undefined;
  private taskChecks: { input: CheckRunInput; tries: number }[] = [];
  /** Failed creations of the plan check run on `head` (bounded like the task check runs'). */
  private planCheckFailures = { head: "", tries: 0 };
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
          // the failure's own tail says why; the live output may hold only its last few lines
          if (event.output) row.output = event.output;
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
    const input: CheckRunInput = {
      name: `${PLAN_CHECK} / ${row.id}`,
      headSha: sha,
      status: "completed",
      conclusion,
      title: heading,
      summary: `**${tableCell(row.title)}**\n\n${ok ? "" : `${row.message ?? ""}\n\n`}${tokensOf(row.usage)} tokens · $${row.usage.costUsd.toFixed(2)}`,
      ...(output ? { text: `${fence}text\n${truncateTail(output, MAX_OUTPUT_CHARS - 40)}\n${fence}` } : {}),
      ...(ok ? {} : { annotations: annotationsFromOutput(output) }),
      ...(this.options.detailsUrl ? { detailsUrl: this.options.detailsUrl } : {}),
    };
    this.taskChecks.push({ input, tries: 0 });
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
    const later: { input: CheckRunInput; tries: number }[] = [];
    for (let next = this.taskChecks.shift(); next; next = this.taskChecks.shift()) {
      const item = next;
      await this.call(() => gateway.createCheckRun(item.input)).catch((e: unknown) => {
        if (item.tries + 1 < MAX_CREATE_TRIES) later.push({ input: item.input, tries: item.tries + 1 });
        else this.options.onWarning?.(`GitHub: ${messageOf(e)}`);
      });
    }
    this.taskChecks.unshift(...later);
    if (later.length > 0) {
      this.lastSync = this.now(); // the next try waits an interval: the push needs that time
      this.schedule();
    }
    if (this.dirty) {
      this.dirty = false;
      const input = this.planCheckInput();
      const old = this.planCheck;
      if (!old || old.head !== this.view.head) {
        // a check run shows on the PR only while on the head commit: re-create it there (and
        // again at the next sync when the head's push has not landed yet)
        const run = await this.call(() =>
          gateway.createCheckRun({ name: PLAN_CHECK, headSha: this.view.head, ...input }),
        ).catch((error: unknown) => {
          const head = this.view.head;
          const tries = this.planCheckFailures.head === head ? this.planCheckFailures.tries + 1 : 1;
          this.planCheckFailures = { head, tries };
          if (tries < MAX_CREATE_TRIES) {
            this.dirty = true;
            this.lastSync = this.now();
            this.schedule();
          }
          throw error;
        });
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
    for (let round = 0; round === 0 || (this.taskChecks.length > 0 && round < MAX_CREATE_TRIES); round++) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await this.enqueue(() => this.sync());
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
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
