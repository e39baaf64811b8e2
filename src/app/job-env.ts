/**
 * What a job needs from the running App, and how a job ends when its flow reported a failure.
 */
import type { Logger, ProbotOctokit } from "probot";
import type { Config } from "../config.js";
import { TransientError } from "../errors.js";
import type { ModelClient } from "../llm/client.js";
import type { AppJob } from "./jobs.js";
import type { AppMetrics } from "./metrics.js";
import type { CallRetryOptions } from "./retrying-gateway.js";

/** What jobs need from the running App. */
export interface JobEnv {
  /** An Octokit authenticated as the installation. */
  octokitFor(installationId: number): Promise<ProbotOctokit>;
  /** Our own logins (`<slug>[bot]`), whose comments carry trusted markers. */
  ourLogins(): Promise<string[]>;
  /** The model client for a repository's configuration (throws UsageError without an API key). */
  modelFor(config: Config): ModelClient;
  metrics: AppMetrics;
  logger: Logger;
  /**
   * Heads (`o/r#12@<sha>`) whose plan this process has already sent to execution: a later
   * evaluation of the same head (the second of two approvals arriving together) must not send it
   * again. Bounded by the caller.
   */
  dispatched: Set<string>;
  /** Backoff of single GitHub calls that fail transiently. */
  callRetry?: CallRetryOptions;
  /** Queues a follow-up job (under its own key) on behalf of the job with id `from`. */
  handOff(job: AppJob, key: string, from: string): void;
}

/**
 * A flow reported its failure on GitHub. A transient one is thrown so the work queue runs the job
 * again after a backoff (the flows are idempotent); any other is final and counted.
 */
export function failed(outcome: { failureClass: string; message: string }, env: JobEnv): void {
  if (outcome.failureClass === "transient") throw new TransientError(outcome.message);
  env.metrics.plan("failed");
}
