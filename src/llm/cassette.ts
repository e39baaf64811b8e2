/**
 * Record and replay of model calls ("cassettes"), as `fetch` functions handed to the SDK so the real
 * SDK code path runs in both modes. A cassette is JSON lines, one per successful exchange:
 * `{ hash, request, response, usage }`. The hash covers the request body with keys sorted and
 * volatile fields left out, so the same conversation replays even when metadata differs. Stored
 * requests and responses are redacted, and the hash is taken after redaction: a conversation whose
 * replayed (redacted) answers flow into later requests still finds those requests.
 */
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Usage } from "../engine/ports.js";
import { PlanwrightError, UsageError } from "../errors.js";
import { redact, redactDeep } from "../redact.js";

/** The `fetch` shape the SDK accepts. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Request fields that do not change the answer (or change on every run) and so stay out of the hash. */
const VOLATILE_FIELDS = new Set(["metadata", "stream"]);

/** One line of a cassette: a successful exchange. */
export interface CassetteEntry {
  hash: string;
  /** The request body, redacted. */
  request: unknown;
  response: { status: number; contentType: string; body: unknown };
  usage?: Usage;
}

/** A request held by a cassette was not found: replay cannot answer without the network. */
export class ReplayMissError extends PlanwrightError {
  constructor(message: string) {
    super("usage", message);
  }
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = canonical(item);
    }
    return out;
  }
  return value;
}

/** sha256 (hex) of the request body with keys sorted, volatile top-level fields excluded. */
export function canonicalRequestHash(body: unknown): string {
  let subject = body;
  if (body !== null && typeof body === "object" && !Array.isArray(body)) {
    subject = Object.fromEntries(Object.entries(body).filter(([key]) => !VOLATILE_FIELDS.has(key)));
  }
  return createHash("sha256")
    .update(JSON.stringify(canonical(subject)))
    .digest("hex");
}

/** The key of a request in a cassette: its canonical hash after redacting token formats. */
export function cassetteKey(body: unknown): string {
  return canonicalRequestHash(redactDeep(body, redact));
}

/** "claude-sonnet-4-6, "Add two-factor…"": enough of a request for a person to recognise it. */
export function describeRequest(body: unknown): string {
  const request = body as { model?: unknown; messages?: { role?: string; content?: unknown }[] } | undefined;
  const model = typeof request?.model === "string" ? request.model : "unknown model";
  const firstUser = request?.messages?.find((m) => m?.role === "user");
  let text = "";
  if (typeof firstUser?.content === "string") text = firstUser.content;
  else if (Array.isArray(firstUser?.content)) {
    const block = firstUser.content.find((b: { type?: string }) => b?.type === "text") as
      { text?: string } | undefined;
    text = block?.text ?? "";
  }
  const oneLine = redact(text).replace(/\s+/g, " ").trim();
  return oneLine ? `${model}, "${oneLine.length > 60 ? `${oneLine.slice(0, 60)}…` : oneLine}"` : model;
}

async function bodyText(input: string | URL | Request, init?: RequestInit): Promise<string> {
  const body = init?.body ?? (input instanceof Request ? await input.clone().text() : undefined);
  if (body === undefined || body === null) return "";
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array || body instanceof ArrayBuffer)
    return Buffer.from(body as ArrayBuffer).toString("utf8");
  return await new Response(body as ConstructorParameters<typeof Response>[0]).text();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The final token counts of a streamed (SSE) response: message_start's, updated by message_delta's. */
export function usageFromEventStream(text: string): Record<string, number> | undefined {
  let usage: Record<string, number> | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const event = parseJson(line.slice(5).trim()) as
      | { type?: string; message?: { usage?: Record<string, unknown> }; usage?: Record<string, unknown> }
      | undefined;
    const found =
      event?.type === "message_start"
        ? event.message?.usage
        : event?.type === "message_delta"
          ? event.usage
          : undefined;
    if (!found) continue;
    usage ??= {};
    for (const [key, value] of Object.entries(found)) if (typeof value === "number") usage[key] = value;
  }
  return usage;
}

/** Options of createRecordingFetch. */
export interface RecordingOptions {
  /** The real fetch (default: the global one). */
  fetch?: FetchLike;
  /** Applied to every string of the stored request and response (give it the API key). */
  redactor?: (text: string) => string;
  /** Our usage for a successful response body, stored alongside it. */
  usageOf?: (requestBody: unknown, responseBody: unknown) => Usage | undefined;
}

/**
 * A fetch that passes requests through and appends every successful exchange to `path` (JSON
 * lines; the file is created, never truncated). Failed attempts are not recorded: they are
 * retried, and replaying them would only re-enact the waits.
 */
export function createRecordingFetch(path: string, options: RecordingOptions = {}): FetchLike {
  const realFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const clean = options.redactor ?? redact;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new UsageError(`record: cannot create the folder of ${path}: ${(error as Error).message}`);
  }
  return async (input, init) => {
    const requestText = await bodyText(input, init);
    const response = await realFetch(input, init);
    if (!response.ok) return response;
    const requestBody = parseJson(requestText);
    const contentType = response.headers.get("content-type") ?? "application/json";
    const responseText = await response.clone().text();
    const responseBody = contentType.includes("json") ? parseJson(responseText) : responseText;
    const entry: CassetteEntry = {
      hash: cassetteKey(requestBody),
      request: redactDeep(requestBody, clean),
      response: { status: response.status, contentType, body: redactDeep(responseBody, clean) },
    };
    const usage = options.usageOf?.(requestBody, responseBody);
    if (usage) entry.usage = usage;
    appendFileSync(path, `${JSON.stringify(entry)}\n`);
    return response;
  };
}

/** Reads a cassette; a missing file or a bad line is a one-line UsageError naming the place. */
export function readCassette(path: string): CassetteEntry[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`replay: cannot read cassette ${path}${code ? ` (${code})` : ""}`);
  }
  const entries: CassetteEntry[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let entry: Partial<CassetteEntry>;
    try {
      entry = JSON.parse(line) as Partial<CassetteEntry>;
    } catch {
      throw new UsageError(`replay: ${path}:${i + 1}: not a JSON cassette entry`);
    }
    if (typeof entry?.hash !== "string" || typeof entry.response?.status !== "number") {
      throw new UsageError(`replay: ${path}:${i + 1}: a cassette entry needs "hash" and "response.status"`);
    }
    entries.push(entry as CassetteEntry);
  });
  return entries;
}

/**
 * A fetch that answers from a cassette with no network at all. The same request asked several
 * times gets its recorded answers in order; a request the cassette does not hold fails with
 * ReplayMissError.
 */
export function createReplayFetch(path: string): FetchLike {
  const byHash = new Map<string, CassetteEntry[]>();
  for (const entry of readCassette(path)) {
    const list = byHash.get(entry.hash) ?? [];
    list.push(entry);
    byHash.set(entry.hash, list);
  }
  const served = new Map<string, number>();
  return async (input, init) => {
    const requestBody = parseJson(await bodyText(input, init));
    const hash = cassetteKey(requestBody);
    const list = byHash.get(hash);
    const count = served.get(hash) ?? 0;
    const entry = list?.[count];
    if (!entry) {
      const what = `request ${hash.slice(0, 12)} (${describeRequest(requestBody)})`;
      throw new ReplayMissError(
        list
          ? `replay: ${what} was recorded ${list.length} time(s) and is asked for again`
          : `replay: no recorded response for ${what}`,
      );
    }
    served.set(hash, count + 1);
    const { status, contentType, body } = entry.response;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return new Response(text, {
      status,
      headers: {
        "content-type": contentType || "application/json",
        "request-id": `req_replay_${hash.slice(0, 12)}`,
      },
    });
  };
}
