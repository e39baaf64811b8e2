/**
 * Webhook answer time with every party in a process of its own, as in production: the GitHub
 * stand-in (test/sandbox), the Planwright App (test/e2e/app-server.ts: the real App on Probot's
 * server, pointed at the stand-in), a bare Probot app that only acknowledges, and this process as
 * the load generator. At 1, 10, 50 and 200 concurrent deliveries (half `/help`, which the App
 * answers with a comment through the stand-in, half plain comments), interleaved rounds of the App
 * and the bare Probot; per round the median answer time, then min / median / max over rounds and the
 * ratio of the same rounds. Also the peak RSS of both servers after the load.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { SECRET } from "../test/e2e/e2e-harness.js";
import { sendDelivery } from "../test/sandbox/webhook-sender.js";
import { median, interleave, report } from "./rounds.js";
import { ROOT } from "./root.js";
import { freePort, peakRssMiB, startServer, type ServerProcess } from "./processes/spawn-server.js";

const LEVELS = [1, 10, 50, 200] as const;
const ROUNDS = 5;

const tsx = (file: string) => [process.execPath, ["--import", "tsx", join(ROOT, file)]] as const;

/**
 * The median answer time of `count` concurrent deliveries, repeated in waves until at least 20
 * are answered (so that one concurrent delivery is not a single sample).
 */
async function burst(url: string, payloads: readonly unknown[], count: number): Promise<number> {
  const times: number[] = [];
  for (let wave = 0; wave < Math.ceil(20 / count); wave++)
    times.push(...(await oneWave(url, payloads, count)));
  return median(times);
}

async function oneWave(url: string, payloads: readonly unknown[], count: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const body = JSON.stringify(payloads[i % payloads.length]);
      const record = await sendDelivery(
        { url, secret: SECRET },
        "issue_comment",
        body,
        randomUUID(),
        "valid",
      );
      if (record.status < 200 || record.status >= 300) throw new Error(`delivery answered ${record.status}`);
      return record.ms;
    }),
  );
}

export async function benchWebhooks(): Promise<string[]> {
  const servers: ServerProcess[] = [];
  const stateDir = await mkdtemp(join(tmpdir(), "planwright-bench-app-"));
  try {
    const [standinCmd, standinArgs] = tsx("bench/processes/standin.ts");
    const standin = await startServer(standinCmd, standinArgs, { cwd: ROOT, ready: /^\{"url"/ });
    servers.push(standin);
    const { url: githubUrl, payloads } = JSON.parse(standin.line) as { url: string; payloads: unknown[] };

    const [appCmd, appArgs] = tsx("test/e2e/app-server.ts");
    const app = await startServer(appCmd, appArgs, {
      cwd: ROOT,
      ready: /^listening /,
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: process.env["HOME"] ?? tmpdir(),
        SANDBOX_GITHUB_URL: githubUrl,
        WEBHOOK_SECRET: SECRET,
        ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
        PLANWRIGHT_STATE_DIR: stateDir,
        PORT: String(await freePort()),
        LOG_LEVEL: "warn",
      },
    });
    servers.push(app);
    const [bareCmd, bareArgs] = tsx("bench/processes/bare-probot.ts");
    const bare = await startServer(bareCmd, bareArgs, {
      cwd: ROOT,
      ready: /^listening /,
      env: { ...process.env, WEBHOOK_SECRET: SECRET, PORT: String(await freePort()) },
    });
    servers.push(bare);
    const appUrl = app.line.slice("listening ".length).trim();
    const bareUrl = bare.line.slice("listening ".length).trim();

    const lines = [
      `webhook answer time, the App, a bare Probot, the GitHub stand-in and this load generator in separate ` +
        `processes (median per round; ${ROUNDS} rounds after a warm-up):`,
    ];
    for (const level of LEVELS) {
      const samples = await interleave(
        [
          { name: "bare Probot", run: () => burst(bareUrl, payloads, level) },
          { name: "Planwright App", run: () => burst(appUrl, payloads, level) },
        ],
        ROUNDS,
      );
      lines.push(`  ${level} concurrent:`);
      lines.push(...report(samples, "bare Probot", { "Planwright App": 1.5 }).map((l) => `  ${l}`));
    }
    const [appRss, bareRss] = await Promise.all([
      peakRssMiB(app.child.pid ?? 0),
      peakRssMiB(bare.child.pid ?? 0),
    ]);
    lines.push(
      `peak RSS after the load (tsx included in both): App ${appRss.toFixed(0)} MiB, bare Probot ${bareRss.toFixed(0)} MiB ` +
        `(ratio ${(appRss / bareRss).toFixed(2)})`,
    );
    return lines;
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}
