import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock, Usage } from "../../src/engine/ports.js";
import {
  CancelledError,
  PlanwrightError,
  PolicyError,
  TransientError,
  UsageError,
} from "../../src/errors.js";
import { createModelClient, systemClock, type ModelClientOptions } from "../../src/llm/client.js";
import { isQuotaExhausted, retryAfterMsOf, translateAnthropicError } from "../../src/llm/errors.js";
import { DEFAULT_PRICING, priceOf, pricingFrom } from "../../src/llm/pricing.js";
import { cacheReadShare, formatUsage, totalUsage, usageFromApi } from "../../src/llm/usage.js";
import { startFakeMessagesServer, type FakeMessagesServer } from "./fake-messages-server.js";
import { validateMessagesRequest } from "./validate-messages-request.js";

const KEY = "sk-ant-api03-test-key-0123456789abcdef";

/** A clock that records requested sleeps and returns at once. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 1_700_000_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

let server: FakeMessagesServer;
let clock: ReturnType<typeof fakeClock>;

beforeEach(async () => {
  server = await startFakeMessagesServer();
  clock = fakeClock();
});
afterEach(async () => {
  await server.close();
});

function client(extra: Partial<ModelClientOptions> = {}) {
  return createModelClient({
    apiKey: KEY,
    baseURL: server.url,
    model: "claude-sonnet-4-6",
    clock,
    maxRetries: 0,
    retry: { baseMs: 1000, random: () => 0.5 },
    onWarning: () => {},
    ...extra,
  });
}

const hello = { max_tokens: 100, messages: [{ role: "user" as const, content: "Say hello" }] };

async function failureOf(promise: Promise<unknown>): Promise<PlanwrightError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PlanwrightError);
    return error as PlanwrightError;
  }
  throw new Error("expected the call to fail");
}

describe("createModelClient against the fake Messages API", () => {
  it("returns the message with usage and cost, and sends the key and model", async () => {
    server.enqueue({ content: "Hello there!", usage: { input_tokens: 1000, output_tokens: 2000 } });
    const seen: Usage[] = [];
    const c = client({ onUsage: (u) => seen.push(u) });
    const { message, usage } = await c.create(hello);
    expect(message.content[0]).toMatchObject({ type: "text", text: "Hello there!" });
    expect(message.stop_reason).toBe("end_turn");
    // Sonnet: $3 in, $15 out per million tokens.
    expect(usage).toEqual({
      inputTokens: 1000,
      outputTokens: 2000,
      cacheWriteTokens: 0,
      cacheReadTokens: 0,
      costUsd: 0.033,
    });
    expect(seen).toEqual([usage]);
    expect(c.totalUsage()).toEqual(usage);
    const request = server.requests[0]!;
    expect(request.body.model).toBe("claude-sonnet-4-6");
    expect(request.body.messages).toEqual(hello.messages);
    expect(`${request.headers["x-api-key"] ?? ""} ${request.headers["authorization"] ?? ""}`).toContain(KEY);
  });

  it("returns tool_use blocks with stop_reason tool_use", async () => {
    server.enqueue({ content: [{ type: "tool_use", name: "read_file", input: { path: "a.ts" } }] });
    const { message } = await client().create(hello);
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content[0]).toMatchObject({
      type: "tool_use",
      name: "read_file",
      input: { path: "a.ts" },
    });
  });

  it("waits as long as a 429's retry-after says, then succeeds", async () => {
    server.enqueue({ status: 429, retryAfter: 2 }, { content: "ok" });
    const { message } = await client().create(hello);
    expect(message.content[0]).toMatchObject({ text: "ok" });
    expect(clock.sleeps).toEqual([2000]);
    expect(server.requests).toHaveLength(2);
  });

  it("lets the SDK's own retries absorb a short 429 and a 500", async () => {
    server.enqueue(
      { status: 429, retryAfter: 0.01 },
      { status: 500, headers: { "retry-after-ms": "5" } },
      { content: "ok" },
    );
    const { message } = await client({ maxRetries: 2 }).create(hello);
    expect(message.content[0]).toMatchObject({ text: "ok" });
    expect(server.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([]);
  });

  it.each([
    ["529 overloaded", { status: 529 }],
    ["500", { status: 500 }],
    ["503", { status: 503 }],
    ["a dropped connection", { drop: true as const }],
  ])("retries after %s with jittered backoff, then succeeds", async (_name, fault) => {
    server.enqueue(fault, { content: "recovered" });
    const { message } = await client().create(hello);
    expect(message.content[0]).toMatchObject({ text: "recovered" });
    // base 1000 ms, equal jitter with random 0.5: 500 + 250.
    expect(clock.sleeps).toEqual([750]);
  });

  it("backs off exponentially and gives up after the attempt cap with a TransientError", async () => {
    server.enqueue({ status: 529 }, { status: 529 }, { status: 529 }, { content: "too late" });
    const error = await failureOf(
      client({ retry: { attempts: 3, baseMs: 1000, random: () => 0 } }).create(hello),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe("gave up after 3 attempt(s): the Anthropic API is overloaded (529)");
    expect(clock.sleeps).toEqual([500, 1000]);
    expect(server.requests).toHaveLength(3);
    expect(server.pending()).toBe(1);
  });

  it("gives up at once when the server asks for a wait beyond the total-wait cap", async () => {
    server.enqueue({ status: 429, retryAfter: 600 }, { content: "never" });
    const error = await failureOf(client().create(hello));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(
      /^gave up after 1 attempt\(s\): the next wait \(600s\) would pass the 120s limit/,
    );
    expect((error as TransientError).retryAfterMs).toBe(600_000);
    expect(clock.sleeps).toEqual([]);
  });

  it("stops with a policy error on a 429 without retry-after (spend limit), without retrying", async () => {
    server.enqueue({
      status: 429,
      body: {
        type: "error",
        error: { type: "rate_limit_error", message: "You have reached your spend limit." },
      },
    });
    const error = await failureOf(client({ maxRetries: 2 }).create(hello));
    expect(error).toBeInstanceOf(PolicyError);
    expect(error.failureClass).toBe("policy");
    expect(error.message).toBe(
      "the Anthropic API refused the call: spend limit or quota reached (429): You have reached your spend limit.",
    );
    expect(server.requests).toHaveLength(1);
  });

  it("treats a spend-limit error code as policy even with retry-after", async () => {
    server.enqueue({
      status: 429,
      retryAfter: 1,
      body: {
        type: "error",
        error: {
          type: "rate_limit_error",
          message: "limit",
          details: { error_code: "enforced_spend_limit_reached" },
        },
      },
    });
    const error = await failureOf(client({ maxRetries: 2 }).create(hello));
    expect(error).toBeInstanceOf(PolicyError);
    expect(error.message).toContain("(429 enforced_spend_limit_reached)");
    expect(server.requests).toHaveLength(1);
  });

  it("fails at once on 401 with a clear message that never holds the key", async () => {
    server.enqueue({
      status: 401,
      body: { type: "error", error: { type: "authentication_error", message: `invalid x-api-key ${KEY}` } },
    });
    const error = await failureOf(client({ maxRetries: 2 }).create(hello));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe("the Anthropic API key was refused (401): check ANTHROPIC_API_KEY");
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("fails at once on 404 naming the model", async () => {
    // The fake server's default 404 body is the real API's: "model: <name>".
    server.enqueue({ status: 404 });
    const error = await failureOf(client({ model: "claude-nope" }).create(hello));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(
      "model claude-nope not found (404): check the model name in the configuration",
    );
  });

  it("blames the base URL, not the model, for a 404 that does not mention a model", async () => {
    server.enqueue({
      status: 404,
      body: { type: "error", error: { type: "not_found_error", message: "Not Found" } },
    });
    const error = await failureOf(client().create(hello));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe("the Anthropic API answered 404: check the API base URL: Not Found");
  });

  it("redacts the key from an error message the API echoes", async () => {
    server.enqueue({
      status: 400,
      body: { type: "error", error: { type: "invalid_request_error", message: `bad header ${KEY}` } },
    });
    const error = await failureOf(client().create(hello));
    expect(error.failureClass).toBe("internal");
    expect(error.message).toBe("the Anthropic API rejected the request (400): bad header [redacted]");
    expect(error.message).not.toContain("test-key");
  });

  it("fails loudly and without retries when the fake server has no scripted response", async () => {
    const error = await failureOf(client({ maxRetries: 2 }).create(hello));
    expect(error.failureClass).toBe("internal");
    expect(error.message).toContain("fake server: no scripted response for request #1");
    expect(server.requests).toHaveLength(1);
  });

  it("turns an aborted signal into CancelledError", async () => {
    server.enqueue({ content: "slow", delayMs: 2000 });
    const controller = new AbortController();
    const pending = client().create(hello, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await failureOf(pending);
    expect(error).toBeInstanceOf(CancelledError);
  });

  it("reports a timeout as transient and retries it", async () => {
    server.enqueue({ content: "slow", delayMs: 5000 }, { content: "fast" });
    const { message } = await client({ timeoutMs: 500 }).create(hello);
    expect(message.content[0]).toMatchObject({ text: "fast" });
    expect(clock.sleeps).toHaveLength(1);
  });

  it("accounts prompt-cache writes then reads for a repeated cached prefix", async () => {
    const system = [
      {
        type: "text" as const,
        text: "You are a planner. ".repeat(200),
        cache_control: { type: "ephemeral" as const },
      },
    ];
    server.enqueue({ content: "one" }, { content: "two" });
    const c = client();
    const first = await c.create({ ...hello, system });
    const second = await c.create({ ...hello, system, messages: [{ role: "user", content: "Say goodbye" }] });
    expect(first.usage.cacheWriteTokens).toBe(Math.ceil(system[0]!.text.length / 4));
    expect(first.usage.cacheReadTokens).toBe(0);
    expect(second.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
    expect(second.usage.cacheWriteTokens).toBe(0);
    expect(second.usage.costUsd).toBeLessThan(first.usage.costUsd);
    expect(cacheReadShare([first.usage, second.usage])).toBeGreaterThan(0.45);
  });

  it("reads the cache at earlier block boundaries when the breakpoint moves along a conversation", async () => {
    const system = [
      { type: "text" as const, text: "Rules. ".repeat(400), cache_control: { type: "ephemeral" as const } },
    ];
    const turn1 = { role: "user" as const, content: [{ type: "text" as const, text: "Task: ".repeat(200) }] };
    const reply = {
      role: "assistant" as const,
      content: [{ type: "text" as const, text: "Done part one. ".repeat(50) }],
    };
    const turn2 = {
      role: "user" as const,
      content: [{ type: "text" as const, text: "Now part two. ".repeat(50) }],
    };
    const mark = <T extends { content: object[] }>(m: T): T => ({
      ...m,
      content: m.content.map((b) => ({ ...b, cache_control: { type: "ephemeral" } })),
    });
    server.enqueue({ content: "a" }, { content: "b" });
    const c = client();
    const first = await c.create({ max_tokens: 10, system, messages: [mark(turn1)] });
    // The breakpoint moves to the new last message; the earlier one is no longer marked.
    const second = await c.create({ max_tokens: 10, system, messages: [turn1, reply, mark(turn2)] });
    expect(first.usage.cacheReadTokens).toBe(0);
    expect(second.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
    expect(second.usage.inputTokens).toBe(0);
    expect(second.usage.cacheWriteTokens).toBeGreaterThan(0);
  });

  it("lets an error thrown by onUsage (a budget stop) through unchanged and unretried", async () => {
    server.enqueue({ content: "expensive" }, { content: "unused" });
    const stop = new PolicyError("budget exhausted: $5.00 of $5.00");
    const error = await failureOf(
      client({
        onUsage: () => {
          throw stop;
        },
      }).create(hello),
    );
    expect(error).toBe(stop);
    expect(server.requests).toHaveLength(1);
  });

  it("prices an unknown model at the fallback and warns once", async () => {
    const warnings: string[] = [];
    server.enqueue({ content: "a", usage: { input_tokens: 1_000_000, output_tokens: 0 } }, { content: "b" });
    const c = client({ model: "mystery-model", onWarning: (m) => warnings.push(m) });
    const { usage } = await c.create(hello);
    await c.create(hello);
    expect(usage.costUsd).toBe(15);
    expect(warnings).toEqual(["no price known for model mystery-model; counting $15/$75 per million tokens"]);
  });

  it("refuses to start without an API key, and with both record and replay", () => {
    const saved = process.env["ANTHROPIC_API_KEY"];
    delete process.env["ANTHROPIC_API_KEY"];
    try {
      expect(() => createModelClient({ model: "claude-sonnet-4-6" })).toThrow(
        "no Anthropic API key: set ANTHROPIC_API_KEY (or replay a cassette)",
      );
    } finally {
      if (saved !== undefined) process.env["ANTHROPIC_API_KEY"] = saved;
    }
    expect(() => createModelClient({ apiKey: KEY, model: "m", record: "a", replay: "b" })).toThrow(
      UsageError,
    );
  });
});

describe("streaming", () => {
  it("streams a large-max_tokens call and returns the same complete message and usage", async () => {
    const content = [
      { type: "text" as const, text: "Reading the file first." },
      {
        type: "tool_use" as const,
        id: "toolu_1",
        name: "read_file",
        input: { path: "src/a.ts", range: { startLine: 1 } },
      },
    ];
    server.enqueue(
      { content, usage: { input_tokens: 500, output_tokens: 40 } },
      { content, usage: { input_tokens: 500, output_tokens: 40 } },
    );
    const c = client();
    const streamed = await c.create({ ...hello, max_tokens: 32_000 });
    const plain = await c.create(hello);
    expect(server.requests[0]!.body.stream).toBe(true);
    expect(server.requests[1]!.body.stream).toBeUndefined();
    expect(streamed.message.content).toEqual(plain.message.content);
    expect(streamed.message.stop_reason).toBe("tool_use");
    expect(streamed.usage).toEqual(plain.usage);
    expect(streamed.usage.outputTokens).toBe(40);
  });

  it("retries when the stream fails midway with overloaded_error", async () => {
    server.enqueue({ streamError: "overloaded_error", message: "Overloaded" }, { content: "second try" });
    const { message } = await client({ streaming: "always" }).create(hello);
    expect(message.content[0]).toMatchObject({ text: "second try" });
    expect(clock.sleeps).toEqual([750]);
  });

  it("does not retry a stream that fails midway with a request error", async () => {
    server.enqueue(
      { streamError: "invalid_request_error", message: "bad tool schema" },
      { content: "unused" },
    );
    const error = await failureOf(client({ streaming: "always" }).create(hello));
    expect(error.failureClass).toBe("internal");
    expect(error.message).toBe("the Anthropic API stream failed (invalid_request_error): bad tool schema");
  });

  it("retries a streamed call after a 529", async () => {
    server.enqueue({ status: 529 }, { content: "streamed" });
    const { message } = await client({ streaming: "always" }).create(hello);
    expect(message.content[0]).toMatchObject({ type: "text", text: "streamed" });
    expect(clock.sleeps).toHaveLength(1);
    expect(server.requests.map((r) => r.body.stream)).toEqual([true, true]);
  });
});

describe("pricing and usage", () => {
  it("prices the Claude 4 families per million tokens, cache write 1.25x and read 0.1x input", () => {
    expect(priceOf("claude-sonnet-4-6")).toMatchObject({
      family: "claude-sonnet-4-x",
      input: 3,
      output: 15,
      cacheWrite: 3.75,
      known: true,
    });
    expect(priceOf("claude-sonnet-4-5-20250929").cacheRead).toBeCloseTo(0.3);
    expect(priceOf("claude-haiku-4-5")).toMatchObject({ input: 1, output: 5, cacheWrite: 1.25 });
    expect(priceOf("claude-opus-4-6")).toMatchObject({ input: 5, output: 25 });
    expect(priceOf("claude-opus-4-1-20250805")).toMatchObject({ input: 15, output: 75 });
    expect(priceOf("claude-opus-4-20250514")).toMatchObject({ input: 15, output: 75 });
    expect(priceOf("gpt-9")).toMatchObject({ family: undefined, input: 15, output: 75, known: false });
  });

  it("computes cost from all four token kinds", () => {
    const usage = usageFromApi("claude-sonnet-4-6", {
      input_tokens: 1_000_000,
      output_tokens: 100_000,
      cache_creation_input_tokens: 200_000,
      cache_read_input_tokens: 2_000_000,
    });
    // 3 + 1.5 + 0.75 + 0.6
    expect(usage.costUsd).toBeCloseTo(5.85, 10);
    expect(usageFromApi("claude-sonnet-4-6", null)).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      cacheWriteTokens: 0,
      cacheReadTokens: 0,
      costUsd: 0,
    });
  });

  it("takes overrides ahead of the defaults, longest prefix first", () => {
    const table = pricingFrom({
      "claude-sonnet": { input: 1, output: 2 },
      "claude-sonnet-4-6": { input: 10, output: 20, cacheRead: 0 },
    });
    expect(priceOf("claude-sonnet-4-6", table)).toMatchObject({ input: 10, cacheRead: 0, cacheWrite: 12.5 });
    expect(priceOf("claude-sonnet-4-5", table)).toMatchObject({ input: 1 });
    expect(priceOf("claude-haiku-4-5", table)).toEqual(priceOf("claude-haiku-4-5", DEFAULT_PRICING));
  });

  it("sums usages and measures the cache-read share of prompt tokens", () => {
    const a = {
      inputTokens: 100,
      outputTokens: 10,
      cacheWriteTokens: 900,
      cacheReadTokens: 0,
      costUsd: 0.01,
    };
    const b = {
      inputTokens: 100,
      outputTokens: 10,
      cacheWriteTokens: 0,
      cacheReadTokens: 900,
      costUsd: 0.002,
    };
    expect(totalUsage([a, b])).toEqual({
      inputTokens: 200,
      outputTokens: 20,
      cacheWriteTokens: 900,
      cacheReadTokens: 900,
      costUsd: 0.012,
    });
    expect(cacheReadShare([a, b])).toBeCloseTo(0.45);
    expect(cacheReadShare([])).toBe(0);
    expect(formatUsage(totalUsage([a, b]))).toBe("$0.0120 (2.0k in, 20 out, 45% cached)");
  });
});

describe("failures without a server", () => {
  it("reports an unreachable API as transient after bounded retries", async () => {
    const url = server.url;
    await server.close();
    server = await startFakeMessagesServer();
    const error = await failureOf(
      client({ baseURL: url, retry: { attempts: 2, baseMs: 10, random: () => 0 } }).create(hello),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/^gave up after 2 attempt\(s\): could not reach the Anthropic API/);
    expect(clock.sleeps).toEqual([5]);
  });

  it("stops waiting at once when cancelled during a backoff", async () => {
    server.enqueue({ status: 529 }, { content: "late" });
    const controller = new AbortController();
    // The real sleep, cancelled just after it starts: deterministic, no race with the request.
    const cancellingClock: Clock = {
      now: () => Date.now(),
      sleep: (ms, signal) => {
        const sleeping = systemClock.sleep(ms, signal);
        queueMicrotask(() => controller.abort());
        return sleeping;
      },
    };
    const c = client({ clock: cancellingClock, retry: { baseMs: 60_000 } });
    const error = await failureOf(c.create(hello, { signal: controller.signal }));
    expect(error).toBeInstanceOf(CancelledError);
    expect(server.requests).toHaveLength(1);
  });
});

describe("error helpers", () => {
  it("reads retry-after-ms, retry-after seconds and HTTP dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMsOf(new Headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMsOf(new Headers({ "retry-after": "3" }))).toBe(3000);
    expect(retryAfterMsOf(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:10 GMT" }), now)).toBe(10_000);
    expect(retryAfterMsOf(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMsOf(new Headers())).toBeUndefined();
    expect(retryAfterMsOf(undefined)).toBeUndefined();
  });

  it("tells quota from rate limits", () => {
    const withRetry = new Headers({ "retry-after": "1" });
    expect(isQuotaExhausted(429, withRetry, {})).toBe(false);
    expect(isQuotaExhausted(429, new Headers(), {})).toBe(true);
    expect(
      isQuotaExhausted(429, withRetry, {
        error: { details: { error_code: "contract_spend_limit_reached" } },
      }),
    ).toBe(true);
    expect(isQuotaExhausted(402, withRetry, {})).toBe(true);
    expect(isQuotaExhausted(529, new Headers(), {})).toBe(false);
  });

  it("passes our own errors through and wraps unknown ones as internal, redacted", () => {
    const ours = new PolicyError("budget exhausted");
    expect(translateAnthropicError(ours)).toBe(ours);
    const wrapped = translateAnthropicError(new Error(`boom ${KEY}`));
    expect(wrapped.failureClass).toBe("internal");
    expect(wrapped.message).toBe("model call failed: boom [redacted]");
  });
});

describe("the fake server's request checks", () => {
  const toolUse = {
    role: "assistant",
    content: [{ type: "tool_use", id: "t1", name: "read_file", input: {} }],
  };
  const toolResult = (id: string) => ({
    role: "user",
    content: [{ type: "tool_result", tool_use_id: id, content: "x" }],
  });
  const base = { model: "claude-sonnet-4-6", max_tokens: 10 };

  it.each([
    ["no model", { max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, "model: Field required"],
    [
      "no max_tokens",
      { model: "m", messages: [{ role: "user", content: "hi" }] },
      "max_tokens: Field required",
    ],
    ["no messages", { ...base, messages: [] }, "messages: at least one message is required"],
    [
      "bad role",
      { ...base, messages: [{ role: "system", content: "hi" }] },
      "messages.0.role: Input should be 'user' or 'assistant'",
    ],
    [
      "blank user text",
      { ...base, messages: [{ role: "user", content: "  " }] },
      "messages.0: text content blocks must contain non-whitespace text",
    ],
    [
      "tool_use without its tool_result",
      { ...base, messages: [{ role: "user", content: "go" }, toolUse, { role: "user", content: "next" }] },
      "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: t1.",
    ],
    [
      "tool_result for an unknown tool_use",
      {
        ...base,
        messages: [{ role: "user", content: "go" }, { role: "assistant", content: "ok" }, toolResult("t9")],
      },
      "messages.2.content: unexpected `tool_use_id` found in `tool_result` blocks: t9.",
    ],
  ])("refuses %s", (_name, body, message) => {
    expect(validateMessagesRequest(body)).toContain(message);
  });

  it("accepts a well-formed tool round trip", () => {
    expect(
      validateMessagesRequest({
        ...base,
        messages: [{ role: "user", content: "go" }, toolUse, toolResult("t1")],
      }),
    ).toBeUndefined();
  });

  it("answers a malformed request with a 400 the client reports as internal, without using the queue", async () => {
    server.enqueue({ content: "unused" });
    const bad = {
      max_tokens: 10,
      messages: [
        { role: "user" as const, content: "go" },
        { role: "assistant", content: "ok" },
        toolResult("t9"),
      ],
    };
    const error = await failureOf(client({ maxRetries: 2 }).create(bad as never));
    expect(error.failureClass).toBe("internal");
    expect(error.message).toMatch(
      /^the Anthropic API rejected the request \(400\): messages\.2\.content: unexpected `tool_use_id`/,
    );
    expect(server.pending()).toBe(1);
    expect(server.requests).toHaveLength(1);
  });
});
