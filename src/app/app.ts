/**
 * The Planwright GitHub App (Probot): webhook events become queued jobs, jobs become flows. The
 * handlers answer GitHub within milliseconds (a 👀 reaction at most); the work queue runs the
 * slow part afterwards, one job at a time per issue or PR, and a journal on disk (when a state
 * folder is given) brings back the jobs a crashed process did not finish.
 */
import type { ApplicationFunctionOptions, Probot, ProbotOctokit } from "probot";
import type { Config } from "../config.js";
import { TransientError, failureClassOf } from "../errors.js";
import { appSlug } from "../github/app-slug.js";
import { createModelClient, type ModelClient, type ModelClientOptions } from "../llm/client.js";
import type { HandlerRuntime } from "./handler-runtime.js";
import type { AppJob } from "./jobs.js";
import { createMetrics, metricsHandler, type AppMetrics } from "./metrics.js";
import { onCheckRunAction } from "./on-check-run-action.js";
import { onIssueComment } from "./on-issue-comment.js";
import { onPullSynchronize } from "./on-pull-synchronize.js";
import { onReview } from "./on-review.js";
import type { CallRetryOptions } from "./retrying-gateway.js";
import { runJob, type JobEnv } from "./run-job.js";
import { createFileJournal, createWorkQueue, type RetryOptions, type WorkQueue } from "./work-queue.js";

export interface AppOptions {
  metrics?: AppMetrics;
  /**
   * How `/metrics` is served on the Probot server: `false` not at all (the server serves them on a
   * port of their own), `{ token }` only to requests bearing that token. Served openly by default.
   */
  serveMetrics?: false | { token?: string };
  /** Folder of the job journal; without it, accepted jobs live in memory only. */
  stateDir?: string;
  /** Settings of the model client (API key, base URL, retries); the model comes from the config. */
  model?: Partial<Omit<ModelClientOptions, "model" | "onUsage">>;
  /** The App's slug (its bot is `<slug>[bot]`); asked from GitHub once when not given. */
  appSlug?: string;
  /** Backoff of jobs that failed transiently (attempts, delays); tests shorten it. */
  retry?: Omit<RetryOptions, "shouldRetry">;
  /** Backoff of single GitHub calls that failed transiently; tests shorten it. */
  callRetry?: Omit<CallRetryOptions, "onRetry">;
}

/** The application function with the handles tests and the server need. */
export interface PlanwrightApp {
  (probot: Probot, options?: ApplicationFunctionOptions): void;
  readonly metrics: AppMetrics;
  /** Resolves once every queued job has finished. */
  idle(): Promise<void>;
}

/** A Set that forgets its oldest entries beyond `max`. */
function boundedSet(max: number): Set<string> {
  const set = new Set<string>();
  const add = set.add.bind(set);
  set.add = (value: string) => {
    add(value);
    if (set.size > max) set.delete(set.values().next().value as string);
    return set;
  };
  return set;
}

/** Creates the App; load the result into one Probot instance (`probot.load(app)` or a Server). */
export function createApp(options: AppOptions = {}): PlanwrightApp {
  const metrics = options.metrics ?? createMetrics();
  let queue: WorkQueue<AppJob> | undefined;
  const detached = new Set<Promise<unknown>>();

  const appFn = (probot: Probot, fnOptions?: ApplicationFunctionOptions): void => {
    const logger = probot.log.child({ name: "planwright" });
    let slug: Promise<string> | undefined = options.appSlug ? Promise.resolve(options.appSlug) : undefined;
    const env: JobEnv = {
      metrics,
      logger,
      octokitFor: (installationId) => probot.auth(installationId) as Promise<ProbotOctokit>,
      async ourLogins() {
        slug ??= probot.auth().then((octokit) => appSlug(octokit));
        const name = await slug;
        return [`${name}[bot]`];
      },
      modelFor: (config: Config): ModelClient =>
        createModelClient({
          ...options.model,
          model: config.model,
          onUsage: (usage) => metrics.usage(usage),
        }),
      dispatched: boundedSet(10_000),
      ...(options.callRetry ? { callRetry: options.callRetry } : {}),
      // The follow-up is journaled before the job that hands it over is marked done.
      handOff: (job, key, from) => void work.enqueue({ key, id: `${from}>${key}`, data: job }),
    };
    const work = createWorkQueue<AppJob>((data, job) => runJob(data, env, job.id), {
      ...(options.stateDir ? { journal: createFileJournal<AppJob>(options.stateDir) } : {}),
      onError: (error, job) => {
        logger.error({ err: error }, `job ${job.id} (${job.data.kind}) failed`);
        metrics.plan("failed");
      },
      // Jobs are idempotent, so a transient failure (5xx, 429, secondary rate limit, a dropped
      // connection, an overloaded model) runs the job again: after about 0.5, 1.5, 4.5, 13.5 s.
      retry: {
        attempts: 5,
        baseMs: 500,
        factor: 3,
        ...options.retry,
        shouldRetry: (error) => {
          if (failureClassOf(error) !== "transient") return false;
          const after = error instanceof TransientError ? error.retryAfterMs : undefined;
          return after !== undefined ? { afterMs: after } : true;
        },
      },
      onSettled: (job, seconds, outcome) => metrics.job(job.data.kind, seconds, outcome),
      onDepth: (depth) => metrics.queueDepth(depth),
    });
    queue = work;
    const runtime: HandlerRuntime = {
      queue: work,
      metrics,
      logger,
      detach(task) {
        const tracked = task.finally(() => detached.delete(tracked));
        detached.add(tracked);
      },
    };

    const timed =
      <C extends { name: string; payload: { action?: string } }>(handler: (context: C) => Promise<void>) =>
      async (context: C): Promise<void> => {
        const started = performance.now();
        const event = `${context.name}.${context.payload.action ?? ""}`;
        try {
          await handler(context);
          metrics.webhook(event, (performance.now() - started) / 1000, "ok");
        } catch (error) {
          metrics.webhook(event, (performance.now() - started) / 1000, "error");
          throw error;
        }
      };

    probot.on("issue_comment.created", timed(onIssueComment(runtime)));
    probot.on(
      ["pull_request_review.submitted", "pull_request_review.edited", "pull_request_review.dismissed"],
      timed(onReview(runtime)),
    );
    probot.on("pull_request.synchronize", timed(onPullSynchronize(runtime)));
    probot.on("check_run.requested_action", timed(onCheckRunAction(runtime)));

    // Probot's Server passes addHandler; a bare `probot.load` in tests has no server to serve on.
    try {
      if (options.serveMetrics !== false)
        fnOptions?.addHandler(metricsHandler(metrics, options.serveMetrics?.token));
    } catch {
      logger.debug("no server: /metrics is not served");
    }
    const recovered = work.recover();
    if (recovered > 0) logger.info(`resuming ${recovered} unfinished job(s) from the journal`);
  };

  return Object.assign(appFn, {
    metrics,
    async idle() {
      while (detached.size > 0 || (queue?.size ?? 0) > 0) {
        await Promise.allSettled([...detached]);
        await queue?.idle();
      }
    },
  });
}

/** The App with default options, as `probot run` or a Server loads it. */
export const app: PlanwrightApp = createApp();
