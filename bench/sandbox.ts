/**
 * End-to-end benchmarks against the GitHub sandbox, run with `npx tsx bench/sandbox.ts`:
 *
 * 1. GitHub API requests per `/plan`, per approval, per `/execute` and per executed task, counted
 *    by the sandbox for a 10-task and a 100-task plan (App and Action requests separately).
 *    The stand-in notices pushes by polling the branch heads every 200 ms, so pushes close together
 *    come as one `pull_request.synchronize` where GitHub sends one per push: the App's requests
 *    "answering the pushes" are a lower bound.
 * 2. The cacheable share of input tokens (cache reads / all input tokens) over a 10-task `edit`
 *    run executed by the bundled Action with the fake model.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { CONFIG_FILES, startWorld } from "../test/e2e/e2e-harness.js";
import { manyTasks, submitPlan } from "../test/e2e/scripted-plans.js";
import { ACTIONS_BOT } from "../test/sandbox/action-runner.js";
import type { RequestRecord } from "../test/sandbox/github-sandbox.js";

const MANUAL_CONFIG = {
  ".github/planwright.yml": (CONFIG_FILES[".github/planwright.yml"] ?? "").replace(
    "auto_execute: true",
    "auto_execute: false",
  ),
};

const byApp = (r: RequestRecord) => r.actor === "planwright[bot]" || r.actor === "app";
const byAction = (r: RequestRecord) => r.actor === ACTIONS_BOT;
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

async function requestsFor(tasks: number): Promise<string> {
  // the Action on the workflow token, so that its requests are told apart from the App's
  const world = await startWorld({ files: MANUAL_CONFIG, runner: { token: "actions" } });
  try {
    const { github, model } = world;
    const issue = await github.createIssue("maya", "Many files");
    await world.settle();
    github.resetCounts();
    model.enqueue(submitPlan(manyTasks(tasks)));
    await github.comment("maya", issue.number, "/plan write many files");
    const pull = await world.waitFor("the plan PR", () =>
      [...github.state.issues.values()].find((i) => i.pull),
    );
    await world.settle();
    const perPlan = total(github.counts(byApp));

    github.resetCounts();
    await github.review("rob", pull.number, { state: "APPROVED" });
    await world.settle();
    const perApproval = total(github.counts(byApp));

    github.resetCounts();
    await github.comment("maya", pull.number, "/execute");
    await world.waitFor(
      "the run",
      () => [...github.state.workflowRuns.values()].find((r) => r.status === "completed"),
      600_000,
    );
    await world.settle();
    const run = [...github.state.workflowRuns.values()][0];
    const syncs = github.deliveries.filter(
      (d) => d.event === "pull_request" && d.action === "synchronize",
    ).length;
    const perExecute = total(github.counts(byApp));
    const action = total(github.counts(byAction));
    return (
      `${tasks}-task plan: /plan ${perPlan} App requests; approval ${perApproval}; /execute and the run ` +
      `${perExecute} App + ${action} Action requests; per executed task ${(action / tasks).toFixed(1)} Action + ` +
      `${(perExecute / tasks).toFixed(1)} App (answering the pushes; ${syncs} synchronize deliveries for ${tasks} pushes, ` +
      `a lower bound) (run ${run?.conclusion})`
    );
  } finally {
    await world.close();
  }
}

export async function benchSandbox(): Promise<string[]> {
  const lines: string[] = [];
  lines.push(await requestsFor(10));
  lines.push(await requestsFor(100));
  lines.push(await cacheShare());
  return lines;
}

/** A recording proxy in front of the fake Messages server: usage of every answer. */
async function usageProxy(
  target: string,
): Promise<{ url: string; usages: Record<string, number>[]; server: Server }> {
  const usages: Record<string, number>[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([k, v]) => typeof v === "string" && !["host", "content-length"].includes(k),
        ),
      ) as Record<string, string>;
      const answer = await fetch(`${target}${req.url ?? ""}`, {
        method: req.method ?? "POST",
        headers,
        body: Buffer.concat(chunks),
      });
      const text = await answer.text();
      for (const match of text.matchAll(/"usage":(\{[^{}]*\})/g)) {
        const usage = JSON.parse(match[1] ?? "{}") as Record<string, number>;
        if (usage.input_tokens !== undefined) usages.push(usage);
      }
      res.writeHead(answer.status, {
        "content-type": answer.headers.get("content-type") ?? "application/json",
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, usages, server };
}

async function cacheShare(): Promise<string> {
  const files: Record<string, string> = { ...MANUAL_CONFIG };
  const tasks = Array.from({ length: 10 }, (_, i) => {
    const n = i + 1;
    files[`src/lib/f${n}.ts`] = `export function f${n}(a: number): number {\n  return a + ${n};\n}\n`;
    return {
      id: `doc-f${n}`,
      title: `Document f${n}`,
      edit: { files: [`src/lib/f${n}.ts`], instructions: `Add a TSDoc comment above f${n}().` },
    };
  });
  const plan = {
    title: "Document the helpers",
    summary: "Adds TSDoc comments.",
    defaults: { verify: "node --version" },
    phases: [{ id: "docs", title: "Docs", mode: "sequential", tasks }],
  };
  const world = await startWorld({ files, runner: { token: "actions" } });
  const proxy = await usageProxy(world.model.url);
  world.github.setRunner(
    (await import("../test/sandbox/action-runner.js")).actionRunner({
      entry: (await import("../test/e2e/e2e-harness.js")).ACTION_ENTRY,
      anthropicApiKey: "sk-ant-sandbox",
      env: { ANTHROPIC_BASE_URL: proxy.url },
    }),
  );
  try {
    const { github, model } = world;
    const issue = await github.createIssue("maya", "Docs");
    model.enqueue(submitPlan(plan));
    await github.comment("maya", issue.number, "/plan document the helpers");
    const pull = await world.waitFor("the plan PR", () =>
      [...github.state.issues.values()].find((i) => i.pull),
    );
    const use = (name: string, input: unknown) => ({ content: [{ type: "tool_use" as const, name, input }] });
    for (let n = 1; n <= 10; n++) {
      model.enqueue(
        use("read_file", { path: `src/lib/f${n}.ts` }),
        use("apply_edits", {
          path: `src/lib/f${n}.ts`,
          edits: [{ search: `export function f${n}(`, replace: `/** Adds ${n}. */\nexport function f${n}(` }],
        }),
        use("run_verify", {}),
        use("finish", { summary: `Documented f${n}().` }),
      );
    }
    await github.review("rob", pull.number, { state: "APPROVED" });
    await world.settle();
    await github.comment("maya", pull.number, "/execute");
    const run = await world.waitFor(
      "the run",
      () => [...github.state.workflowRuns.values()].find((r) => r.status === "completed"),
      600_000,
    );
    const sum = (key: string) => proxy.usages.reduce((a, u) => a + (u[key] ?? 0), 0);
    const read = sum("cache_read_input_tokens");
    const all = sum("input_tokens") + sum("cache_creation_input_tokens") + read;
    return (
      `cacheable share of input tokens over a 10-task edit run: ${((100 * read) / Math.max(1, all)).toFixed(1)} % ` +
      `(${read} of ${all} input tokens read from the cache, ${proxy.usages.length} model calls, run ${run.conclusion})`
    );
  } finally {
    proxy.server.close();
    await world.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await benchSandbox()) console.log(line);
  process.exit(0);
}
