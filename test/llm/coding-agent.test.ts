import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { executePlan, type RunResult } from "../../src/engine/executor.js";
import { planBlobOf } from "../../src/engine/plan-blob.js";
import { openWorkspace } from "../../src/git/git-workspace.js";
import { createModelClient, type ModelClientOptions } from "../../src/llm/client.js";
import { ClaudeModel, stableOutput, type ClaudeModelOptions } from "../../src/llm/coding-agent.js";
import { planSchema, type PlanInput } from "../../src/plan/schema.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";
import {
  startFakeMessagesServer,
  type FakeContentBlock,
  type FakeMessagesServer,
} from "./fake-messages-server.js";

/** `node check.mjs FILE TEXT`: passes when FILE contains TEXT. */
const CHECK = `import { readFileSync } from "node:fs";
const [file, want] = process.argv.slice(2);
let text = "";
try { text = readFileSync(file, "utf8"); } catch {}
if (!text.includes(want)) { console.log("check failed: " + file + " does not contain " + want); process.exit(1); }
console.log("check passed");
`;

const REPO_FILES: Record<string, string> = {
  "README.md": "# calc\nA small calculator library.\n",
  "check.mjs": CHECK,
  "src/add.ts": "export function add(a: number, b: number): number {\n  return a + b;\n}\n",
  "src/sub.ts": "export function sub(a: number, b: number): number {\n  return a - b;\n}\n",
  "src/mul.ts": "export function mul(a: number, b: number): number {\n  return a * b;\n}\n",
  "src/index.ts": 'export * from "./add.js";\nexport * from "./sub.js";\nexport * from "./mul.js";\n',
};

const editTask = (id: string, file: string, want: string, instructions: string) => ({
  id,
  title: `Change ${file}`,
  edit: { files: [file], instructions },
  verify: `node check.mjs ${file} ${want}`,
});

function planOf(tasks: PlanInput["phases"][number]["tasks"], more: Partial<PlanInput> = {}): PlanInput {
  return {
    version: 1,
    id: "9-calc",
    title: "Calculator improvements",
    request: "improve the calculator",
    policy: { paths: { allow: ["src/**", "docs/**"] }, commands: { allow: ["node check.mjs *"] } },
    defaults: { retries: 1 },
    phases: [{ id: "main", title: "Main", mode: "sequential", tasks }],
    ...more,
  };
}

const THREE_TASKS = planOf([
  editTask("doc-add", "src/add.ts", "Adds", "Add a TSDoc comment `/** Adds two numbers. */` above add()."),
  editTask(
    "doc-sub",
    "src/sub.ts",
    "Subtracts",
    "Add a TSDoc comment `/** Subtracts b from a. */` above sub().",
  ),
  editTask("doc-mul", "src/mul.ts", "Multiplies", "Add a TSDoc comment `/** Multiplies. */` above mul()."),
]);

const use = (name: string, input: unknown): FakeContentBlock => ({ type: "tool_use", name, input });
const turn = (...content: FakeContentBlock[]) => ({ content });

/** A realistic four-turn task: read, edit, verify, finish. */
function docTurns(file: string, fn: string, doc: string) {
  return [
    turn({ type: "text", text: `Let me look at ${file}.` }, use("read_file", { path: file })),
    turn(
      use("apply_edits", {
        path: file,
        edits: [{ search: `export function ${fn}(`, replace: `/** ${doc} */\nexport function ${fn}(` }],
      }),
    ),
    turn(use("run_verify", {})),
    turn(use("finish", { summary: `Documented ${fn}().` })),
  ];
}

let server: FakeMessagesServer;
let repo: TestRepo | undefined;
beforeEach(async () => {
  server = await startFakeMessagesServer();
});
afterEach(async () => {
  await server.close();
  await repo?.cleanup();
  repo = undefined;
});

function client(extra: Partial<ModelClientOptions> = {}) {
  return createModelClient({
    apiKey: "sk-ant-test-000",
    baseURL: server.url,
    model: "claude-sonnet-4-6",
    maxRetries: 0,
    onWarning: () => {},
    ...extra,
  });
}

async function run(
  input: PlanInput,
  model: ClaudeModel,
  files = REPO_FILES,
): Promise<{ result: RunResult; trees: string[]; subjects: string[] }> {
  repo = await createTestRepo(files);
  const workspace = await openWorkspace(repo.dir);
  const initial = await workspace.head();
  const result = await executePlan({
    plan: planSchema.parse(input),
    planBlob: planBlobOf(JSON.stringify(input)),
    workspace,
    model,
    backoff: { baseMs: 1, maxMs: 5 },
  });
  const history = await workspace.history(initial);
  const trees = await Promise.all(history.map((c) => workspace.tree(c.sha)));
  return { result, trees, subjects: history.map((c) => c.subject) };
}

const agent = (extra: Partial<ClaudeModelOptions> = {}, clientExtra: Partial<ModelClientOptions> = {}) =>
  new ClaudeModel({ client: client(clientExtra), ...extra });

describe("ClaudeModel: the coding agent through executePlan, the real SDK and a real git repository", () => {
  it("runs a three-task edit plan to one commit per task, with most input tokens read from the cache", async () => {
    server.enqueue(
      ...docTurns("src/add.ts", "add", "Adds two numbers."),
      ...docTurns("src/sub.ts", "sub", "Subtracts b from a."),
      ...docTurns("src/mul.ts", "mul", "Multiplies."),
    );
    const model = agent();
    const { result, subjects } = await run(THREE_TASKS, model);
    expect(result.outcome).toBe("succeeded");
    expect(subjects).toEqual(["Change src/add.ts", "Change src/sub.ts", "Change src/mul.ts"]);
    expect(await repo!.git("show", "HEAD:src/mul.ts")).toMatch(
      /^\/\*\* Multiplies\. \*\/\nexport function mul/,
    );

    const first = server.requests[0]!.body;
    expect(first.tools.at(-1).cache_control).toEqual({ type: "ephemeral" });
    expect(first.system[0].cache_control).toEqual({ type: "ephemeral" });
    const [prefix, task] = first.messages[0].content;
    expect(prefix.cache_control).toEqual({ type: "ephemeral" });
    expect(prefix.text).toContain("id: 9-calc");
    expect(prefix.text).toContain("src/index.ts");
    expect(task.text).toContain("# Your task: doc-add");
    expect(task.cache_control).toBeUndefined();
    // the prefix is byte-identical for the next task
    const secondTask = server.requests[4]!.body.messages[0].content;
    expect(secondTask[0].text).toBe(prefix.text);
    expect(secondTask[1].text).toContain("# Your task: doc-sub");

    const share = model.cacheReadShare();
    expect(share).toBeGreaterThan(0.5);
    expect(model.stats().map((s) => [s.taskId, s.turns, s.outcome])).toEqual([
      ["doc-add", 4, "finished"],
      ["doc-sub", 4, "finished"],
      ["doc-mul", 4, "finished"],
    ]);
    expect(model.report()).toMatch(
      /3 task attempt\(s\), 12 turn\(s\), \$0\.\d+ .*\d+% cached\), 0 policy refusal\(s\)$/,
    );
    expect(result.usage.cacheReadTokens).toBe(model.totalUsage().cacheReadTokens);
  });

  it("retries after a failed verification with the failure in the prompt, and fixes it", async () => {
    server.enqueue(
      turn(
        use("write_file", {
          path: "src/add.ts",
          content: "export const add = (a: number, b: number) => a + b;\n",
        }),
      ),
      turn(use("finish", { summary: "Rewrote add." })),
      turn(
        use("apply_edits", {
          path: "src/add.ts",
          edits: [{ search: "export function add(", replace: "/** Adds. */\nexport function add(" }],
        }),
      ),
      turn(use("finish", { summary: "Documented add." })),
    );
    const model = agent();
    const { result } = await run(
      planOf([editTask("doc-add", "src/add.ts", "Adds", "Document add().")]),
      model,
    );
    expect(result.outcome).toBe("succeeded");
    expect(result.tasks[0]?.attempts).toBe(2);
    // the first attempt's rewrite was discarded before the second began
    const retry = server.requests[2]!.body.messages[0].content[1].text;
    expect(retry).toContain("This is attempt 2");
    expect(retry).toContain("check failed: src/add.ts does not contain Adds");
    expect(await repo!.git("show", "HEAD:src/add.ts")).toBe(
      "/** Adds. */\nexport function add(a: number, b: number): number {\n  return a + b;\n}",
    );
  });

  it("shows the model an edit that does not apply, and goes on when it sends a correct one", async () => {
    server.enqueue(
      turn(
        use("apply_edits", {
          path: "src/add.ts",
          edits: [{ search: "function add(x, y)", replace: "nope" }],
        }),
      ),
      turn(
        use("apply_edits", {
          path: "src/add.ts",
          edits: [{ search: "export function add(", replace: "/** Adds. */\nexport function add(" }],
        }),
      ),
      turn(use("finish", { summary: "Documented add." })),
    );
    const model = agent();
    const { result } = await run(
      planOf([editTask("doc-add", "src/add.ts", "Adds", "Document add().")]),
      model,
    );
    expect(result.outcome).toBe("succeeded");
    const feedback = server.requests[1]!.body.messages.at(-1).content[0];
    expect(feedback.is_error).toBe(true);
    expect(feedback.content).toMatch(
      /^No change made to src\/add\.ts\.\nBlock 1: the SEARCH text was not found/,
    );
    expect(model.stats()[0]).toMatchObject({ failedEdits: 1, refusals: 0, outcome: "finished" });
  });

  it("reports a policy refusal to the model, counts it, and lets it continue within the policy", async () => {
    server.enqueue(
      turn(use("write_file", { path: ".github/workflows/ci.yml", content: "on: push\n" })),
      turn(use("write_file", { path: "docs/add.md", content: "# add\nAdds two numbers.\n" })),
      turn(use("finish", { summary: "Wrote docs instead." })),
    );
    const model = agent();
    const { result } = await run(
      planOf([editTask("doc-add", "docs/add.md", "Adds", "Document add().")]),
      model,
    );
    expect(result.outcome).toBe("succeeded");
    const refusal = server.requests[1]!.body.messages.at(-1).content[0];
    expect(refusal.is_error).toBe(true);
    expect(refusal.content).toMatch(
      /^Refused by the plan's policy: writing ".github\/workflows\/ci.yml" is not allowed/,
    );
    expect(model.stats()[0]?.refusals).toBe(1);
  });

  it("stops at the plan's max_turns_per_task, failing closed with a policy error that names the limit", async () => {
    for (let i = 0; i < 3; i++) server.enqueue(turn(use("list_files", { glob: "src/**" })));
    const model = agent();
    const plan = planOf([editTask("doc-add", "src/add.ts", "Adds", "Document add().")], {
      budget: { max_turns_per_task: 3 },
    });
    const { result, subjects } = await run(plan, model);
    expect(result.outcome).toBe("failed");
    expect(result.failureClass).toBe("policy");
    expect(result.tasks[0]?.message).toMatch(
      /^task doc-add: stopped: reached 3 turns, the limit of max_turns_per_task \(spent \$/,
    );
    expect(result.tasks[0]?.attempts).toBe(1);
    expect(subjects).toEqual([]);
    expect(server.requests).toHaveLength(3);
  });

  it("stops when the plan's USD budget is spent", async () => {
    server.enqueue(turn(use("list_files", {})), turn(use("list_files", {})));
    const model = agent({ maxUsdPerPlan: 0.001 });
    const { result } = await run(
      planOf([editTask("doc-add", "src/add.ts", "Adds", "Document add().")]),
      model,
    );
    expect(result.failureClass).toBe("policy");
    expect(result.tasks[0]?.message).toMatch(
      /the plan's model cost reached \$0\.\d+, its budget max_usd is \$0\.001/,
    );
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ["USD per task", { maxUsdPerTask: 0.0001 }, /cost \$0\.\d+, the task limit is \$0\.0001/, 1],
    ["tokens per task", { maxTokensPerTask: 100 }, /used \d+ tokens, the task limit is 100/, 1],
    ["refusals", { maxRefusals: 1 }, /2 tool calls were refused by the plan's policy/, 2],
  ] as const)("fails closed on the %s limit, naming it", async (_name, limit, message, calls) => {
    const refused = turn(use("write_file", { path: "secrets/key.pem", content: "x" }));
    server.enqueue(refused, refused, refused);
    const { result } = await run(
      planOf([editTask("doc-add", "src/add.ts", "Adds", "Document add().")]),
      agent(limit),
    );
    expect(result.failureClass).toBe("policy");
    expect(result.tasks[0]?.message).toMatch(message);
    expect(server.requests).toHaveLength(calls);
  });

  it("fails closed on its wall-clock limit", async () => {
    let now = 0;
    const clock = { now: () => (now += 40_000), sleep: async () => {} };
    server.enqueue(turn(use("list_files", {})), turn(use("list_files", {})));
    const model = agent({ taskTimeoutMs: 60_000, clock });
    const { result } = await run(
      planOf([editTask("doc-add", "src/add.ts", "Adds", "Document add().")]),
      model,
    );
    expect(result.tasks[0]?.message).toMatch(/stopped: ran for \d+s, the limit is 60s/);
    expect(model.stats()[0]).toMatchObject({ outcome: "stopped", turns: 1 });
  });

  it("replays a recorded run to the same trees without a server", async () => {
    const dir = await mkdtemp(join(tmpdir(), "planwright-cassette-"));
    try {
      const cassette = join(dir, "run.jsonl");
      server.enqueue(
        ...docTurns("src/add.ts", "add", "Adds two numbers."),
        ...docTurns("src/sub.ts", "sub", "Subtracts b from a."),
        ...docTurns("src/mul.ts", "mul", "Multiplies."),
      );
      const recorded = await run(THREE_TASKS, agent({}, { record: cassette }));
      await repo?.cleanup();
      repo = undefined;
      await server.close();
      server = await startFakeMessagesServer();
      const replayed = await run(THREE_TASKS, agent({}, { replay: cassette, baseURL: "http://127.0.0.1:9" }));
      expect(replayed.result.outcome).toBe("succeeded");
      expect(replayed.trees).toEqual(recorded.trees);
      expect(replayed.trees).toHaveLength(3);
      expect(server.requests).toHaveLength(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("normalises timings in tool output so prompts stay identical between runs", () => {
    expect(stableOutput("ℹ duration_ms 185.07\n✔ login (1.23ms)\nDone in 2.5s")).toBe(
      "ℹ duration_ms <n>\n✔ login (<n>ms)\nDone in <n>s",
    );
  });
});
