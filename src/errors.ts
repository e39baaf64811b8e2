/**
 * The typed error hierarchy. Library errors (git, Octokit, the Anthropic SDK) are translated into
 * these at the adapter boundary, so flows and surfaces only ever see a failure class and a message
 * fit to show a person.
 */

/** Failure classes from ARCHITECTURE.md, plus `usage` and `validation` for bad input. */
export type FailureClass =
  "transient" | "verification" | "policy" | "conflict" | "cancelled" | "validation" | "usage" | "internal";

export class PlanwrightError extends Error {
  readonly failureClass: FailureClass;
  constructor(failureClass: FailureClass, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.failureClass = failureClass;
  }
}

/** A network reset, HTTP 429/5xx or an overloaded model: worth retrying with backoff. */
export class TransientError extends PlanwrightError {
  /** Milliseconds the server asked us to wait, when it said so. */
  readonly retryAfterMs: number | undefined;
  /**
   * True when whoever threw it has already spent the retry budget on it (the model client's
   * retries): retrying again on top would multiply the requests, so callers give up.
   */
  readonly exhausted: boolean;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number; exhausted?: boolean }) {
    super("transient", message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.exhausted = options?.exhausted ?? false;
  }
}

/** The verify command failed or edits did not apply: retried by feeding the output back. */
export class VerificationError extends PlanwrightError {
  readonly output: string;
  constructor(message: string, output = "", options?: { cause?: unknown }) {
    super("verification", message, options);
    this.output = output;
  }
}

/** A path, command or budget was refused: stop at once, no retry. */
export class PolicyError extends PlanwrightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("policy", message, options);
  }
}

/** A revert conflict, a rejected push, a foreign commit: stop and leave the branch as it was. */
export class ConflictError extends PlanwrightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("conflict", message, options);
  }
}

/** `/cancel`, SIGINT or SIGTERM. */
export class CancelledError extends PlanwrightError {
  constructor(message = "cancelled", options?: { cause?: unknown }) {
    super("cancelled", message, options);
  }
}

/** A plan or configuration file that does not validate; the message holds the diagnostics. */
export class ValidationError extends PlanwrightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("validation", message, options);
  }
}

/** Wrong command-line usage or inputs. */
export class UsageError extends PlanwrightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("usage", message, options);
  }
}

/** The failure class of any thrown value; unknown errors are `internal`. */
export function failureClassOf(error: unknown): FailureClass {
  return error instanceof PlanwrightError ? error.failureClass : "internal";
}

/** A one-line message for any thrown value, never a stack trace. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
