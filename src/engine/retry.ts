/**
 * Backoff for transient failures: exponential with "equal jitter", so many runs that fail at the
 * same moment (a 529 storm) do not retry in lockstep, yet each waits at least half the nominal delay.
 */
import { TransientError, failureClassOf } from "../errors.js";
import type { Clock } from "./ports.js";

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs?: number;
  /** Upper bound of any single delay. */
  maxMs?: number;
  /** A number in [0, 1); Math.random by default. */
  random?: () => number;
}

export const DEFAULT_BACKOFF = { baseMs: 1_000, maxMs: 30_000 } as const;
/** How many times a transient failure is retried, independently of the task's `retries`. */
export const MAX_TRANSIENT_RETRIES = 4;

/**
 * Delay before retry number `retry` (1-based): `min(max, base * 2^(retry-1))`, then a uniform
 * value between half and all of it. A server's Retry-After wins when it asks for longer.
 */
export function backoffDelay(retry: number, options: BackoffOptions = {}, retryAfterMs?: number): number {
  const base = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const max = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const random = options.random ?? Math.random;
  const nominal = Math.min(max, base * 2 ** Math.max(0, retry - 1));
  const jittered = nominal / 2 + (random() * nominal) / 2;
  return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, max)));
}

/**
 * Runs `operation`, retrying it after a backoff while it throws a transient failure, at most
 * `retries` times. Any other failure, or the last transient one, is rethrown.
 */
export async function withTransientRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: {
    clock: Clock;
    signal?: AbortSignal;
    retries?: number;
    backoff?: BackoffOptions;
    onRetry?: (retry: number, error: unknown, delayMs: number) => void;
  },
): Promise<T> {
  const retries = options.retries ?? MAX_TRANSIENT_RETRIES;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (failureClassOf(error) !== "transient" || attempt > retries) throw error;
      const after = error instanceof TransientError ? error.retryAfterMs : undefined;
      const delay = backoffDelay(attempt, options.backoff, after);
      options.onRetry?.(attempt, error, delay);
      await options.clock.sleep(delay, options.signal);
    }
  }
}
