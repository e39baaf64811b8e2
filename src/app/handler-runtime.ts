/**
 * What webhook handlers share: the queue they hand work to and the metrics they time themselves
 * with. Handlers do no network work beyond the 👀 reaction; everything slow is a queued job.
 */
import type { Logger } from "probot";
import type { AppJob } from "./jobs.js";
import type { AppMetrics } from "./metrics.js";
import type { WorkQueue } from "./work-queue.js";

export interface HandlerRuntime {
  queue: WorkQueue<AppJob>;
  metrics: AppMetrics;
  logger: Logger;
  /**
   * Runs a courtesy (the 👀 reaction) without holding up the webhook's answer: with throttling on,
   * a write may wait behind the queue's writes for seconds.
   */
  detach(work: Promise<unknown>): void;
}
