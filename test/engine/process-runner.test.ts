import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CancelledError } from "../../src/errors.js";
import { OutputCapture, runCommand } from "../../src/engine/process-runner.js";

let dir: string;
const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin" };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "planwright-proc-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Whether `pid` runs; a zombie (killed, not yet reaped by a container's init) does not count. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

describe("runCommand", () => {
  it("captures combined output and the exit status in the given directory", async () => {
    const r = await runCommand("echo out; echo err >&2; pwd; exit 3", { cwd: dir, env });
    expect(r.exitCode).toBe(3);
    expect(r.timedOut).toBe(false);
    expect(r.output).toContain("out\n");
    expect(r.output).toContain("err\n");
    expect(r.output).toContain(dir);
  });

  it("passes only the given environment", async () => {
    const r = await runCommand('echo "[$SECRET_VALUE][$ONLY]"', { cwd: dir, env: { ...env, ONLY: "yes" } });
    expect(r.output.trim()).toBe("[][yes]");
  });

  it("kills the whole process group on timeout, grandchildren included", async () => {
    const pidFile = join(dir, "grandchild.pid");
    const r = await runCommand(`sleep 30 & echo $! > ${pidFile}; wait`, {
      cwd: dir,
      env,
      timeoutMs: 300,
      killGraceMs: 200,
    });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).not.toBe(0);
    const pid = Number((await readFile(pidFile, "utf8")).trim());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(pid)).toBe(false);
  });

  it("rejects with CancelledError and kills the group when aborted", async () => {
    const controller = new AbortController();
    const run = runCommand("sleep 30", { cwd: dir, env, signal: controller.signal, killGraceMs: 100 });
    setTimeout(() => controller.abort(), 100);
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  });

  it("keeps the head and the tail of huge output within the cap", async () => {
    const r = await runCommand("echo FIRST-LINE; seq 1 200000; echo LAST-LINE", {
      cwd: dir,
      env,
      maxOutputBytes: 4096,
      headBytes: 256,
    });
    expect(r.exitCode).toBe(0);
    expect(r.output.length).toBeLessThan(4096 + 512);
    expect(r.output.startsWith("FIRST-LINE\n")).toBe(true);
    expect(r.output).toMatch(/bytes of output left out/);
    expect(r.output.trimEnd().endsWith("LAST-LINE")).toBe(true);
  });

  it("reports the last lines of output while the command runs", async () => {
    const tails: string[] = [];
    await runCommand("for i in 1 2 3; do echo line$i; sleep 0.1; done", {
      cwd: dir,
      env,
      outputIntervalMs: 50,
      onOutput: (t) => tails.push(t),
    });
    expect(tails.length).toBeGreaterThan(0);
    expect(tails.at(-1)).toContain("line3");
  });
});

describe("OutputCapture", () => {
  it("returns everything when under the cap", () => {
    const c = new OutputCapture(100, 10);
    c.push(Buffer.from("hello\n"));
    c.push(Buffer.from("world\n"));
    expect(c.text()).toBe("hello\nworld\n");
    expect(c.lastLines(1)).toBe("world");
  });
});
