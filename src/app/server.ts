/**
 * `npm start`: runs the App on Probot's server, with `/metrics` next to the webhook endpoint (or on a
 * port of its own, or behind a bearer token) and request bodies capped at 25 MB. The
 * App's credentials come from the environment; without them this prints how to register the App
 * from `app.yml` and exits 1. Probot's own manifest set-up flow is never started: it would reach
 * out to GitHub and open a browser, which a server must not do on its own.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import { fileURLToPath } from "node:url";
import { Probot, Server } from "probot";
import { parse } from "yaml";
import { createApp } from "./app.js";
import { capRequestBodies } from "./body-limit.js";
import { metricsHandler } from "./metrics.js";

/** Variables the App cannot start without. */
export const REQUIRED_ENV = ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"] as const;

/** The required variables that are missing (PRIVATE_KEY_PATH stands in for PRIVATE_KEY). */
export function missingEnv(env: NodeJS.ProcessEnv): string[] {
  return REQUIRED_ENV.filter((name) => {
    if (name === "PRIVATE_KEY" && env["PRIVATE_KEY_PATH"]) return false;
    return !env[name]?.trim();
  });
}

interface Manifest {
  default_permissions?: Record<string, string>;
  default_events?: string[];
}

/** How to register the App, from the manifest's permissions and events. */
export function registrationHelp(missing: readonly string[], manifestText: string | undefined): string {
  let manifest: Manifest = {};
  try {
    manifest = (manifestText ? parse(manifestText) : {}) as Manifest;
  } catch {
    // The instructions still help without the lists.
  }
  const permissions = Object.entries(manifest.default_permissions ?? {}).map(([k, v]) => `${k}: ${v}`);
  const events = manifest.default_events ?? [];
  return [
    `Planwright cannot start: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set.`,
    "",
    "Register the GitHub App once (app.yml in this package is its manifest):",
    "  1. Open https://github.com/settings/apps/new (for an organization:",
    "     https://github.com/organizations/<org>/settings/apps/new).",
    "  2. Webhook URL: https://<your host>/api/github/webhooks; choose a webhook secret.",
    ...(permissions.length > 0 ? [`  3. Repository permissions: ${permissions.join(", ")}.`] : []),
    ...(events.length > 0 ? [`  4. Subscribe to events: ${events.join(", ")}.`] : []),
    "  5. Create the App, note its App ID, and generate a private key (.pem).",
    "  6. Install it on the repositories Planwright should serve.",
    "",
    "Then start it with:",
    "  export APP_ID=<app id>",
    '  export PRIVATE_KEY="$(cat <app>.private-key.pem)"   # or PRIVATE_KEY_PATH=<file>',
    "  export WEBHOOK_SECRET=<webhook secret>",
    "  export ANTHROPIC_API_KEY=<key>                     # for /plan and revisions",
    "  npm start",
    "",
    "Optional: PORT (3000), HOST, WEBHOOK_PATH, PLANWRIGHT_STATE_DIR (job journal, default",
    ".planwright-app), APP_SLUG (saves one request at start), LOG_LEVEL.",
  ].join("\n");
}

/** The private key from PRIVATE_KEY (PEM, PEM with `\n` escapes, or base64) or PRIVATE_KEY_PATH. */
export function privateKeyFrom(env: NodeJS.ProcessEnv): string {
  const path = env["PRIVATE_KEY_PATH"];
  const raw = env["PRIVATE_KEY"]?.trim()
    ? (env["PRIVATE_KEY"] ?? "")
    : path
      ? readFileSync(path, "utf8")
      : "";
  const unescaped = raw.replace(/\\n/g, "\n").trim();
  if (unescaped.includes("-----BEGIN")) return `${unescaped}\n`;
  const decoded = Buffer.from(unescaped, "base64").toString("utf8");
  if (decoded.includes("-----BEGIN")) return decoded;
  throw new Error("PRIVATE_KEY is not a PEM private key (nor a base64-encoded one)");
}

function readManifest(): string | undefined {
  try {
    return readFileSync(fileURLToPath(new URL("../../app.yml", import.meta.url)), "utf8");
  } catch {
    return undefined;
  }
}

/** Starts the server; returns the exit code when it cannot start. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  const missing = missingEnv(env);
  if (missing.length > 0) {
    process.stderr.write(`${registrationHelp(missing, readManifest())}\n`);
    return 1;
  }
  let privateKey: string;
  try {
    privateKey = privateKeyFrom(env);
  } catch (error) {
    process.stderr.write(
      `Planwright cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
  if (!env["ANTHROPIC_API_KEY"]) {
    process.stderr.write("warning: ANTHROPIC_API_KEY is not set: /plan and revisions will report that.\n");
  }
  const port = Number(env["PORT"] ?? 3000);
  const server = new Server({
    Probot: Probot.defaults({ appId: env["APP_ID"], privateKey, secret: env["WEBHOOK_SECRET"] }),
    port: Number.isInteger(port) ? port : 3000,
    ...(env["HOST"] ? { host: env["HOST"] } : {}),
    ...(env["WEBHOOK_PATH"] ? { webhookPath: env["WEBHOOK_PATH"] } : {}),
    ...(env["WEBHOOK_PROXY_URL"] ? { webhookProxy: env["WEBHOOK_PROXY_URL"] } : {}),
  });
  const metricsPort = env["PLANWRIGHT_METRICS_PORT"];
  const metricsToken = env["PLANWRIGHT_METRICS_TOKEN"] || undefined;
  const app = createApp({
    stateDir: env["PLANWRIGHT_STATE_DIR"] ?? ".planwright-app",
    ...(env["APP_SLUG"] ? { appSlug: env["APP_SLUG"] } : {}),
    serveMetrics: metricsPort ? false : metricsToken ? { token: metricsToken } : {},
  });
  await server.load(app);
  capRequestBodies(await server.start());
  let metricsServer: HttpServer | undefined;
  if (metricsPort) {
    const handler = metricsHandler(app.metrics, metricsToken);
    metricsServer = createServer((req, res) => {
      void handler(req, res).then((answered) => {
        if (!answered) res.writeHead(404).end();
      });
    });
    const host = env["PLANWRIGHT_METRICS_HOST"] ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      metricsServer?.once("error", reject).listen(Number(metricsPort), host, resolve);
    });
  }
  const stop = (signal: string) => {
    process.stderr.write(`${signal}: finishing running jobs (unfinished ones resume at the next start)\n`);
    const deadline = new Promise((resolve) => setTimeout(resolve, 20_000).unref());
    metricsServer?.close();
    void Promise.race([server.stop().then(() => app.idle()), deadline]).finally(() => process.exit(0));
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  return undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => {
      if (code !== undefined) process.exit(code);
    },
    (error: unknown) => {
      process.stderr.write(
        `Planwright failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
