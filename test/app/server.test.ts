import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Probot, Server } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app/app.js";
import { missingEnv, privateKeyFrom, registrationHelp } from "../../src/app/server.js";
import { PRIVATE_KEY, TestOctokit, startHarness, testModel, type Harness } from "./app-harness.js";
import { ALICE, REPO_FILES } from "./fixtures.js";
import { postComment } from "./plan-pr-setup.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

describe("npm start without credentials", () => {
  it("prints how to register the App from app.yml and exits 1, without touching the network", async () => {
    const env = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" };
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", join(ROOT, "src/app/server.ts")],
        { cwd: ROOT, env, timeout: 60_000 },
        (error, _stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/APP_ID, PRIVATE_KEY, WEBHOOK_SECRET are not set/);
    expect(result.stderr).toMatch(/settings\/apps\/new/);
    expect(result.stderr).toMatch(/contents: write/);
    expect(result.stderr).toMatch(/pull_request_review/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("names exactly the missing variables; PRIVATE_KEY_PATH stands in for PRIVATE_KEY", () => {
    expect(missingEnv({ APP_ID: "1", PRIVATE_KEY_PATH: "key.pem" })).toEqual(["WEBHOOK_SECRET"]);
    expect(missingEnv({ APP_ID: " ", PRIVATE_KEY: "k", WEBHOOK_SECRET: "s" })).toEqual(["APP_ID"]);
    expect(registrationHelp(["APP_ID"], "default_events: [check_run]\n")).toMatch(/APP_ID is not set/);
  });

  it("takes the private key as PEM, with escaped newlines, or base64; anything else is one clear line", () => {
    expect(privateKeyFrom({ PRIVATE_KEY })).toContain("-----BEGIN RSA PRIVATE KEY-----\n");
    expect(privateKeyFrom({ PRIVATE_KEY: PRIVATE_KEY.replace(/\n/g, "\\n") })).toBe(
      privateKeyFrom({ PRIVATE_KEY }),
    );
    expect(privateKeyFrom({ PRIVATE_KEY: Buffer.from(PRIVATE_KEY).toString("base64") })).toContain(
      "BEGIN RSA",
    );
    expect(() => privateKeyFrom({ PRIVATE_KEY: "not a key" })).toThrow(
      /^PRIVATE_KEY is not a PEM private key/,
    );
  });
});

describe("the server", () => {
  let h: Harness | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await server?.stop();
    await h?.close();
  });

  it("answers a signed webhook fast and serves /metrics in the Prometheus format", async () => {
    h = await startHarness(REPO_FILES);
    h.github.permissions.set("alice", "write");
    const port = await freePort();
    server = new Server({
      Probot: Probot.defaults({
        appId: 1,
        privateKey: PRIVATE_KEY,
        secret: "s3cret",
        logLevel: "fatal",
        Octokit: TestOctokit,
      }),
      port,
      host: "127.0.0.1",
      log: h.probot.log,
    });
    const app = createApp({ appSlug: "planwright", model: testModel(h.model.url) });
    await server.load(app);
    await server.start();

    const body = JSON.stringify(postComment(h, "/help", ALICE));
    const signature = `sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`;
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issue_comment",
        "x-github-delivery": "delivery-http-1",
        "x-hub-signature-256": signature,
      },
      body,
    });
    const answeredMs = performance.now() - started;
    console.log(`webhook answered over HTTP in ${answeredMs.toFixed(0)} ms (GitHub allows 10,000 ms)`);
    expect(response.status).toBe(200);
    // GitHub wants a 2xx within 10 s; the handler only queues and reacts (generous margin).
    expect(answeredMs).toBeLessThan(5_000);
    await app.idle();
    expect(h.github.comments.at(-1)?.body).toMatch(/Planwright commands/);

    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await metrics.text();
    for (const event of ["requested", "approved", "executed", "failed", "rolled_back"]) {
      expect(text).toContain(`planwright_plans_total{event="${event}"} 0`);
    }
    expect(text).toContain('planwright_llm_tokens_total{type="input"} 0');
    expect(text).toContain("planwright_llm_cost_usd_total 0");
    expect(text).toMatch(
      /planwright_webhook_duration_seconds_count\{event="issue_comment.created",outcome="ok"\} 1/,
    );
    expect(text).toMatch(/planwright_job_duration_seconds_count\{kind="command",outcome="ok"\} 1/);

    const wrongSignature = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issue_comment",
        "x-github-delivery": "delivery-http-2",
        "x-hub-signature-256": "sha256=00",
      },
      body,
    });
    expect(wrongSignature.status).toBeGreaterThanOrEqual(400);
    h.done();
  });
});
