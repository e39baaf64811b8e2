/**
 * The App's Prometheus metrics, served at `/metrics` on the Probot server: what happened to plans,
 * what the model cost, and how long webhook handling took. Each App instance owns its registry, so
 * tests (and several apps in one process) never share counters.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Usage } from "../engine/ports.js";

/** Plan outcomes counted by {@link AppMetrics.plan}. */
export type PlanEvent = "requested" | "approved" | "executed" | "failed" | "rolled_back";

/** The counters and timers the App updates. */
export interface AppMetrics {
  readonly registry: Registry;
  /** Counts one plan event. */
  plan(event: PlanEvent): void;
  /** Adds one model call's tokens and cost. */
  usage(usage: Usage): void;
  /** Records how long handling one webhook took (the synchronous part, before the 2xx). */
  webhook(event: string, seconds: number, outcome: "ok" | "error"): void;
  /** Records one finished background job. */
  job(kind: string, seconds: number, outcome: "ok" | "error"): void;
  /** Jobs queued or running now. */
  queueDepth(depth: number): void;
  /** The Prometheus text exposition. */
  text(): Promise<string>;
  readonly contentType: string;
}

/** Creates the metrics of one App instance on a registry of its own. */
export function createMetrics(): AppMetrics {
  const registry = new Registry();
  const plans = new Counter({
    name: "planwright_plans_total",
    help: "Plans by event: requested, approved, executed (dispatched), failed, rolled_back.",
    labelNames: ["event"] as const,
    registers: [registry],
  });
  const tokens = new Counter({
    name: "planwright_llm_tokens_total",
    help: "Model tokens by type: input, output, cache_write, cache_read.",
    labelNames: ["type"] as const,
    registers: [registry],
  });
  const cost = new Counter({
    name: "planwright_llm_cost_usd_total",
    help: "Model cost in US dollars.",
    registers: [registry],
  });
  const webhooks = new Histogram({
    name: "planwright_webhook_duration_seconds",
    help: "Time to handle a webhook before answering GitHub.",
    labelNames: ["event", "outcome"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const jobs = new Histogram({
    name: "planwright_job_duration_seconds",
    help: "Time of background jobs (planning, revising, approval evaluation, commands).",
    labelNames: ["kind", "outcome"] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const depth = new Gauge({
    name: "planwright_queue_depth",
    help: "Background jobs queued or running.",
    registers: [registry],
  });
  // Zero-valued series from the start, so dashboards and rate() see every event before it happens.
  for (const event of ["requested", "approved", "executed", "failed", "rolled_back"] as const)
    plans.inc({ event }, 0);
  for (const type of ["input", "output", "cache_write", "cache_read"] as const) tokens.inc({ type }, 0);

  return {
    registry,
    contentType: registry.contentType,
    plan: (event) => plans.inc({ event }),
    usage(usage) {
      tokens.inc({ type: "input" }, usage.inputTokens);
      tokens.inc({ type: "output" }, usage.outputTokens);
      tokens.inc({ type: "cache_write" }, usage.cacheWriteTokens);
      tokens.inc({ type: "cache_read" }, usage.cacheReadTokens);
      cost.inc(usage.costUsd);
    },
    webhook: (event, seconds, outcome) => webhooks.observe({ event, outcome }, seconds),
    job: (kind, seconds, outcome) => jobs.observe({ kind, outcome }, seconds),
    queueDepth: (n) => depth.set(n),
    text: () => registry.metrics(),
  };
}

/** The path the metrics are served on. */
export const METRICS_PATH = "/metrics";

/** Whether the request carries `Authorization: Bearer <token>`, compared in constant time. */
function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const given = Buffer.from(match?.[1] ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A Probot server handler (for `addHandler`) answering `GET /metrics`; anything else is left to the
 * next handler. Returns true when it answered. With `token`, only requests bearing it get the
 * metrics (401 otherwise): the metrics share the public webhook port unless served on their own.
 */
export function metricsHandler(metrics: AppMetrics, token?: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== METRICS_PATH) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return true;
    }
    if (token !== undefined && !bearerMatches(req, token)) {
      res.writeHead(401, { "www-authenticate": 'Bearer realm="metrics"' }).end();
      return true;
    }
    const body = await metrics.text();
    res.writeHead(200, { "content-type": metrics.contentType });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}
