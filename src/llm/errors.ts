/**
 * Translation of Anthropic SDK errors into our typed errors, so nothing above src/llm/ sees an SDK
 * class. The failure class decides what happens next: transient -> back off and retry, policy ->
 * stop and say why, usage -> fix the configuration (key, model), internal -> a bug or a request the
 * API refuses.
 */
import Anthropic from "@anthropic-ai/sdk";
import { CancelledError, PlanwrightError, PolicyError, TransientError, UsageError } from "../errors.js";
import { redact } from "../redact.js";

/** Context for translateAnthropicError. */
export interface TranslateOptions {
  /** The model the request was for, named in "not found" messages. */
  model?: string;
  /** Applied to every message (give it the API key so it can never leak). */
  redactor?: (text: string) => string;
  /** For HTTP-date retry-after values. */
  now?: number;
}

/** Error codes of 429/402 responses that mean money, not load: waiting will not help. */
const QUOTA_CODE = /spend_limit|quota|billing|credit|ramp_limit|organization_on_hold/i;

/** Milliseconds the server asked us to wait (`retry-after-ms`, or `retry-after` in seconds or as a date). */
export function retryAfterMsOf(headers: Headers | undefined | null, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function errorCodeOf(body: unknown): string | undefined {
  const error = (body as { error?: { details?: { error_code?: unknown }; type?: unknown } } | undefined)
    ?.error;
  const code = error?.details?.error_code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Whether a 429 is a spend limit or quota rather than a rate limit: an error code that says so, or
 * no retry-after at all (the API always says how long to wait when waiting helps).
 */
export function isQuotaExhausted(
  status: number,
  headers: Headers | undefined | null,
  body: unknown,
): boolean {
  if (status === 402) return true;
  if (status !== 429) return false;
  const code = errorCodeOf(body);
  if (code !== undefined && QUOTA_CODE.test(code)) return true;
  return retryAfterMsOf(headers) === undefined;
}

function apiMessageOf(error: InstanceType<typeof Anthropic.APIError>): string {
  const body = error.error as { error?: { message?: unknown }; message?: unknown } | undefined;
  const message = body?.error?.message ?? body?.message;
  return typeof message === "string" ? message : "";
}

function withDetail(summary: string, detail: string): string {
  const oneLine = detail.replace(/\s+/g, " ").trim();
  return oneLine ? `${summary}: ${oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine}` : summary;
}

/** Our typed error for anything the Anthropic SDK (or our fetch wrappers under it) threw. */
export function translateAnthropicError(error: unknown, options: TranslateOptions = {}): PlanwrightError {
  if (error instanceof PlanwrightError) return error;
  const clean = options.redactor ?? redact;
  const model = options.model ?? "the configured model";

  if (error instanceof Anthropic.APIUserAbortError)
    return new CancelledError("model call cancelled", { cause: error });
  if (error instanceof Anthropic.APIConnectionTimeoutError) {
    return new TransientError("the Anthropic API did not answer in time", { cause: error });
  }
  if (error instanceof Anthropic.APIConnectionError) {
    const cause = error.cause instanceof Error ? error.cause.message : "";
    // Our replay fetch throws PlanwrightErrors; the SDK wraps them as connection errors.
    if (error.cause instanceof PlanwrightError) return error.cause;
    return new TransientError(clean(withDetail("could not reach the Anthropic API", cause)), {
      cause: error,
    });
  }
  // An `error` event in the middle of a stream: no HTTP status, only the error type in the body.
  if (error instanceof Anthropic.APIError && typeof error.status !== "number") {
    const detail = clean(apiMessageOf(error));
    const type = error.type ?? "";
    if (/overloaded|rate_limit|api_error|timeout/.test(type)) {
      return new TransientError(withDetail(`the Anthropic API stream failed (${type})`, detail), {
        cause: error,
      });
    }
    return new PlanwrightError(
      "internal",
      withDetail(`the Anthropic API stream failed${type ? ` (${type})` : ""}`, detail),
      {
        cause: error,
      },
    );
  }
  if (error instanceof Anthropic.APIError && typeof error.status === "number") {
    const status = error.status;
    const detail = clean(apiMessageOf(error));
    const headers = error.headers ?? undefined;
    const code = errorCodeOf(error.error);
    if (status === 401) {
      return new UsageError("the Anthropic API key was refused (401): check ANTHROPIC_API_KEY", {
        cause: error,
      });
    }
    if (status === 403) {
      return new UsageError(withDetail("the Anthropic API key may not do this (403)", detail), {
        cause: error,
      });
    }
    if (status === 404) {
      // A 404 that does not mention the model is a wrong base URL or path, not a wrong model name.
      if (detail && !/model/i.test(detail)) {
        return new UsageError(withDetail("the Anthropic API answered 404: check the API base URL", detail), {
          cause: error,
        });
      }
      return new UsageError(
        clean(`model ${model} not found (404): check the model name in the configuration`),
        {
          cause: error,
        },
      );
    }
    if (isQuotaExhausted(status, headers, error.error)) {
      return new PolicyError(
        withDetail(
          `the Anthropic API refused the call: spend limit or quota reached (${status}${code ? ` ${code}` : ""})`,
          detail,
        ),
        { cause: error },
      );
    }
    if (status === 429) {
      return new TransientError(withDetail("the Anthropic API rate limit was hit (429)", detail), {
        cause: error,
        retryAfterMs: retryAfterMsOf(headers, options.now),
      });
    }
    if (status === 529) {
      return new TransientError("the Anthropic API is overloaded (529)", {
        cause: error,
        retryAfterMs: retryAfterMsOf(headers, options.now),
      });
    }
    if (status >= 500 || status === 408 || status === 409) {
      // The server can say a failure is final (our fake server does when it has no scripted answer).
      if (headers?.get("x-should-retry") === "false") {
        return new PlanwrightError("internal", withDetail(`the Anthropic API failed (${status})`, detail), {
          cause: error,
        });
      }
      return new TransientError(withDetail(`the Anthropic API failed (${status})`, detail), {
        cause: error,
        retryAfterMs: retryAfterMsOf(headers, options.now),
      });
    }
    if (status === 413) {
      return new PlanwrightError(
        "internal",
        withDetail("the request to the Anthropic API was too large (413)", detail),
        {
          cause: error,
        },
      );
    }
    return new PlanwrightError(
      "internal",
      withDetail(`the Anthropic API rejected the request (${status})`, detail),
      {
        cause: error,
      },
    );
  }
  if (error instanceof Error && error.name === "AbortError")
    return new CancelledError("model call cancelled", { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new PlanwrightError("internal", clean(withDetail("model call failed", message)), { cause: error });
}
