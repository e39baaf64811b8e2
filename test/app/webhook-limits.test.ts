/**
 * The public port: a webhook body larger than GitHub ever sends is refused on its declared length
 * before it is read, whatever the signature, and `/metrics` answers only with its bearer token when
 * one is configured.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { capRequestBodies, MAX_WEBHOOK_BYTES } from "../../src/app/body-limit.js";
import { createMetrics, metricsHandler } from "../../src/app/metrics.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A server whose listener counts the body bytes it reads, behind the cap. */
async function start(listener: Parameters<typeof createServer>[1]): Promise<number> {
  server = createServer(listener);
  capRequestBodies(server, MAX_WEBHOOK_BYTES);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function send(
  port: number,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string | number>;
    body?: Buffer;
    chunks?: number;
  },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: options.method ?? "POST",
        path: options.path ?? "/api/github/webhooks",
        headers: options.headers ?? {},
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error),
    );
    if (options.body) req.write(options.body);
    for (let i = 0; i < (options.chunks ?? 0); i++) req.write(Buffer.alloc(1024, 1));
    req.end();
  });
}

describe("webhook body cap", () => {
  const SIGNED = { "x-github-event": "issue_comment", "x-hub-signature-256": "sha256=" + "0".repeat(64) };
  const CASES: [string, Record<string, string | number>, number, RegExp][] = [
    [
      "a 40 MiB body with a wrong signature",
      { ...SIGNED, "content-length": 40 * 1024 * 1024 },
      413,
      /larger than 26214400 bytes/,
    ],
    [
      "a body one byte over 25 MB",
      { ...SIGNED, "content-length": MAX_WEBHOOK_BYTES + 1 },
      413,
      /larger than/,
    ],
    ["a chunked body without a length", { ...SIGNED, "transfer-encoding": "chunked" }, 411, /Content-Length/],
  ];

  it.each(CASES)("refuses %s before reading it", async (_name, headers, status, message) => {
    let reached = 0;
    const port = await start((req, res) => {
      reached++;
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    const answer = await send(port, { headers, chunks: 4 });
    expect(answer.status).toBe(status);
    expect(answer.body).toMatch(message);
    expect(reached).toBe(0);
  });

  it("passes a body within the cap to the webhook handler", async () => {
    let bytes = 0;
    const port = await start((req, res) => {
      req.on("data", (c: Buffer) => (bytes += c.length));
      req.on("end", () => res.end("ok"));
    });
    const body = Buffer.from(JSON.stringify({ action: "created" }));
    const answer = await send(port, { headers: { "content-length": body.length }, body });
    expect(answer).toEqual({ status: 200, body: "ok" });
    expect(bytes).toBe(body.length);
  });
});

describe("/metrics behind a bearer token", () => {
  const TOKEN = "metrics-token-0123456789";

  async function metricsServer(token?: string): Promise<number> {
    const handler = metricsHandler(createMetrics(), token);
    return start((req, res) => void handler(req, res).then((done) => done || res.writeHead(404).end()));
  }

  const ATTEMPTS: [string, Record<string, string>, number][] = [
    ["no header", {}, 401],
    ["a wrong token", { authorization: "Bearer wrong" }, 401],
    ["a token with one more character", { authorization: `Bearer ${TOKEN}x` }, 401],
    ["the token as basic auth", { authorization: `Basic ${TOKEN}` }, 401],
    ["the token in the query only", {}, 401],
    ["the right token", { authorization: `Bearer ${TOKEN}` }, 200],
  ];

  it.each(ATTEMPTS)("answers %s with %i", async (name, headers, status) => {
    const port = await metricsServer(TOKEN);
    const path = name.includes("query") ? `/metrics?token=${TOKEN}` : "/metrics";
    const answer = await send(port, { method: "GET", path, headers });
    expect(answer.status).toBe(status);
    if (status === 200) expect(answer.body).toContain("planwright_");
    else expect(answer.body).not.toContain("planwright_");
  });

  it("serves openly without a token", async () => {
    const port = await metricsServer();
    expect((await send(port, { method: "GET", path: "/metrics" })).status).toBe(200);
  });
});
