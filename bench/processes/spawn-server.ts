/** Starting the benchmark's servers as processes of their own, and reading their peak memory. */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";

export interface ServerProcess {
  child: ChildProcess;
  /** The first line matching `ready`. */
  line: string;
  /** Milliseconds from spawn to that line. */
  startMs: number;
  stop(): Promise<void>;
}

/** Spawns `command` and resolves once a line of its output matches `ready`. */
export function startServer(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; ready: RegExp; timeoutMs?: number },
): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    let done = false;
    const timer = setTimeout(
      () => fail(new Error(`not ready in time: ${output.slice(-800)}`)),
      options.timeoutMs ?? 120_000,
    );
    const stop = () =>
      new Promise<void>((finish) => {
        if (child.exitCode !== null || child.signalCode !== null) return finish();
        child.once("exit", () => finish());
        try {
          process.kill(-(child.pid ?? 0), "SIGKILL"); // its whole group (npm start runs a shell and node)
        } catch {
          child.kill("SIGKILL");
        }
      });
    const fail = (error: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void stop().then(() => reject(error));
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (done) return;
      const line = output.split("\n").find((l) => options.ready.test(l));
      if (line === undefined) return;
      done = true;
      clearTimeout(timer);
      resolve({ child, line, startMs: performance.now() - started, stop });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) =>
      fail(new Error(`${command} exited (${code}) before it was ready: ${output.slice(-800)}`)),
    );
  });
}

/** Peak resident memory (VmHWM) of a running process and its descendants' largest, in MiB (Linux). */
export async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

/** A port nothing listens on now. */
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
