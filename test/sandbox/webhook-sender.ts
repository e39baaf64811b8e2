/**
 * Webhook deliveries the way GitHub sends them: a JSON POST with the event, a delivery id and an
 * `X-Hub-Signature-256` HMAC of the body under the webhook secret (or, to test refusals, a wrong
 * signature or none).
 */
import { createHmac } from "node:crypto";

export interface DeliveryRecord {
  id: string;
  event: string;
  action: string;
  /** HTTP status of the answer; -1 when the connection failed. */
  status: number;
  /** Time to the complete answer. */
  ms: number;
  body: string;
}

export type Signature = "valid" | "wrong" | "none";

/** POSTs one delivery to `webhook.url`; resolves to its record (never throws). */
export async function sendDelivery(
  webhook: { url: string; secret: string } | undefined,
  event: string,
  body: string,
  id: string,
  signature: Signature,
): Promise<DeliveryRecord> {
  const action = String((JSON.parse(body) as { action?: unknown }).action ?? "");
  const record: DeliveryRecord = { id, event, action, status: 0, ms: 0, body };
  if (!webhook) return record;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/sandbox",
    "x-github-event": event,
    "x-github-delivery": id,
    "x-github-hook-id": "1",
  };
  const secret = signature === "wrong" ? `${webhook.secret}-wrong` : webhook.secret;
  if (signature !== "none") {
    headers["x-hub-signature-256"] = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  }
  const started = performance.now();
  try {
    const response = await fetch(webhook.url, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    record.status = response.status;
  } catch {
    record.status = -1;
  }
  record.ms = performance.now() - started;
  return record;
}
