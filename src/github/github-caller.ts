/**
 * The one place the gateway calls Octokit: owner and repo filled in, failures translated to our
 * typed errors, a 404 read as "absent" where the caller says so.
 */
import { TransientError } from "../errors.js";
import { statusOf, translateGitHubError, type TranslateOptions } from "./errors.js";
import type { Raw } from "./map-responses.js";

/** The part of Octokit the gateway uses; both Probot's and @octokit/rest's clients satisfy it. */
export interface OctokitLike {
  request(
    route: string,
    parameters?: Record<string, unknown>,
  ): Promise<{ status: number; data: unknown; headers: Record<string, unknown> }>;
  paginate(route: string, parameters?: Record<string, unknown>): Promise<unknown[]>;
}

/** How to word and classify a failure, and whether a 404 means "absent". */
export interface CallOptions extends TranslateOptions {
  notFoundIsAbsent?: boolean;
  /** Statuses that mean the goal is already reached (e.g. 409 on cancelling a finished run). */
  okStatuses?: number[];
}

/** Retrying of transient failures inside the gateway; off unless asked for. */
export interface RetryOptions {
  /**
   * Retries of a transient failure per request (default 0: Probot's retry and throttling plugins,
   * or the caller's backoff, do it). A POST is retried only when GitHub refused it for a rate
   * limit, since a 5xx or a reset may hide a comment, pull request or dispatch that was made.
   */
  retries?: number;
  /** A wait GitHub asks for beyond this fails at once instead (default 60 s). */
  maxWaitMs?: number;
  /** Delay before the first retry, doubled each time up to 30 s, with jitter (default 1 s). */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const MAX_DELAY_MS = 30_000;

/** Page size of every listing: GitHub's maximum, so long lists cost the fewest requests. */
export const PER_PAGE = 100;

/** Requests for one repository; `what` names the action in words for error messages. */
export interface GitHubCaller {
  readonly owner: string;
  readonly repo: string;
  /** The response body, or undefined for a 404 with `notFoundIsAbsent` (or an ok status). */
  call(
    what: string,
    route: string,
    params: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<Raw | undefined>;
  /** The response body; a missing resource is an error. */
  must(what: string, route: string, params: Record<string, unknown>, options?: CallOptions): Promise<Raw>;
  /** Every item of a paginated listing. */
  all(
    what: string,
    route: string,
    params: Record<string, unknown>,
    options?: TranslateOptions,
  ): Promise<unknown[]>;
}

/** App permissions named in 403 messages. */
export const NEEDS = {
  issues: { permission: "issues: write" },
  pulls: { permission: "pull_requests: write" },
  checks: { permission: "checks: write" },
  contents: { permission: "contents: write" },
  actions: { permission: "actions: write" },
} as const;

export function createCaller(
  octokit: OctokitLike,
  repo: { owner: string; repo: string },
  retry: RetryOptions = {},
): GitHubCaller {
  const base = { owner: repo.owner, repo: repo.repo };
  const retries = retry.retries ?? 0;
  const maxWaitMs = retry.maxWaitMs ?? 60_000;
  const baseDelayMs = retry.baseDelayMs ?? 1_000;
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = retry.random ?? Math.random;

  /** Runs `attempt`, again after the transient failures that may be retried; throws our errors. */
  async function withRetries<T>(
    route: string,
    what: string,
    options: TranslateOptions,
    attempt: () => Promise<T>,
  ) {
    const method = route.split(" ")[0] ?? "GET";
    for (let retry = 1; ; retry++) {
      try {
        return await attempt();
      } catch (error) {
        const translated = translateGitHubError(error, what, options);
        const status = statusOf(error);
        const refused = status === 429 || status === 403;
        const retryable = translated instanceof TransientError && (method !== "POST" || refused);
        const wait = translated instanceof TransientError ? (translated.retryAfterMs ?? 0) : 0;
        if (!retryable || retry > retries || wait > maxWaitMs) throw translated;
        const nominal = Math.min(MAX_DELAY_MS, baseDelayMs * 2 ** (retry - 1));
        await sleep(Math.round(Math.max(nominal / 2 + (random() * nominal) / 2, wait)));
      }
    }
  }

  async function call(
    what: string,
    route: string,
    params: Record<string, unknown>,
    options: CallOptions = {},
  ) {
    return withRetries(route, what, options, async () => {
      try {
        return (await octokit.request(route, { ...base, ...params })).data as Raw;
      } catch (error) {
        const status = statusOf(error);
        if (options.notFoundIsAbsent && status === 404) return undefined;
        if (status !== undefined && options.okStatuses?.includes(status)) return undefined;
        throw error;
      }
    });
  }

  return {
    owner: repo.owner,
    repo: repo.repo,
    call,
    async must(what, route, params, options = {}) {
      return (await call(what, route, params, options)) ?? {};
    },
    async all(what, route, params, options = {}) {
      return withRetries(route, what, options, () =>
        octokit.paginate(route, { ...base, per_page: PER_PAGE, ...params }),
      );
    },
  };
}
