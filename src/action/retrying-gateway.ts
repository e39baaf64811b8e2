/**
 * The gateway with transient failures retried. The gateway itself never retries (that is the
 * caller's job); in the Action every GitHub call may meet a 502 or a secondary rate limit, and a
 * run must not fail for one. Each gateway method is retried whole, so `upsertComment` lists again
 * before writing and a lost response never turns into a second comment.
 */
import { systemClock } from "../engine/clock.js";
import type { Clock } from "../engine/ports.js";
import { withTransientRetry, type BackoffOptions } from "../engine/retry.js";
import type { GitHubGateway } from "../github/gateway.js";

/** Backoff and reporting of retries. */
export interface RetryOptions {
  clock?: Clock;
  backoff?: BackoffOptions;
  onRetry?: (what: string, error: unknown, delayMs: number) => void;
}

/** `gateway` with every method retried on TransientError (4 retries, exponential backoff with jitter). */
export function retryingGateway(gateway: GitHubGateway, options: RetryOptions = {}): GitHubGateway {
  const clock = options.clock ?? systemClock;
  const backoff = options.backoff ?? { baseMs: 500, maxMs: 15_000 };
  const wrapped: Record<string, unknown> = {};
  for (const key of Object.keys(gateway) as (keyof GitHubGateway)[]) {
    const value = gateway[key];
    if (typeof value !== "function") {
      wrapped[key] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => Promise<unknown>;
    wrapped[key] = (...args: unknown[]) =>
      withTransientRetry(() => method.apply(gateway, args), {
        clock,
        backoff,
        ...(options.onRetry ? { onRetry: (_n, error, delay) => options.onRetry?.(key, error, delay) } : {}),
      });
  }
  return wrapped as unknown as GitHubGateway;
}
