/**
 * The one place the gateway calls Octokit: owner and repo filled in, failures translated to our
 * typed errors, a 404 read as "absent" where the caller says so.
 */
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

export function createCaller(octokit: OctokitLike, repo: { owner: string; repo: string }): GitHubCaller {
  const base = { owner: repo.owner, repo: repo.repo };

  async function call(
    what: string,
    route: string,
    params: Record<string, unknown>,
    options: CallOptions = {},
  ) {
    try {
      return (await octokit.request(route, { ...base, ...params })).data as Raw;
    } catch (error) {
      const status = statusOf(error);
      if (options.notFoundIsAbsent && status === 404) return undefined;
      if (status !== undefined && options.okStatuses?.includes(status)) return undefined;
      throw translateGitHubError(error, what, options);
    }
  }

  return {
    owner: repo.owner,
    repo: repo.repo,
    call,
    async must(what, route, params, options = {}) {
      return (await call(what, route, params, options)) ?? {};
    },
    async all(what, route, params, options = {}) {
      try {
        return await octokit.paginate(route, { ...base, per_page: PER_PAGE, ...params });
      } catch (error) {
        throw translateGitHubError(error, what, options);
      }
    },
  };
}
