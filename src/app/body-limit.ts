/**
 * A cap on request bodies in front of the webhook endpoint. Probot reads a whole body before it
 * checks the signature, so without a cap anyone who can reach the port makes the App buffer as much
 * as they send (a 40 MiB body with a wrong signature cost about 800 MiB). GitHub's payloads are at
 * most 25 MB and always carry Content-Length, so a body is refused on its declared length before a
 * byte of it is read (Node's parser never reads past that length), and a POST without a length is
 * refused as well.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

function refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json", connection: "close" });
  // the connection goes away after the answer, so the body is never read
  res.end(JSON.stringify({ error: message }), () => req.destroy());
}

/** Why a request is refused before its body is read, if it is: status and message. */
export function bodyRefusal(req: IncomingMessage, maxBytes: number): [number, string] | undefined {
  const length = req.headers["content-length"];
  const hasBody = req.method !== "GET" && req.method !== "HEAD" && req.method !== "OPTIONS";
  if (length === undefined) {
    return hasBody && req.headers["transfer-encoding"] !== undefined
      ? [411, "a request body needs a Content-Length"]
      : undefined;
  }
  const bytes = Number(length);
  if (!/^\d+$/.test(length) || !Number.isSafeInteger(bytes)) return [400, "invalid Content-Length"];
  if (bytes > maxBytes) return [413, `request body of ${bytes} bytes is larger than ${maxBytes} bytes`];
  return undefined;
}

/**
 * Puts the cap in front of every request listener `server` has: a refused request never reaches
 * them. Call it after the listeners are attached (Probot's Server attaches its own on creation).
 */
export function capRequestBodies(server: Server, maxBytes: number = MAX_WEBHOOK_BYTES): void {
  const listeners = server.listeners("request") as Listener[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const refusal = bodyRefusal(req, maxBytes);
    if (refusal) return refuse(req, res, ...refusal);
    for (const listener of listeners) listener(req, res);
  });
}
