/**
 * The App in a process of its own (`node --import tsx test/e2e/app-server.ts`), for tests that kill
 * and restart it or read every line it logs. Settings go through the environment; the process
 * prints `listening <url>` once it accepts deliveries.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AppServerOptions } from "./app-server.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface AppProcessOptions {
  githubUrl: string;
  modelUrl: string;
  webhookSecret: string;
  stateDir: string;
  port: number;
  /** Probot's log level (default warn). */
  logLevel?: AppServerOptions["logLevel"];
}

export interface AppProcess {
  child: ChildProcess;
  webhookUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
}

export function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "test", "e2e", "app-server.ts")], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? tmpdir(),
        SANDBOX_GITHUB_URL: options.githubUrl,
        WEBHOOK_SECRET: options.webhookSecret,
        ANTHROPIC_BASE_URL: options.modelUrl,
        PLANWRIGHT_STATE_DIR: options.stateDir,
        PORT: String(options.port),
        LOG_LEVEL: options.logLevel ?? "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const kill = () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGKILL");
      });
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /listening (\S+)/.exec(output);
      if (match?.[1]) resolve({ child, webhookUrl: match[1], output: () => output, kill });
    });
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.once("exit", (code) =>
      reject(new Error(`the App exited (${code}) before listening: ${output.slice(-500)}`)),
    );
  });
}
