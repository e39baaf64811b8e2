/**
 * End to end: an Action-like process holds a write token (a canary) and an Anthropic key; the plan's
 * run command, its verify command and a test file written by the (scripted) model each try to read
 * them from the environment, .git/config and /proc/<pid>/environ of every process of the run, and
 * to push on their own. None may succeed, the canary must appear nowhere, and the Action's own push
 * with the token must work.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterEach, describe, expect, it } from "vitest";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";
import { startHttpGitServer, type HttpGitServer } from "./http-git-server.js";

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT = join(HERE, "..", "..");
const ENTRY = join(HERE, "fixtures", "action-entry.ts");

let repo: TestRepo | undefined;
let server: HttpGitServer | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await server?.close();
  await repo?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
  repo = server = scratch = undefined;
});

interface EntryOutput {
  result: { outcome: string; message: string; head: string };
  events: unknown[];
  environWiped: boolean;
  stdout: string;
  stderr: string;
}

async function runEntry(
  protect: boolean,
  secrets: Record<string, string>,
): Promise<{ out: EntryOutput; url: string }> {
  const canary = secrets.GITHUB_TOKEN ?? "";
  repo = await createTestRepo({
    "README.md": "# canary\n",
    "tools/probe.mjs": await readFile(join(HERE, "fixtures", "probe.mjs"), "utf8"),
  });
  server = await startHttpGitServer(dirname(repo.remote), canary);
  const url = `${server.baseUrl}${basename(repo.remote)}`;
  // like actions/checkout with persist-credentials: false: the remote is known, its credentials are not
  await repo.git("remote", "set-url", "origin", url);
  scratch = await mkdtemp(join(tmpdir(), "planwright-canary-"));
  const config = join(scratch, "config.json");
  const outFile = join(scratch, "out.json");
  await writeFile(
    config,
    JSON.stringify({ dir: repo.dir, url, protect, out: outFile, probe: join(HERE, "fixtures", "probe.mjs") }),
  );
  // bundled like the real Action: under tsx, its esbuild helper process would start (and keep the
  // credentials in its initial environment) before the entry's first line could remove them
  const bundle = join(scratch, "action-entry.mjs");
  await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: bundle,
    logLevel: "silent",
  });
  const child = spawn(process.execPath, [bundle, config], {
    cwd: PROJECT,
    env: { ...process.env, ...secrets },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(code, stderr).toBe(0);
  const out = JSON.parse(await readFile(outFile, "utf8")) as EntryOutput;
  return { out: { ...out, stdout, stderr }, url };
}

async function remoteGit(...args: string[]): Promise<string> {
  return (await run("git", ["--git-dir", repo!.remote, ...args], { maxBuffer: 64 << 20 })).stdout;
}

function secretsWith(token: string, key: string): Record<string, string> {
  return { GITHUB_TOKEN: token, "INPUT_GITHUB-TOKEN": token, ANTHROPIC_API_KEY: key, INPUT_TOKEN: token };
}

const canaryPair = () =>
  [
    `ghs_canary${randomBytes(12).toString("hex")}`,
    `sk-ant-canary-${randomBytes(12).toString("hex")}`,
  ] as const;

describe("credentials and untrusted code", () => {
  it("no run command, verify command or model-written test can get the token; the Action's push works", async () => {
    const [token, key] = canaryPair();
    const { out } = await runEntry(true, secretsWith(token, key));
    expect(out.environWiped).toBe(true);
    expect(out.result.outcome, out.result.message).toBe("succeeded");
    expect((await remoteGit("rev-parse", "refs/heads/main")).trim()).toBe(out.result.head);

    const reports: Record<string, string> = {};
    for (const label of ["run", "verify", "model"]) {
      reports[label] = await remoteGit("show", `refs/heads/main:leaks/${label}.txt`);
      const report = reports[label];
      // the probe did run, and the entry's environment was readable to it: the wipe protects it
      expect(report, label).toContain("entry environ read: yes");
      expect(report, label).toMatch(/processes of the run: [1-9]\d*, environments read: [1-9]/);
      expect(report, label).toContain(".git/config read:");
      expect(report, label).not.toContain("FOUND");
      expect(report, label).toMatch(/git credential fill: failed/);
      expect(report, label).toMatch(/git push: failed/);
    }
    // nothing pushed by the probes, which did try
    expect(await remoteGit("for-each-ref", "--format=%(refname)")).toBe("refs/heads/main\n");
    expect(server!.requests.some((q) => q.auth === "none")).toBe(true);
    // with the token: only the Action's own push after each of the two tasks
    const pushes = server!.requests.filter(
      (q) => q.auth === "ok" && q.method === "POST" && q.path.endsWith("git-receive-pack"),
    );
    expect(pushes).toHaveLength(2);

    const everywhere = [
      out.stdout,
      out.stderr,
      JSON.stringify(out.events),
      JSON.stringify(out.result),
      await remoteGit("log", "-p", "--all", "--format=%H%n%B"),
      await readFile(join(repo!.dir, ".git", "config"), "utf8"),
      ...Object.values(reports),
    ].join("\n");
    for (const secret of [token, key]) expect(everywhere.includes(secret)).toBe(false);
  }, 120_000);

  it("control: deleting the token from process.env alone leaves it readable in /proc/<pid>/environ", async () => {
    const [token, key] = canaryPair();
    const { out } = await runEntry(false, secretsWith(token, key));
    expect(out.result.outcome, out.result.message).toBe("succeeded");
    const report = await remoteGit("show", "refs/heads/main:leaks/run.txt");
    expect(report).toContain(`(entry) GITHUB_TOKEN=${token}`);
    expect(report).toContain(`(entry) ANTHROPIC_API_KEY=${key}`);
    // still not in the command's own environment: the scrubbed environment holds
    expect(report).not.toMatch(/FOUND own environment/);
  }, 120_000);
});
