/**
 * The Planwright App on Probot's real HTTP server, pointed at the GitHub sandbox (`baseUrl`) and
 * at the fake Messages server, as `npm start` runs it but with a test key and port 0. Also a
 * process entry (`tsx test/e2e/app-server.ts`), for tests that kill and restart the App: it reads
 * its settings from the environment and prints `listening <url>` once it accepts deliveries.
 */
import { generateKeyPairSync } from "node:crypto";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Probot, Server } from "probot";
import { createApp, type PlanwrightApp } from "../../src/app/app.js";

export interface AppServerOptions {
  /** The sandbox's API URL. */
  githubUrl: string;
  webhookSecret: string;
  /** The fake Messages server's URL. */
  modelUrl: string;
  /** The model's API key (default: a stand-in key the fake server accepts). */
  modelApiKey?: string;
  /** Job journal folder: jobs a killed process did not finish resume from it. */
  stateDir: string;
  appSlug?: string;
  /** Probot's log level (default warn). */
  logLevel?: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
  /** Port of the webhook server (a free one by default; fixed for restarts). */
  port?: number;
}

export interface RunningApp {
  /** Where to deliver webhooks. */
  webhookUrl: string;
  app: PlanwrightApp;
  stop(): Promise<void>;
}

let key: string | undefined;
function privateKey(): string {
  key ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
  return key;
}

/** A port nothing listens on now (Probot's Server treats port 0 as "use 3000"). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export async function startAppServer(options: AppServerOptions): Promise<RunningApp> {
  const ProbotClass = Probot.defaults({
    appId: 1,
    privateKey: privateKey(),
    secret: options.webhookSecret,
    baseUrl: options.githubUrl,
    logLevel: options.logLevel ?? "warn",
  });
  // The server's own log (one line per delivery) at the same level: without it Probot logs at info.
  const probe = new ProbotClass();
  await probe.ready();
  const server = new Server({
    Probot: ProbotClass,
    log: probe.log,
    host: "127.0.0.1",
    port: options.port ?? (await freePort()),
  });
  const app = createApp({
    stateDir: options.stateDir,
    appSlug: options.appSlug ?? "planwright",
    model: { apiKey: options.modelApiKey ?? "sk-ant-sandbox", baseURL: options.modelUrl, maxRetries: 0 },
  });
  await server.load(app);
  const http = await server.start();
  const port = (http.address() as AddressInfo).port;
  return {
    webhookUrl: `http://127.0.0.1:${port}/api/github/webhooks`,
    app,
    async stop() {
      await server.stop();
      await app.idle();
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const env = process.env;
  startAppServer({
    githubUrl: env["SANDBOX_GITHUB_URL"] ?? "",
    webhookSecret: env["WEBHOOK_SECRET"] ?? "",
    modelUrl: env["ANTHROPIC_BASE_URL"] ?? "",
    stateDir: env["PLANWRIGHT_STATE_DIR"] ?? "",
    ...(env["PORT"] ? { port: Number(env["PORT"]) } : {}),
    ...(env["LOG_LEVEL"] ? { logLevel: env["LOG_LEVEL"] as AppServerOptions["logLevel"] } : {}),
  }).then(
    (running) => process.stdout.write(`listening ${running.webhookUrl}\n`),
    (error: unknown) => {
      process.stderr.write(`app server failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
