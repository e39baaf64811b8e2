/**
 * The bubblewrap sandbox, tried the way a hostile command would: write outside its tree, into
 * `.git`, into HOME's `~/.local/bin`, into the runner's file-command files; look at other
 * processes; leave a process behind; outlive its timeout by detaching. Real bubblewrap, real
 * processes, real git repositories.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "../../src/errors.js";
import { runCommand } from "../../src/engine/process-runner.js";
import { bubblewrapArgs, createSandbox, type CommandSandbox } from "../../src/engine/sandbox.js";
import { commandSandbox } from "../../src/flows/command-sandbox.js";
import { openWorkspace } from "../../src/git/git-workspace.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";
import { BWRAP, requireTool } from "../helpers/system-tools.js";

const haveBwrap = requireTool("bubblewrap", BWRAP !== undefined, "apt-get install -y bubblewrap");
const PATH = "/usr/local/bin:/usr/bin:/bin";

describe.runIf(haveBwrap)("bubblewrap sandbox", () => {
  let repo: TestRepo;
  let outside: string;
  let home: string;
  let runnerTemp: string;
  let sandbox: CommandSandbox;
  const env = () => ({ PATH: `${join(home, ".local", "bin")}:${PATH}`, HOME: home });

  beforeAll(async () => {
    repo = await createTestRepo();
    outside = await mkdtemp(join(tmpdir(), "planwright-outside-"));
    home = join(outside, "home");
    runnerTemp = join(outside, "runner-temp");
    await mkdir(join(home, ".local", "bin"), { recursive: true });
    await mkdir(join(runnerTemp, "_runner_file_commands"), { recursive: true });
    await writeFile(join(runnerTemp, "_runner_file_commands", "set_env_1"), "");
    await writeFile(join(home, ".gitconfig"), "[user]\n  name = secret-holder\n");
    const workspace = await openWorkspace(repo.dir);
    sandbox = await commandSandbox(workspace, {
      mode: "required",
      env: {
        HOME: home,
        RUNNER_TEMP: runnerTemp,
        GITHUB_ENV: join(runnerTemp, "_runner_file_commands", "set_env_1"),
      },
    });
    expect(sandbox.kind).toBe("bubblewrap");
  });
  afterAll(async () => {
    await repo.cleanup();
    await rm(outside, { recursive: true, force: true });
  });

  const sh = (command: string, timeoutMs?: number) =>
    runCommand(command, {
      cwd: repo.dir,
      env: env(),
      sandbox,
      ...(timeoutMs ? { timeoutMs, killGraceMs: 200 } : {}),
    });

  it("lets the command work in its tree", async () => {
    const result = await sh("echo hello > made.txt && cat made.txt && pwd");
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain("hello");
    expect(result.output).toContain(repo.dir);
    expect(await readFile(join(repo.dir, "made.txt"), "utf8")).toBe("hello\n");
  });

  it.each([
    [
      "a file in the folder this suite runs from",
      () => `echo x > ${join(process.cwd(), "planted-by-sandbox")}`,
      () => join(process.cwd(), "planted-by-sandbox"),
    ],
    [
      "git on PATH in ~/.local/bin",
      () => `printf '#!/bin/sh\\n' > ${join(home, ".local/bin/git")}`,
      () => join(home, ".local/bin/git"),
    ],
    [
      "cat on PATH in ~/.local/bin",
      () => `cp /bin/cat ${join(home, ".local/bin/cat")}`,
      () => join(home, ".local/bin/cat"),
    ],
    [
      "a hook in .git/hooks",
      () => "printf '#!/bin/sh\\n' > .git/hooks/pre-push",
      () => join(repo.dir, ".git/hooks/pre-push"),
    ],
    [
      "a system git config",
      () => "printf '[url \"x\"]\\n' > /etc/gitconfig.planwright",
      () => "/etc/gitconfig.planwright",
    ],
    [
      "a file next to the tree (the shared /tmp)",
      () => `echo x > ${join(outside, "planted")}`,
      () => join(outside, "planted"),
    ],
  ])("refuses to write %s", async (_what, command, target) => {
    await sh(command());
    expect(existsSync(target())).toBe(false);
  });

  it("cannot change the repository's config or commit", async () => {
    const before = await readFile(join(repo.dir, ".git", "config"), "utf8");
    const config = await sh("git config --local url.https://evil.example/.insteadOf https://github.com/");
    expect(config.exitCode).not.toBe(0);
    const commit = await sh("git -c user.name=x -c user.email=x@x commit --allow-empty -m forged");
    expect(commit.exitCode).not.toBe(0);
    expect(await readFile(join(repo.dir, ".git", "config"), "utf8")).toBe(before);
  });

  it("sees a private, empty HOME and none of the runner's file-command files", async () => {
    const result = await sh(
      `echo "home=$HOME"; cat ${join(home, ".gitconfig")} 2>&1; echo "listing:$(ls -A ${join(runnerTemp, "_runner_file_commands")} 2>/dev/null)"; echo x >> ${join(runnerTemp, "_runner_file_commands", "set_env_1")}; echo done`,
    );
    expect(result.output).toContain("home=/tmp/home");
    expect(result.output).not.toContain("secret-holder");
    expect(result.output).toContain("listing:\n");
    expect(await readFile(join(runnerTemp, "_runner_file_commands", "set_env_1"), "utf8")).toBe("");
  });

  it("sees no process outside its own", async () => {
    const result = await sh(
      `ls /proc | grep -c '^[0-9]'; cat /proc/${process.pid}/environ 2>&1 | head -c 200; echo`,
    );
    const count = Number(result.output.split("\n")[0]);
    expect(count).toBeLessThan(6);
    expect(result.output).not.toContain("PATH=");
  });

  it("gains nothing from set-uid programs (no_new_privs, no capabilities)", async () => {
    const result = await sh("grep -E '^(NoNewPrivs|CapEff)' /proc/self/status");
    expect(result.output).toMatch(/NoNewPrivs:\s+1/);
    expect(result.output).toMatch(/CapEff:\s+0+\n/);
  });

  it("leaves no process behind: a detached child dies with the command", async () => {
    const marker = join(repo.dir, "late.txt");
    const result = await sh(`setsid sh -c 'sleep 1; echo late > ${marker}' > /dev/null 2>&1 & echo started`);
    expect(result.output).toContain("started");
    await new Promise((r) => setTimeout(r, 1_600));
    expect(existsSync(marker)).toBe(false);
  });

  it("leaves nothing running when the process that started it is killed (SIGKILL)", async () => {
    const tag = `${Date.now() % 100000}.${process.pid % 1000}`;
    const args = bubblewrapArgs(`setsid sleep 3${tag} & sleep 3${tag}`, repo.dir, {
      mode: "required",
      gitDir: join(repo.dir, ".git"),
    });
    const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    // a parent shell stands for the Action: it starts the sandbox and is killed without warning
    const parent = spawn("sh", ["-c", `${BWRAP} ${quoted} & wait`], { stdio: "ignore" });
    const running = () => execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).includes(`sleep 3${tag}`);
    for (let i = 0; i < 50 && !running(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(running()).toBe(true);
    parent.kill("SIGKILL");
    for (let i = 0; i < 40 && running(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(running()).toBe(false);
  });

  it("holds its timeout against a detached process", async () => {
    const started = Date.now();
    const result = await sh("setsid sleep 30 & sleep 30", 500);
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("sandbox set-up", () => {
  it("fails closed when bubblewrap cannot start and the mode is required", async () => {
    const dir = await mkdtemp(join(tmpdir(), "planwright-nobwrap-"));
    try {
      const attempt = createSandbox(dir, {
        mode: "required",
        gitDir: dir,
        bwrap: join(dir, "no-such-bwrap"),
      });
      await expect(attempt).rejects.toBeInstanceOf(PolicyError);
      await expect(attempt).rejects.toThrow(/bubblewrap cannot start here.*execution\.sandbox: off/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("falls back with a warning in auto mode, and runs bare when off", async () => {
    const warnings: string[] = [];
    const auto = await createSandbox(tmpdir(), {
      mode: "auto",
      gitDir: tmpdir(),
      bwrap: "/nonexistent/bwrap",
      onWarning: (m) => warnings.push(m),
    });
    expect(auto.kind).toBe("none");
    expect(warnings.join()).toMatch(/WITHOUT a sandbox/);
    expect((await createSandbox(tmpdir(), { mode: "off", gitDir: tmpdir() })).kind).toBe("none");
  });

  it("an unsandboxed command that detaches does not hold its timeout hostage", async () => {
    const started = Date.now();
    const result = await runCommand(
      "setsid sleep 20 > /dev/null 2>&1 < /dev/null & setsid sleep 20 & sleep 20",
      {
        cwd: tmpdir(),
        env: { PATH },
        timeoutMs: 400,
        killGraceMs: 200,
      },
    );
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
