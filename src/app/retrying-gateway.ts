/**
 * The GitHub gateway with bounded retries of transient failures, call by call. Probot's Octokit
 * retries 5xx itself but gives up on secondary rate limits, and a /plan makes a dozen calls: one
 * failed call must not throw away the model's work. Reads and idempotent writes are retried on any
 * transient failure; writes that would be repeated (a comment, a PR, a commit, a check run, a
 * workflow dispatch) only when GitHub said it refused them (429 or a rate limit, which carry a
 * wait), since after a 5xx the write may have happened. (`upsertComment` finds its comment by
 * marker first, so it is safe to repeat.)
 */
import { TransientError } from "../errors.js";
import type { GitHubGateway } from "../github/gateway.js";

/** Calls that must not run twice when the first may have gone through. */
const NOT_IDEMPOTENT = new Set<string>([
  "createComment",
  "createPull",
  "commitFiles",
  "createCheckRun",
  "dispatchWorkflow",
]);

export interface CallRetryOptions {
  /** Calls in all, the first included. Default 4. */
  attempts?: number;
  /** First delay, multiplied by `factor` each time. Default 300 ms, factor 3. */
  baseMs?: number;
  factor?: number;
  /** Largest single wait, a server's retry-after included. Default 60 s. */
  maxDelayMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told about every retry (for logs). */
  onRetry?: (call: string, error: TransientError, waitMs: number) => void;
}

/** `gateway` with its calls retried as the module comment says. */
export function retryingGateway(gateway: GitHubGateway, options: CallRetryOptions = {}): GitHubGateway {
  const attempts = Math.max(1, options.attempts ?? 4);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const maxDelay = options.maxDelayMs ?? 60_000;

  const wrap =
    (name: string, call: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]): Promise<unknown> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await call(...args);
        } catch (error) {
          if (!(error instanceof TransientError) || attempt >= attempts) throw error;
          const refused = error.retryAfterMs !== undefined;
          if (NOT_IDEMPOTENT.has(name) && !refused) throw error;
          const backoff =
            (options.baseMs ?? 300) * (options.factor ?? 3) ** (attempt - 1) * (0.75 + random() / 2);
          const wait = Math.min(maxDelay, Math.max(backoff, error.retryAfterMs ?? 0));
          options.onRetry?.(name, error, wait);
          await sleep(wait);
        }
      }
    };

  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(gateway)) {
    wrapped[name] =
      typeof value === "function" ? wrap(name, value as (...args: unknown[]) => Promise<unknown>) : value;
  }
  return wrapped as unknown as GitHubGateway;
}
