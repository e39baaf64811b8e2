/**
 * The one place that calls Claude: a thin client over `@anthropic-ai/sdk` that adds bounded retries
 * on top of the SDK's own, typed errors, usage and cost accounting, and record/replay cassettes.
 */
import Anthropic, { type Middleware } from "@anthropic-ai/sdk";
import type { Clock, Usage } from "../engine/ports.js";
import { ZERO_USAGE, addUsage } from "../engine/ports.js";
import { CancelledError, TransientError, UsageError } from "../errors.js";
import { createRedactor } from "../redact.js";
import { createRecordingFetch, createReplayFetch, usageFromEventStream, type FetchLike } from "./cassette.js";
import { isQuotaExhausted, translateAnthropicError } from "./errors.js";
import { priceOf, type PricingTable } from "./pricing.js";
import { usageFromApi, type ApiUsage } from "./usage.js";

/** SDK message types, re-exported so the rest of src/llm/ names them in one place. */
export type Message = Anthropic.Message;
export type MessageParam = Anthropic.MessageParam;
export type ContentBlock = Anthropic.ContentBlock;
export type Tool = Anthropic.Tool;
export type ToolUseBlock = Anthropic.ToolUseBlock;
export type ToolResultBlockParam = Anthropic.ToolResultBlockParam;
export type TextBlockParam = Anthropic.TextBlockParam;

/** Parameters of one call: the SDK's non-streaming parameters, with `model` defaulting to the client's. */
export type ModelCreateParams = Omit<Anthropic.MessageCreateParamsNonStreaming, "model" | "stream"> & {
  model?: string;
};

/** Our retries, around the SDK's own: bounded in attempts and in total waiting time. */
export interface RetryPolicy {
  /** Attempts in all, the first included (each may hold the SDK's own retries). Default 4. */
  attempts?: number;
  /** First backoff delay; doubles each time. Default 2000 ms. */
  baseMs?: number;
  /** Largest single delay we choose ourselves. Default 30 s. */
  maxDelayMs?: number;
  /** Give up rather than wait more than this in all (a server's retry-after counts too). Default 120 s. */
  maxTotalWaitMs?: number;
  /** Source of jitter in [0, 1); injectable for tests. */
  random?: () => number;
}

/** Configuration of the model client (see createModelClient). */
export interface ModelClientOptions {
  /** Defaults to ANTHROPIC_API_KEY; not needed when replaying. */
  apiKey?: string;
  /** Defaults to ANTHROPIC_BASE_URL, else the public API. */
  baseURL?: string;
  model: string;
  /**
   * Retries done by the SDK inside each of our attempts. Default 0: our attempts are the one
   * retry budget, so "gave up after N attempts" is N requests.
   */
  maxRetries?: number;
  /** Per HTTP request. Default 10 minutes (the SDK's). */
  timeoutMs?: number;
  /** Cassette file to append every successful exchange to. */
  record?: string;
  /** Cassette file to answer from, with no network. */
  replay?: string;
  pricing?: PricingTable;
  clock?: Clock;
  retry?: RetryPolicy;
  onUsage?: (usage: Usage) => void;
  /** Non-fatal notices (an unknown model priced at the fallback). Default: stderr. */
  onWarning?: (message: string) => void;
  /** The transport under the SDK (tests, proxies). */
  fetch?: FetchLike;
  /**
   * Whether calls stream the response (the result is the same complete message). `auto` (default)
   * streams when `max_tokens` exceeds 16,000: long generations over a plain request risk idle
   * timeouts, and the SDK refuses them without an explicit timeout.
   */
  streaming?: "auto" | "always" | "never";
}

/** Above this `max_tokens`, `streaming: "auto"` streams. */
export const STREAM_ABOVE_MAX_TOKENS = 16_000;

/** One call's answer with its usage and cost. */
export interface ModelCallResult {
  message: Message;
  usage: Usage;
}

/** The Messages API as the rest of Planwright sees it: typed errors, retries and accounting included. */
export interface ModelClient {
  readonly model: string;
  /** One Messages API call; throws only our typed errors (TransientError after retries, PolicyError, UsageError, CancelledError…). */
  create(params: ModelCreateParams, options?: { signal?: AbortSignal }): Promise<ModelCallResult>;
  /** Usage of every call made through this client so far. */
  totalUsage(): Usage;
  /** Redacts this client's API key and known token formats. */
  redact(text: string): string;
}

/** Wall-clock time and real sleeps (cancellable). */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new CancelledError("model call cancelled"));
      const onAbort = () => {
        clearTimeout(timer);
        reject(new CancelledError("model call cancelled"));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/**
 * A 429 that means "spend limit or quota" must not be retried by the SDK either: tell it so, and
 * let translateAnthropicError turn it into a PolicyError.
 */
const quotaMiddleware: Middleware = async (request, next, ctx) => {
  const response = await next(request);
  if (response.status !== 429 && response.status !== 402) return response;
  const body = await ctx.parse(response).catch(() => undefined);
  if (!isQuotaExhausted(response.status, response.headers, body)) return response;
  const headers = new Headers(response.headers);
  headers.set("x-should-retry", "false");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
};

/** Creates the model client; fails with a UsageError on missing configuration. */
export function createModelClient(options: ModelClientOptions): ModelClient {
  if (options.record && options.replay) throw new UsageError("use either --record or --replay, not both");
  const replaying = Boolean(options.replay);
  const apiKey =
    options.apiKey ?? process.env["ANTHROPIC_API_KEY"] ?? (replaying ? "replay-no-key" : undefined);
  if (!apiKey) throw new UsageError("no Anthropic API key: set ANTHROPIC_API_KEY (or replay a cassette)");
  const redactor = createRedactor([apiKey]);
  const clock = options.clock ?? systemClock;
  const retry = {
    attempts: Math.max(1, options.retry?.attempts ?? 4),
    baseMs: options.retry?.baseMs ?? 2000,
    maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
    maxTotalWaitMs: options.retry?.maxTotalWaitMs ?? 120_000,
    random: options.retry?.random ?? Math.random,
  };
  const warned = new Set<string>();
  const warn = options.onWarning ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  const onUnknownModel = (model: string) => {
    if (warned.has(model)) return;
    warned.add(model);
    const fallback = priceOf(model, options.pricing);
    warn(
      `no price known for model ${model}; counting $${fallback.input}/$${fallback.output} per million tokens`,
    );
  };
  const usageOf = (model: string, usage: ApiUsage | null | undefined) =>
    usageFromApi(model, usage, { pricing: options.pricing, onUnknownModel });

  let transport: FetchLike | undefined = options.fetch;
  if (options.replay) transport = createReplayFetch(options.replay);
  else if (options.record) {
    transport = createRecordingFetch(options.record, {
      fetch: options.fetch,
      redactor,
      usageOf: (request, response) => {
        const model = (request as { model?: string }).model ?? options.model;
        const usage =
          typeof response === "string"
            ? usageFromEventStream(response)
            : (response as { usage?: ApiUsage } | undefined)?.usage;
        return usage ? usageOf(model, usage) : undefined;
      },
    });
  }

  const sdk = new Anthropic({
    apiKey,
    baseURL: options.baseURL ?? process.env["ANTHROPIC_BASE_URL"] ?? "https://api.anthropic.com",
    // one retry budget: ours (bounded in attempts and waiting, and reported), not the SDK's inside it
    maxRetries: replaying ? 0 : (options.maxRetries ?? 0),
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    ...(transport ? { fetch: transport as never } : {}),
    middleware: [quotaMiddleware],
    logLevel: "off",
    openTelemetry: false,
  });

  let total: Usage = { ...ZERO_USAGE };
  const streams = (maxTokens: number) =>
    options.streaming === "always" || (options.streaming !== "never" && maxTokens > STREAM_ABOVE_MAX_TOKENS);

  const create = async (params: ModelCreateParams, callOptions: { signal?: AbortSignal } = {}) => {
    const model = params.model ?? options.model;
    const body = { ...params, model } as Anthropic.MessageCreateParamsNonStreaming;
    const signal = callOptions.signal;
    const message = await withRetries(async () => {
      const requestOptions = signal ? { signal } : {};
      return streams(body.max_tokens)
        ? await sdk.messages.stream(body, requestOptions).finalMessage()
        : await sdk.messages.create(body, requestOptions);
    });
    // Outside the retries: an onUsage that throws (a budget stop) must not be retried or rewrapped.
    const usage = usageOf(model, message.usage);
    total = addUsage(total, usage);
    options.onUsage?.(usage);
    return { message, usage };

    async function withRetries<T>(call: () => Promise<T>): Promise<T> {
      let waited = 0;
      for (let attempt = 1; ; attempt++) {
        if (signal?.aborted) throw new CancelledError("model call cancelled");
        try {
          return await call();
        } catch (error) {
          const typed = translateAnthropicError(error, { model, redactor, now: clock.now() });
          if (!(typed instanceof TransientError)) throw typed;
          const backoff = Math.min(retry.maxDelayMs, retry.baseMs * 2 ** (attempt - 1));
          // "Equal jitter": at least half the backoff, so retries spread out without collapsing to zero.
          const delay = typed.retryAfterMs ?? Math.round(backoff / 2 + (backoff / 2) * retry.random());
          if (attempt >= retry.attempts || waited + delay > retry.maxTotalWaitMs) {
            const reason =
              attempt >= retry.attempts
                ? `gave up after ${attempt} attempt(s)`
                : `gave up after ${attempt} attempt(s): the next wait (${Math.round(delay / 1000)}s) would pass the ${Math.round(retry.maxTotalWaitMs / 1000)}s limit`;
            throw new TransientError(`${reason}: ${typed.message}`, {
              cause: typed,
              retryAfterMs: typed.retryAfterMs,
              exhausted: true,
            });
          }
          waited += delay;
          await clock.sleep(delay, signal);
        }
      }
    }
  };

  return {
    model: options.model,
    create,
    totalUsage: () => ({ ...total }),
    redact: redactor,
  };
}
