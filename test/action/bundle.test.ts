/**
 * Acceptance: the committed bundle runs with plain `node`, with the documented inputs, against a
 * local HTTP server standing in for api.github.com (GITHUB_API_URL) and a local bare git remote.
 * nock cannot reach a child process, hence the server.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { PLAN_ANSWER } from "../flows/plan-flow-github.js";
import { startFakeMessagesServer } from "../llm/fake-messages-server.js";
import { harness, issueCommentEvent, plan, type Harness } from "./harness.js";

const run = promisify(execFile);
const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "action", "dist", "index.js");

let open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open) await close();
  open = [];
});

async function node(h: Harness, env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [BUNDLE], {
      env: { PATH: process.env["PATH"] ?? "", HOME: h.dir, ...env },
    });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "" };
  }
}

describe.skipIf(!existsSync(BUNDLE))("action/dist/index.js", () => {
  it("executes an approved plan as a child process against a local GitHub and git remote", async () => {
    const h = await harness(
      plan([
        {
          id: "docs",
          tasks: [
            { id: "write-a", title: "Write a", write: { path: "docs/a.md", content: "# A\n" } },
            {
              id: "write-b",
              title: "Write b",
              write: { path: "docs/b.md", content: "# B\n" },
              verify: "test -f docs/b.md",
            },
          ],
        },
      ]),
    );
    const { url, server } = await h.github.listen();
    open.push(
      () => new Promise<void>((resolve) => server.close(() => resolve())),
      () => h.cleanup(),
    );
    await h.approve();

    const env = await h.env(
      { command: "execute", pr: "5", "plan-blob": h.planBlob },
      { GITHUB_API_URL: url },
    );
    const result = await node(h, env);
    // the token appears only in the runner's masking command
    expect(result.stdout.split("\n").filter((l) => l.includes("ghs_testtoken"))).toEqual([
      "::add-mask::ghs_testtoken000000000000000000000000",
    ]);
    expect(result.code).toBe(0);
    const out = await h.outputs();
    expect(out).toMatchObject({ status: "succeeded", "tasks-done": "2", "tasks-failed": "0" });
    expect(out["head-sha"]).toBe(await h.remoteHead());
    expect(await h.branchLog()).toEqual(["Write a|write-a|", "Write b|write-b|"]);
    expect(h.github.violations).toEqual([]);
    expect(h.github.runs("planwright").at(-1)).toMatchObject({
      conclusion: "success",
      head_sha: out["head-sha"],
    });
    expect(await h.summary()).toContain("```mermaid");
  });

  it("keeps the token and the API key out of the environment and /proc of everything the plan runs", async () => {
    // a script "written by the model" walks up its ancestors (sh, then the Action's node process)
    // and dumps each one's initial environment and its own environment into a committed file
    const leak = [
      'const fs = require("node:fs");',
      "let out = JSON.stringify(process.env) + '\\n';",
      "let pid = process.pid;",
      "for (let i = 0; i < 8 && pid > 1; i++) {",
      "  try { out += fs.readFileSync('/proc/' + pid + '/environ', 'latin1').split('\\0').join('\\n') + '\\n'; }",
      "  catch { out += 'unreadable ' + pid + '\\n'; }",
      "  const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');",
      "  pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);",
      "}",
      "fs.writeFileSync('leak.txt', out);",
    ].join("\n");
    const h = await harness(
      plan([
        {
          id: "steps",
          tasks: [
            { id: "script", title: "Script", write: { path: "leak.cjs", content: leak + "\n" } },
            { id: "dump", title: "Dump", run: "node leak.cjs", verify: "test -f leak.txt" },
          ],
        },
      ]),
    );
    const { url, server } = await h.github.listen();
    open.push(
      () => new Promise<void>((resolve) => server.close(() => resolve())),
      () => h.cleanup(),
    );
    await h.approve();
    const apiKey = "sk-ant-api03-canary0000000000000000000000000000";
    const env = await h.env(
      { command: "execute", pr: "5", "plan-blob": h.planBlob },
      { GITHUB_API_URL: url, "INPUT_ANTHROPIC-API-KEY": apiKey },
    );
    const result = await node(h, env);
    expect(result.code).toBe(0);
    const dumped = await h.repo.git("--git-dir", h.repo.remote, "show", `${await h.remoteHead()}:leak.txt`);
    // the dump did read the environments (PATH is there), yet holds neither credential
    expect(dumped).toContain("PATH=");
    expect(dumped).not.toContain("ghs_testtoken");
    expect(dumped).not.toContain("canary0000");
    // only the runner's masking commands may name it
    const mentions = result.stdout.split("\n").filter((l) => l.includes("canary0000"));
    expect(mentions.every((l) => l.startsWith("::add-mask::"))).toBe(true);
  });

  it("fails the step with one line, not a stack trace, on a missing token", async () => {
    const h = await harness(
      plan([{ id: "p", tasks: [{ id: "t", title: "T", write: { path: "t", content: "" } }] }]),
    );
    open.push(() => h.cleanup());
    const env = await h.env({ command: "execute", pr: "5" }, { "INPUT_GITHUB-TOKEN": "" });
    const result = await node(h, env);
    expect(result.code).toBe(1);
    const errors = result.stdout.split("\n").filter((l) => l.startsWith("::error::"));
    expect(errors).toEqual([
      "::error::planwright (usage): input github-token: required (an installation token of the Planwright App, or GITHUB_TOKEN)",
    ]);
    expect(result.stdout).not.toMatch(/\n\s+at /);
  });

  it("resumes after the main step was killed: the post step marks the check run cancelled, nothing is done twice", async () => {
    const h = await harness(
      plan([
        {
          id: "p",
          tasks: [
            { id: "write-a", title: "Write a", write: { path: "a.txt", content: "a\n" } },
            {
              id: "slow-b",
              title: "Slow b",
              run: "if [ ! -f go ]; then sleep 20; fi; echo b > b.txt",
              verify: false,
            },
            { id: "write-c", title: "Write c", write: { path: "c.txt", content: "c\n" } },
          ],
        },
      ]),
    );
    const { url, server } = await h.github.listen();
    open.push(
      () => new Promise<void>((resolve) => server.close(() => resolve())),
      () => h.cleanup(),
    );
    await h.approve();
    const env = await h.env({ command: "execute", pr: "5" }, { GITHUB_API_URL: url });
    const child = spawn(process.execPath, [BUNDLE], {
      env: { PATH: process.env["PATH"] ?? "", HOME: h.dir, ...env },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    for (let i = 0; i < 300 && (await h.branchLog()).length < 1; i++)
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    child.kill("SIGKILL");
    await exited;
    expect(await h.branchLog()).toEqual(["Write a|write-a|"]);

    // the runner then runs the post step with the state the main step saved
    const state = await readFile(env["GITHUB_STATE"]!, "utf8");
    const saved: Record<string, string> = {};
    for (const m of state.matchAll(/^([\w-]+)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm))
      saved[`STATE_${m[1]}`] = m[3] ?? "";
    expect(saved["STATE_planwright-phase"]).toBe("main");
    expect((await node(h, { ...env, ...saved })).code).toBe(0);
    const cancelled = h.github.checkRuns.find((r) => String(r.id) === saved["STATE_planwright-check"]);
    expect(cancelled).toMatchObject({ status: "completed", conclusion: "cancelled" });

    // a new workflow run resumes from the last task commit
    await writeFile(join(h.dir, "go"), "");
    await writeFile(join(h.dir, ".git", "info", "exclude"), "go\n");
    const again = await node(h, await h.env({ command: "execute", pr: "5" }, { GITHUB_API_URL: url }));
    expect(again.code).toBe(0);
    expect((await h.outputs()).status).toBe("succeeded");
    expect(await h.branchLog()).toEqual(["Write a|write-a|", "Slow b|slow-b|", "Write c|write-c|"]);
  });

  it("answers /plan in Action-only mode: the model through ANTHROPIC_BASE_URL, the PR through the API", async () => {
    const h = await harness(plan([{ id: "p", tasks: [{ id: "a", title: "A", run: "true" }] }]));
    const { url, server } = await h.github.listen();
    const model = await startFakeMessagesServer();
    open.push(
      () => new Promise<void>((resolve) => server.close(() => resolve())),
      () => model.close(),
      () => h.cleanup(),
    );
    model.enqueue({ content: [{ type: "tool_use", name: "submit_plan", input: PLAN_ANSWER }] });
    h.github.permissions.set("alice", "write");
    h.github.comments.push({
      id: 4242,
      body: "/plan add 2FA",
      user: { login: "alice", type: "User" },
      issue: 42,
    });
    const event = join(h.dir, "..", "plan-event.json");
    await writeFile(event, JSON.stringify(issueCommentEvent("/plan add 2FA", 4242)));
    const apiKey = "sk-ant-api03-canary1111111111111111111111111111";
    const env = await h.env(
      { "anthropic-api-key": apiKey },
      {
        GITHUB_API_URL: url,
        GITHUB_EVENT_NAME: "issue_comment",
        GITHUB_EVENT_PATH: event,
        ANTHROPIC_BASE_URL: model.url,
      },
    );

    const result = await node(h, env);

    expect(result.code).toBe(0);
    expect(await h.outputs()).toMatchObject({ status: "succeeded", pr: "6" });
    expect(model.requests).toHaveLength(1);
    const head = await h.repo.git(
      "--git-dir",
      h.repo.remote,
      "rev-parse",
      "refs/heads/planwright/42-add-2fa",
    );
    expect(await h.repo.git("--git-dir", h.repo.remote, "rev-list", `refs/heads/main..${head}`)).toBe(head);
    expect(h.github.opened).toEqual([expect.objectContaining({ number: 6, head: "planwright/42-add-2fa" })]);
    expect(h.github.runs("planwright")).toEqual([
      expect.objectContaining({ head_sha: head, conclusion: "action_required" }),
    ]);
    expect(h.github.violations).toEqual([]);
    const mentions = result.stdout.split("\n").filter((l) => l.includes("canary1111"));
    expect(mentions.every((l) => l.startsWith("::add-mask::"))).toBe(true);
  });
});
