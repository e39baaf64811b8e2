/**
 * Posting the status comment without tripping GitHub's content-creation limits (about 80 writes a
 * minute and 500 an hour per installation): updates are coalesced to at most one write per
 * interval, the latest state wins, and a flush at the end writes whatever is still pending. A
 * 100-task plan then costs a few dozen edits of one comment, not hundreds.
 */
import { systemClock } from "../engine/clock.js";
import type { Clock } from "../engine/ports.js";
import type { GitHubGateway } from "../github/gateway.js";
import { statusMarker } from "./markers.js";
import { renderStatusComment, type PlanStatus } from "./status-comment.js";

/** Default spacing of writes to one status comment. */
export const DEFAULT_STATUS_INTERVAL_MS = 15_000;

export interface StatusReporterOptions {
  /** At most one write per this many milliseconds (default 15 s). */
  intervalMs?: number;
  clock?: Clock;
  /** Applied to every string of the comment (default: the standard redactor). */
  redactor?: (text: string) => string;
}

/** The status comment of one plan on one issue or pull request. */
export interface StatusReporter {
  /**
   * Records the latest state; writes now when the last write is at least an interval old, otherwise
   * once the interval has passed. Never throws: a failed write is kept for {@link flush} to report.
   */
  post(status: PlanStatus): Promise<void>;
  /** Writes any pending state now and waits for it; throws the last write error, if any. */
  flush(): Promise<void>;
  /** Writes made so far (for tests and metrics). */
  readonly writes: number;
}

/** A coalescing reporter for the status comment of `planId` on `issue`. */
export function createStatusReporter(
  gateway: GitHubGateway,
  issue: number,
  planId: string,
  options: StatusReporterOptions = {},
): StatusReporter {
  const intervalMs = options.intervalMs ?? DEFAULT_STATUS_INTERVAL_MS;
  const clock = options.clock ?? systemClock;
  const marker = statusMarker(planId);
  let pending: PlanStatus | undefined;
  let lastWriteAt: number | undefined;
  let timer: AbortController | undefined;
  let chain: Promise<void> = Promise.resolve();
  let error: unknown;
  let writes = 0;

  const writePending = async (): Promise<void> => {
    const status = pending;
    if (!status) return;
    pending = undefined;
    lastWriteAt = clock.now();
    try {
      const body = renderStatusComment(status, options.redactor);
      await gateway.upsertComment(issue, marker, body);
      writes++;
    } catch (e) {
      error = e;
    }
  };

  // Writes run one after another, so an older state can never land after a newer one; while a
  // write waits its turn, newer states just replace what it will send.
  let queued = false;
  const enqueue = (): Promise<void> => {
    if (queued) return chain;
    queued = true;
    chain = chain.then(async () => {
      queued = false;
      await writePending();
    });
    return chain;
  };

  return {
    get writes() {
      return writes;
    },
    post(status) {
      pending = { ...status, planId };
      if (timer) return Promise.resolve();
      const wait = lastWriteAt === undefined ? 0 : lastWriteAt + intervalMs - clock.now();
      if (wait <= 0) return enqueue();
      const controller = new AbortController();
      timer = controller;
      clock.sleep(wait, controller.signal).then(
        () => {
          if (timer !== controller) return;
          timer = undefined;
          void enqueue();
        },
        () => undefined,
      );
      return Promise.resolve();
    },
    async flush() {
      if (timer) {
        timer.abort();
        timer = undefined;
      }
      await enqueue();
      if (error !== undefined) {
        const e = error;
        error = undefined;
        throw e;
      }
    },
  };
}

const registry = new WeakMap<GitHubGateway, Map<string, StatusReporter>>();

/**
 * Posts the status of `planId` to its one comment on `issue` through a reporter kept per gateway,
 * so repeated calls during a run coalesce; call {@link flushStatus} when the run ends. Options apply
 * when the first call for this issue and plan creates the reporter.
 */
export function postStatus(
  gateway: GitHubGateway,
  issue: number,
  planId: string,
  status: Omit<PlanStatus, "planId"> & { planId?: string },
  options?: StatusReporterOptions,
): Promise<void> {
  let reporters = registry.get(gateway);
  if (!reporters) {
    reporters = new Map();
    registry.set(gateway, reporters);
  }
  const key = `${issue}:${planId}`;
  let reporter = reporters.get(key);
  if (!reporter) {
    reporter = createStatusReporter(gateway, issue, planId, options);
    reporters.set(key, reporter);
  }
  return reporter.post({ ...status, planId });
}

/** Flushes every status comment posted through `gateway` with {@link postStatus}. */
export async function flushStatus(gateway: GitHubGateway): Promise<void> {
  const reporters = registry.get(gateway);
  if (!reporters) return;
  registry.delete(gateway);
  const results = await Promise.allSettled([...reporters.values()].map((r) => r.flush()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
