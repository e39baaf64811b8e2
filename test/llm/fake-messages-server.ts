/**
 * A local fake of the Anthropic Messages API (POST /v1/messages) for tests that drive the REAL
 * `@anthropic-ai/sdk` through `baseURL`. Responses are scripted in a queue; faults (429, 529, 5xx,
 * dropped sockets) can be injected; usage is computed realistically (about 4 characters per token,
 * prompt-cache writes and reads from `cache_control` breakpoints) so cost and cache-share
 * measurements made against it mean something.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are arbitrary JSON here */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { validateMessagesRequest } from "./validate-messages-request.js";

export { validateMessagesRequest };

/** One request as the fake server received it. */
export interface RecordedRequest {
  /** 1-based position among all requests the server received (faults included). */
  index: number;
  method: string;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: any;
}

/** A content block of a scripted assistant message. */
export type FakeContentBlock =
  { type: "text"; text: string } | { type: "tool_use"; id?: string; name: string; input: unknown };

/** A scripted assistant message; anything left out is filled in realistically. */
export interface FakeMessage {
  /** A string is one text block. */
  content: string | FakeContentBlock[];
  /** Defaults to `tool_use` when a tool_use block is present, `end_turn` otherwise. */
  stop_reason?: "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "pause_turn" | "refusal";
  /** Overrides of the computed usage. */
  usage?: Partial<FakeUsage>;
  /** Defaults to the model of the request. */
  model?: string;
  /** Wait this long before answering (e.g. to exercise client timeouts). */
  delayMs?: number;
}

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** An HTTP error response, or a socket destroyed without any answer. */
export type FakeFault =
  | { status: 429; retryAfter?: number; body?: unknown; headers?: Record<string, string> }
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { drop: true }
  /** A streamed request that starts fine and then gets an SSE `error` event (e.g. overloaded_error). */
  | { streamError: string; message?: string };

export type FakeReply = FakeMessage | FakeFault;

/** A scripted reply, or a function computing one from the request. */
export type FakeResponse = FakeReply | ((request: RecordedRequest) => FakeReply | Promise<FakeReply>);

export interface FakeServerOptions {
  /** Prefixes shorter than this many tokens are not cached (the real API uses 1024 or more). Default 0. */
  minCacheableTokens?: number;
  /** Answer malformed requests with a 400 as the real API does (default true). */
  validate?: boolean;
  /** Answers every request the queue has nothing for (default: a loud 500). */
  fallback?: FakeResponse;
}

export interface FakeMessagesServer {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `baseURL`. */
  url: string;
  requests: RecordedRequest[];
  enqueue(...responses: FakeResponse[]): void;
  /** Scripted responses not yet used. */
  pending(): number;
  close(): Promise<void>;
}

const DEFAULT_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

/** How far before a breakpoint the API looks for an earlier cache entry. */
const LOOKBACK_BLOCKS = 20;

/** Rough token count: about four characters per token, as the real tokenizer averages on English and code. */
export function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

interface Segment {
  text: string;
  breakpoint: boolean;
}

/** Flattens a request into cacheable segments in the API's prefix order: tools, system, messages. */
function segmentsOf(body: any): Segment[] {
  const segments: Segment[] = [];
  const push = (value: unknown, block: any): void => {
    // cache_control marks a breakpoint; it is not part of the cached content.
    const content =
      value && typeof value === "object" ? { ...(value as object), cache_control: undefined } : value;
    segments.push({
      text: typeof content === "string" ? content : JSON.stringify(content),
      breakpoint: Boolean(block && typeof block === "object" && block.cache_control),
    });
  };
  for (const tool of Array.isArray(body?.tools) ? body.tools : []) push(tool, tool);
  if (typeof body?.system === "string") push(body.system, undefined);
  else if (Array.isArray(body?.system)) for (const block of body.system) push(block?.text ?? block, block);
  for (const message of Array.isArray(body?.messages) ? body.messages : []) {
    if (typeof message?.content === "string") push(`${message.role}: ${message.content}`, undefined);
    else if (Array.isArray(message?.content))
      for (const block of message.content) push(block?.type === "text" ? block.text : block, block);
  }
  return segments;
}

export async function startFakeMessagesServer(options: FakeServerOptions = {}): Promise<FakeMessagesServer> {
  const minCacheable = options.minCacheableTokens ?? 0;
  const queue: FakeResponse[] = [];
  const requests: RecordedRequest[] = [];
  const cache = new Set<string>();
  let messageCounter = 0;

  const computeUsage = (body: any, outputText: string): FakeUsage => {
    const segments = segmentsOf(body);
    const total = segments.reduce((sum, s) => sum + approxTokens(s.text), 0);
    const hash = createHash("sha256");
    hash.update(String(body?.model));
    let tokens = 0;
    // A hash and token count at every block boundary: the API looks for earlier cache entries at
    // boundaries up to 20 blocks before each breakpoint, so incremental caching hits.
    const boundaries: { key: string; tokens: number; breakpoint: boolean }[] = [];
    for (const segment of segments) {
      hash.update("\u0000" + segment.text);
      tokens += approxTokens(segment.text);
      boundaries.push({ key: hash.copy().digest("hex"), tokens, breakpoint: segment.breakpoint });
    }
    let read = 0;
    let lastBreakpoint = -1;
    boundaries.forEach((boundary, i) => {
      if (!boundary.breakpoint) return;
      lastBreakpoint = i;
      for (let j = i; j >= Math.max(0, i - LOOKBACK_BLOCKS + 1); j--) {
        const candidate = boundaries[j]!;
        if (cache.has(candidate.key)) read = Math.max(read, candidate.tokens);
      }
    });
    let write = 0;
    const longest = boundaries[lastBreakpoint];
    if (longest && longest.tokens > read && longest.tokens >= minCacheable) write = longest.tokens - read;
    for (const boundary of boundaries)
      if (boundary.breakpoint && boundary.tokens >= minCacheable) cache.add(boundary.key);
    return {
      input_tokens: total - read - write,
      output_tokens: Math.max(1, approxTokens(outputText)),
      cache_creation_input_tokens: write,
      cache_read_input_tokens: read,
    };
  };

  const buildMessage = (request: RecordedRequest, scripted: FakeMessage): object => {
    messageCounter += 1;
    const blocks: FakeContentBlock[] =
      typeof scripted.content === "string" ? [{ type: "text", text: scripted.content }] : scripted.content;
    const content = blocks.map((block, i) =>
      block.type === "text"
        ? { type: "text", text: block.text, citations: null }
        : {
            type: "tool_use",
            id: block.id ?? `toolu_fake_${messageCounter}_${i}`,
            name: block.name,
            input: block.input,
          },
    );
    const outputText = blocks.map((b) => (b.type === "text" ? b.text : JSON.stringify(b.input))).join("");
    const usage = { ...computeUsage(request.body, outputText), ...scripted.usage };
    return {
      id: `msg_fake_${messageCounter}`,
      type: "message",
      role: "assistant",
      model: scripted.model ?? request.body?.model ?? "claude-fake",
      content,
      stop_reason:
        scripted.stop_reason ?? (blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn"),
      stop_sequence: null,
      usage: {
        ...usage,
        cache_creation: null,
        inference_geo: null,
        output_tokens_details: null,
        server_tool_use: null,
        service_tier: "standard",
        speed: null,
      },
    };
  };

  const sendJson = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
      "request-id": `req_fake_${requests.length}`,
      ...headers,
    });
    res.end(text);
  };

  const errorBody = (status: number, message: string) => ({
    type: "error",
    error: {
      type: DEFAULT_ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error"),
      message,
    },
  });

  const sendStream = (res: ServerResponse, message: any) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const event = (type: string, data: object) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    event("message_start", {
      message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
    });
    message.content.forEach((block: any, index: number) => {
      if (block.type === "text") {
        event("content_block_start", { index, content_block: { type: "text", text: "", citations: null } });
        event("content_block_delta", { index, delta: { type: "text_delta", text: block.text } });
      } else {
        event("content_block_start", { index, content_block: { ...block, input: {} } });
        event("content_block_delta", {
          index,
          delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
        });
      }
      event("content_block_stop", { index });
    });
    event("message_delta", {
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: message.usage,
    });
    event("message_stop", {});
    res.end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
    }
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const recorded: RecordedRequest = {
      index: requests.length + 1,
      method: req.method ?? "GET",
      path,
      headers,
      body,
    };
    requests.push(recorded);

    if (recorded.method !== "POST" || path !== "/v1/messages") {
      sendJson(res, 404, errorBody(404, `fake server: no route ${recorded.method} ${path}`), {
        "x-should-retry": "false",
      });
      return;
    }
    const invalid = options.validate === false ? undefined : validateMessagesRequest(body);
    if (invalid !== undefined) {
      // As the real API does: a 400 for a malformed request, which the SDK does not retry.
      sendJson(res, 400, errorBody(400, invalid));
      return;
    }
    const next = queue.shift() ?? options.fallback;
    if (next === undefined) {
      // x-should-retry: false keeps the SDK from retrying, so the test fails at once and loudly.
      sendJson(res, 500, errorBody(500, `fake server: no scripted response for request #${recorded.index}`), {
        "x-should-retry": "false",
      });
      return;
    }
    const reply = typeof next === "function" ? await next(recorded) : next;
    if ("drop" in reply) {
      req.socket.destroy();
      return;
    }
    if ("streamError" in reply) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const started = buildMessage(recorded, { content: [] });
      res.write(
        `event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: started })}\n\n`,
      );
      const error = {
        type: "error",
        error: { type: reply.streamError, message: reply.message ?? reply.streamError },
      };
      res.end(`event: error\ndata: ${JSON.stringify(error)}\n\n`);
      return;
    }
    if ("status" in reply) {
      const extra: Record<string, string> = { ...reply.headers };
      if ("retryAfter" in reply && reply.retryAfter !== undefined)
        extra["retry-after"] = String(reply.retryAfter);
      const message =
        reply.status === 529
          ? "Overloaded"
          : reply.status === 429
            ? "Rate limited"
            : reply.status === 404
              ? `model: ${String((body as { model?: unknown } | undefined)?.model)}`
              : `fake error ${reply.status}`;
      sendJson(res, reply.status, reply.body ?? errorBody(reply.status, message), extra);
      return;
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (res.destroyed) return;
    const message = buildMessage(recorded, reply);
    if ((body as { stream?: boolean } | undefined)?.stream) sendStream(res, message);
    else sendJson(res, 200, message);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, errorBody(500, `fake server: ${String(error)}`), { "x-should-retry": "false" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...responses) => {
      queue.push(...responses);
    },
    pending: () => queue.length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
