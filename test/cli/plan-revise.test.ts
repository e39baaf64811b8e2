import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/program.js";
import { loadPlan } from "../../src/plan/load-plan.js";
import { gitIn } from "../helpers/git-repo.js";
import { startFakeMessagesServer, type FakeMessagesServer } from "../llm/fake-messages-server.js";

const EXAMPLE_REPO = fileURLToPath(new URL("../../examples/repo", import.meta.url));
const CASSETTE = fileURLToPath(new URL("../../examples/cassettes/demo-2fa.jsonl", import.meta.url));
const EXAMPLE_PLAN = fileURLToPath(new URL("../../examples/plans/two-factor-auth.yaml", import.meta.url));

const PLAN_ANSWER = {
  title: "Add two-factor authentication",
  summary: "TOTP codes after the password.",
  phases: [
    {
      id: "auth",
      tasks: [
        {
          id: "totp-service",
          title: "TOTP service",
          edit: { files: ["src/auth/totp.ts"], instructions: "Create verifyToken()." },
          verify: "npm test",
        },
      ],
    },
  ],
};

let server: FakeMessagesServer;
let dir: string;
beforeEach(async () => {
  server = await startFakeMessagesServer();
  dir = await mkdtemp(join(tmpdir(), "planwright-cli-plan-"));
  await cp(EXAMPLE_REPO, join(dir, "repo"), { recursive: true });
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function capture(env: Record<string, string | undefined>): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
    isTTY: false,
    env,
    cwd: dir,
  };
  return io;
}

const withKey = () => ({ ANTHROPIC_API_KEY: "sk-ant-test-000", ANTHROPIC_BASE_URL: server.url });
const answer = (name: string, input: unknown) => ({ content: [{ type: "tool_use" as const, name, input }] });

describe("planwright plan", () => {
  it("writes a valid plan file for the request into the repository", async () => {
    server.enqueue(answer("submit_plan", PLAN_ANSWER));
    await writeFile(
      join(dir, "issue.json"),
      JSON.stringify({ number: 42, title: "2FA", comments: [{ author: "lead", body: "TOTP please" }] }),
    );
    const io = capture(withKey());
    const code = await main(["plan", "add 2FA", "--repo", "repo", "--issue-file", "issue.json"], io);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(io.stdout).toMatch(
      /^wrote repo\/\.planwright\/plans\/42-add-2fa\.yaml: Add two-factor authentication \(1 phase\(s\), 1 task\(s\)\)\nmodel claude-sonnet-4-6: 1 answer\(s\), \$0\.\d+/,
    );
    const text = await readFile(join(dir, "repo/.planwright/plans/42-add-2fa.yaml"), "utf8");
    expect(loadPlan(text).plan?.issue).toBe(42);
    expect(server.requests[0]!.body.messages[0].content[1].text).toContain("issue #42 comment by @lead");
  });

  it("says how to configure a model when there is no key, and rejects a bad issue file in one line", async () => {
    const io = capture({});
    expect(await main(["plan", "add 2FA", "--repo", "repo"], io)).toBe(2);
    expect(io.stderr).toBe(
      "planwright: no model configured: set ANTHROPIC_API_KEY, or pass --replay CASSETTE to run offline\n",
    );
    await writeFile(join(dir, "issue.json"), JSON.stringify({ number: "x" }));
    const bad = capture(withKey());
    expect(await main(["plan", "add 2FA", "--repo", "repo", "--issue-file", "issue.json"], bad)).toBe(2);
    expect(bad.stderr).toMatch(/^planwright: --issue-file .*issue\.json: number: .+\n$/);
  });

  it("fails with the problems quoted when the model's plan stays invalid", async () => {
    const broken = { ...PLAN_ANSWER, phases: [] };
    server.enqueue(answer("submit_plan", broken), answer("submit_plan", broken));
    const io = capture(withKey());
    expect(await main(["plan", "add 2FA", "--repo", "repo", "--repairs", "1"], io)).toBe(1);
    expect(io.stderr).toMatch(
      /^planwright: the model's plan is still invalid after 1 repair turn\(s\):\nplan\.yaml:\d+:\d+: error: /,
    );
  });
});

describe("planwright revise", () => {
  it("revises a plan from a comments file and prints the change summary", async () => {
    const file = join(dir, "plan.yaml");
    await cp(EXAMPLE_PLAN, file);
    const before = loadPlan(await readFile(file, "utf8")).plan!;
    const revised = JSON.parse(JSON.stringify(before)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const key of ["version", "id", "request", "issue", "base"]) delete revised[key];
    revised.phases[1].tasks = revised.phases[1].tasks.filter((t: { id: string }) => t.id !== "docs");
    server.enqueue(answer("submit_revision", { plan: revised, notes: "Dropped the docs task." }));
    await writeFile(
      join(dir, "comments.json"),
      JSON.stringify({
        reviews: [{ author: "lead", body: "no docs yet" }],
        comments: [{ path: "plan.yaml", line: 60, body: "drop" }],
      }),
    );
    const io = capture(withKey());
    expect(await main(["revise", "plan.yaml", "--comments", "comments.json"], io)).toBe(0);
    expect(io.stdout).toMatch(
      /^wrote plan\.yaml \(\$0\.\d+.*\)\n- \*\*Removed\*\* \(1\): `docs`\n\nDropped the docs task\.\n$/,
    );
    const after = loadPlan(await readFile(file, "utf8")).plan!;
    expect(after.phases[1]?.tasks.map((t) => t.id)).toEqual(["login-step", "settings-page", "drop-legacy"]);
  });

  it("lists review-mode suggestions and applies the selected ones", async () => {
    const file = join(dir, "plan.yaml");
    await cp(EXAMPLE_PLAN, file);
    const suggestions = [
      {
        kind: "update_task",
        task_id: "docs",
        changes: { title: "Document two-factor login" },
        rationale: "Clearer.",
      },
      { kind: "set_needs", task_id: "docs", needs: ["ghost"], rationale: "Wrong." },
    ];
    server.enqueue(
      answer("submit_suggestions", { suggestions }),
      answer("submit_suggestions", { suggestions }),
    );
    const io = capture(withKey());
    expect(await main(["revise", "plan.yaml", "--mode", "refine"], io)).toBe(0);
    expect(io.stdout).toContain("1. refine docs (title): Clearer.\n2. docs needs [ghost]: Wrong.\n");
    expect(io.stdout).toContain("--apply 1,2");

    const apply = capture(withKey());
    expect(
      await main(["revise", "plan.yaml", "--mode", "refine", "--apply", "1", "--out", "new.yaml"], apply),
    ).toBe(0);
    expect(apply.stdout).toContain("wrote new.yaml: applied 1\n- **Changed** (1): `docs`");
    const after = loadPlan(await readFile(join(dir, "new.yaml"), "utf8")).plan!;
    expect(after.phases[1]?.tasks.find((t) => t.id === "docs")?.title).toBe("Document two-factor login");
  });

  it("rejects a bad mode, a missing review and a bad --apply list in one line each", async () => {
    await cp(EXAMPLE_PLAN, join(dir, "plan.yaml"));
    const mode = capture(withKey());
    expect(await main(["revise", "plan.yaml", "--mode", "shuffle"], mode)).toBe(2);
    expect(mode.stderr).toBe(
      "planwright: --mode must be one of revise, refine, add-missing, reorder, split\n",
    );
    const none = capture(withKey());
    expect(await main(["revise", "plan.yaml"], none)).toBe(2);
    expect(none.stderr).toBe("planwright: revise needs --comments FILE.json or --instruction TEXT\n");
    server.enqueue(
      answer("submit_suggestions", {
        suggestions: [{ kind: "set_needs", task_id: "docs", needs: [], rationale: "r" }],
      }),
    );
    const apply = capture(withKey());
    expect(await main(["revise", "plan.yaml", "--mode", "reorder", "--apply", "7"], apply)).toBe(2);
    expect(apply.stderr).toBe("planwright: --apply: 7 must list suggestion numbers from 1 to 1, or all\n");
  });
});

describe("the offline demo", () => {
  it("replays the bundled cassette: plan then run on a fresh copy of the example repository, no key, no network", async () => {
    const repo = join(dir, "repo");
    await gitIn(repo, "init", "--quiet", "--initial-branch=main");
    await gitIn(repo, "config", "user.name", "Demo");
    await gitIn(repo, "config", "user.email", "demo@example.com");
    await gitIn(repo, "config", "commit.gpgsign", "false");
    await gitIn(repo, "add", "-A");
    await gitIn(repo, "commit", "--quiet", "-m", "acme-accounts");
    const env = { PATH: process.env["PATH"], HOME: process.env["HOME"] };
    const plan = capture(env);
    expect(
      await main(["plan", "add 2FA", "--repo", "repo", "--out", "plan.yaml", "--replay", CASSETTE], plan),
    ).toBe(0);
    expect(plan.stdout).toMatch(
      /^wrote plan\.yaml: Add two-factor authentication \(2 phase\(s\), 3 task\(s\)\)\nmodel replay of /,
    );

    const run = capture(env);
    const code = await main(["run", "plan.yaml", "--repo", "repo", "--replay", CASSETTE], run);
    expect(run.stderr).toBe("");
    expect(code).toBe(0);
    expect(run.stdout).toMatch(
      /coding agent: 2 task attempt\(s\), 9 turn\(s\), \$0\.\d+ \(.*, (\d+)% cached\), 0 policy refusal\(s\)\n/,
    );
    const cached = Number(/(\d+)% cached/.exec(run.stdout)?.[1]);
    expect(cached).toBeGreaterThan(50);
    expect(run.stdout).toContain("succeeded: all 3 tasks done");
    const log = await gitIn(repo, "log", "--format=%s", "main");
    expect(log.split("\n")).toEqual([
      "Document 2FA",
      "Ask for the code after the password",
      "TOTP service",
      "acme-accounts",
    ]);
    expect(await gitIn(repo, "show", "HEAD:src/auth/login.ts")).toContain(
      'return { ok: false, error: "totp_required" }',
    );
    expect(server.requests).toHaveLength(0);
  });
});
