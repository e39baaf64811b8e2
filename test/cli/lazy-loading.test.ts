/**
 * The CLI loads what a command needs when it runs: `--version` and `--help` load no plan domain,
 * git, engine, GitHub client or model SDK; `validate` and `show` load only the plan domain (and the
 * one renderer asked for). Checked in a child process that records every module it loads, since
 * a module graph is a property of a whole process.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const HOOK = join(ROOT, "test", "cli", "fixtures", "record-loads.mjs");
const PLAN = join(ROOT, "examples", "plans", "two-factor-auth.yaml");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "planwright-loads-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The modules (paths relative to the repository) a CLI process loads for `args`. */
async function loadsOf(...args: string[]): Promise<string[]> {
  const file = join(dir, `loads-${args.join("-").replace(/\W+/g, "_")}.txt`);
  await exec(
    process.execPath,
    ["--import", "tsx", "--import", HOOK, join(ROOT, "src", "cli", "index.ts"), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, PLANWRIGHT_LOADS_FILE: file, NO_COLOR: "1" },
    },
  );
  const root = pathToFileURL(ROOT).href + "/";
  return (await readFile(file, "utf8"))
    .split("\n")
    .filter((u) => u.startsWith(root))
    .map((u) => u.slice(root.length).replace(/\?.*$/, ""));
}

const SDKS = /node_modules\/(@anthropic-ai|@octokit|probot|@actions)\//;
/** Layers above the plan domain, but for the constants the verify-bundle help prints. */
const OUTSIDE_PLAN = /^src\/(engine\/(?!apply-caps\.ts$)|git\/|github\/|flows\/|app\/|action\/)/;
/** The model layer, but for the prompt texts the revise command lists its modes from. */
const MODEL_LAYER = /^src\/llm\/(?!prompts\.ts$|sanitize\.ts$)/;

describe("what each CLI command loads", () => {
  it.each([["--version"], ["--help"]])(
    "%s loads no plan domain, yaml, zod, git, engine or SDK",
    async (flag) => {
      const loads = await loadsOf(flag);
      expect(loads).toContain("src/cli/program.ts");
      expect(loads.filter((m) => /^src\/plan\/|node_modules\/(yaml|zod)\//.test(m))).toEqual([]);
      expect(loads.filter((m) => SDKS.test(m) || OUTSIDE_PLAN.test(m) || MODEL_LAYER.test(m))).toEqual([]);
    },
  );

  it("validate loads the plan domain and nothing above it", async () => {
    const loads = await loadsOf("validate", PLAN);
    expect(loads).toContain("src/plan/load-plan.ts");
    expect(loads.filter((m) => SDKS.test(m) || OUTSIDE_PLAN.test(m) || MODEL_LAYER.test(m))).toEqual([]);
  });

  it("show loads only the renderer of the format asked for", async () => {
    const tree = await loadsOf("show", PLAN);
    expect(tree).toContain("src/plan/render-tree.ts");
    expect(tree.filter((m) => /render-(markdown|mermaid|json)\.ts$/.test(m))).toEqual([]);
    expect(tree.filter((m) => SDKS.test(m) || OUTSIDE_PLAN.test(m) || MODEL_LAYER.test(m))).toEqual([]);
    const markdown = await loadsOf("show", "--format", "markdown", PLAN);
    expect(markdown).toContain("src/plan/render-markdown.ts");
  });
});
