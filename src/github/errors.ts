/**
 * Translation of Octokit's errors into our typed errors, at the boundary of src/github/. Flows
 * see a failure class and a one-line message naming what we tried to do, never an Octokit error,
 * a stack trace or a token.
 */
import { CancelledError, ConflictError, PlanwrightError, TransientError } from "../errors.js";
import { redact } from "../redact.js";

/** What GitHub told us, read defensively from whatever was thrown. */
interface HttpFailure {
  status: number | undefined;
  message: string;
  headers: Record<string, unknown>;
  name: string;
  /** False when the request never got an answer (reset, DNS, TLS, timeout). */
  answered: boolean;
}

/** Details that sharpen the message of a refusal. */
export interface TranslateOptions {
  /** The app permission the call needs, e.g. `checks: write`, named in a 403 message. */
  permission?: string;
  /** A ref update or creation: 409/422 mean the branch moved or exists (ConflictError). */
  refUpdate?: boolean;
  /** Now, in milliseconds since the epoch (for the primary rate limit's reset time). */
  now?: number;
}

/** GitHub asks clients hitting a secondary rate limit without retry-after to wait a minute. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

function readFailure(error: unknown): HttpFailure {
  const record = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const response = (
    typeof record.response === "object" && record.response !== null ? record.response : {}
  ) as Record<string, unknown>;
  const headers = (
    typeof response.headers === "object" && response.headers !== null ? response.headers : {}
  ) as Record<string, unknown>;
  const status = typeof record.status === "number" ? record.status : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const name = typeof record.name === "string" ? record.name : "";
  return {
    status,
    message,
    headers,
    name,
    answered: typeof record.response === "object" && record.response !== null,
  };
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

/** One line, no secrets, not a wall of text. */
function clean(message: string): string {
  const line = redact(message).replace(/\s+/g, " ").trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** Milliseconds to wait before retrying, from retry-after or the rate limit's reset time. */
function waitOf(failure: HttpFailure, now: number): number | undefined {
  const retryAfter = header(failure.headers, "retry-after");
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  if (header(failure.headers, "x-ratelimit-remaining") === "0") {
    const reset = Number(header(failure.headers, "x-ratelimit-reset"));
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  }
  return undefined;
}

function isRateLimited(failure: HttpFailure): boolean {
  if (failure.status === 429) return true;
  if (failure.status !== 403) return false;
  return (
    header(failure.headers, "retry-after") !== undefined ||
    header(failure.headers, "x-ratelimit-remaining") === "0" ||
    /rate limit/i.test(failure.message)
  );
}

/**
 * Our typed error for a failed GitHub call; `what` names the action in words, e.g. "create the
 * check run". 5xx, 429, rate limits and network errors are transient (with `retryAfterMs` when
 * GitHub said how long to wait); 409/422 on a ref update are conflicts; 401/403 are refusals
 * naming the missing permission; everything else is an internal error with GitHub's message.
 * Errors that are already ours pass through unchanged.
 */
export function translateGitHubError(
  error: unknown,
  what: string,
  options: TranslateOptions = {},
): PlanwrightError {
  if (error instanceof PlanwrightError) return error;
  const failure = readFailure(error);
  const said = clean(failure.message);
  const status = failure.status;
  const now = options.now ?? Date.now();

  if (failure.name === "AbortError") return new CancelledError(`cancelled while trying to ${what}`);
  if (isRateLimited(failure)) {
    const secondary =
      /secondary rate limit/i.test(failure.message) || header(failure.headers, "retry-after") !== undefined;
    const retryAfterMs = waitOf(failure, now) ?? (secondary ? SECONDARY_LIMIT_WAIT_MS : undefined);
    const kind = secondary ? "secondary rate limit" : "rate limit";
    return new TransientError(`GitHub ${kind} hit while trying to ${what} (${status}): ${said}`, {
      retryAfterMs,
    });
  }
  if (status === undefined || status >= 500) {
    // Octokit reports network failures (reset, DNS, TLS) as status 500 without a response.
    const code = status === undefined || !failure.answered ? "network error" : String(status);
    return new TransientError(`GitHub failed to ${what} (${code}): ${said}`, {
      retryAfterMs: waitOf(failure, now),
    });
  }
  if (options.refUpdate && (status === 409 || status === 422)) {
    return new ConflictError(`could not ${what}: the branch moved or already exists (${status}: ${said})`);
  }
  if (status === 401) {
    return new PlanwrightError(
      "policy",
      `GitHub refused to ${what} (401): the credentials are invalid or expired (GitHub says: ${said})`,
    );
  }
  if (status === 403) {
    const lacking = options.permission ? `the app lacks ${options.permission}` : "permission denied";
    return new PlanwrightError(
      "policy",
      `GitHub refused to ${what} (403): ${lacking} (GitHub says: ${said})`,
    );
  }
  if (status === 404) {
    return new PlanwrightError(
      "internal",
      `GitHub could not ${what} (404): not found, or the app cannot see it (GitHub says: ${said})`,
    );
  }
  return new PlanwrightError("internal", `GitHub could not ${what} (${status}): ${said}`);
}

/** The HTTP status of a thrown Octokit error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  return readFailure(error).status;
}
