import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { createLocalRepoReader } from "../../src/llm/local-repo-reader.js";
import { planToYaml } from "../../src/llm/plan-yaml.js";
import {
  buildRepoContext,
  estimateTokens,
  keywordsOf,
  pathScore,
  trimmedTree,
  type RepoReader,
} from "../../src/llm/repo-context.js";
import { loadPlan } from "../../src/plan/load-plan.js";

const EXAMPLE_REPO = fileURLToPath(new URL("../../examples/repo", import.meta.url));

/** An in-memory reader: the shape the GitHub tree reader will have. */
function memoryReader(files: Record<string, string>): RepoReader {
  return {
    listFiles: async () => Object.keys(files).sort(),
    readFile: async (path, maxBytes = Infinity) => files[path]?.slice(0, maxBytes),
  };
}

async function tempTree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "planwright-ctx-"));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

describe("buildRepoContext", () => {
  it("puts the tree, README, manifest and CI first, then the files most relevant to the request", async () => {
    const reader = await createLocalRepoReader(EXAMPLE_REPO);
    const ctx = await buildRepoContext(reader, "add 2FA to the login", { tokenBudget: 8_000 });
    expect(ctx.text).toMatch(/^## File tree \(\d+ files\)\n/);
    expect(ctx.files.slice(0, 4)).toEqual([
      "README.md",
      "package.json",
      "tsconfig.json",
      ".github/workflows/ci.yml",
    ]);
    const relevant = ctx.files.slice(4);
    expect(relevant[0]).toBe("src/auth/login.ts");
    // login code ranks above the unrelated user store
    expect(relevant.indexOf("src/auth/login.ts")).toBeLessThan(
      relevant.includes("src/users/store.ts") ? relevant.indexOf("src/users/store.ts") : Infinity,
    );
    expect(ctx.tokens).toBeLessThanOrEqual(8_000);
  });

  it("stays within a small budget by cutting files, and works over any RepoReader", async () => {
    const files: Record<string, string> = { "README.md": "# big\n" + "readme text ".repeat(2000) };
    for (let i = 0; i < 50; i++)
      files[`src/mod${i}/payment${i}.ts`] = `export const payment${i} = 1;\n`.repeat(200);
    const ctx = await buildRepoContext(memoryReader(files), "fix payment rounding", { tokenBudget: 2_000 });
    expect(ctx.tokens).toBeLessThanOrEqual(2_000);
    expect(ctx.text).toContain("cut to fit the context budget");
    expect(ctx.totalFiles).toBe(51);
  });

  it("folds deep folders of a large tree into counts", () => {
    const files = Array.from({ length: 2000 }, (_, i) => `packages/p${i % 20}/src/deep/file${i}.ts`);
    const tree = trimmedTree(["README.md", ...files], 1_000);
    expect(tree.length).toBeLessThanOrEqual(1_000);
    expect(tree).toContain("README.md");
    expect(tree).toContain("packages/p0/src/ (100 files)");
    expect(trimmedTree(files, 200)).toMatch(/^packages\/ \(2000 files\)$|more entries$/);
  });

  it("scores paths by keywords and expands common request words", () => {
    const kw = keywordsOf("Add 2FA to userLogin");
    expect(kw).toEqual(expect.arrayContaining(["2fa", "user", "login", "totp"]));
    expect(kw).not.toContain("add");
    expect(pathScore("src/auth/login.ts", kw)).toBeGreaterThan(pathScore("src/billing/invoice.ts", kw));
    expect(estimateTokens("abcd".repeat(10))).toBe(10);
  });
});

describe("createLocalRepoReader", () => {
  it("skips .git, node_modules, ignored and binary files, and refuses escapes", async () => {
    const root = await tempTree({
      ".gitignore": "secret/\n*.log\n",
      "src/a.ts": "a",
      "node_modules/x/index.js": "x",
      ".git/config": "c",
      "secret/key.txt": "k",
      "debug.log": "l",
      "img.bin": "\u0000\u0001binary",
    });
    try {
      const reader = await createLocalRepoReader(root);
      expect(await reader.listFiles()).toEqual([".gitignore", "img.bin", "src/a.ts"]);
      expect(await reader.readFile("src/a.ts")).toBe("a");
      expect(await reader.readFile("img.bin")).toBeUndefined();
      expect(await reader.readFile("../etc/passwd")).toBeUndefined();
      expect(await reader.readFile("missing.ts")).toBeUndefined();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    await expect(createLocalRepoReader(join(root, "nope"))).rejects.toBeInstanceOf(UsageError);
  });
});

describe("planToYaml", () => {
  it("round-trips the example plan with the documented key order and a schema header", () => {
    const file = fileURLToPath(new URL("../../examples/plans/two-factor-auth.yaml", import.meta.url));
    const data = parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const shuffled = Object.fromEntries(Object.entries(data).reverse());
    const text = planToYaml(shuffled, { schemaUrl: "schema.json" });
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=schema.json");
    expect(parse(text)).toEqual(data);
    expect(Object.keys(parse(text) as object)).toEqual(Object.keys(data));
    expect(text).toContain("summary: |\n  Adds optional TOTP");
    expect(text).toContain("needs: [ add-otp-lib ]");
    expect(loadPlan(text).plan?.id).toBe("42-add-2fa");
  });
});

describe("planToYaml styles", () => {
  it("keeps short tasks as blocks and only settings maps and scalar lists on one line", () => {
    const text = planToYaml({
      version: 1,
      id: "p",
      title: "T",
      request: "r",
      budget: { max_usd: 1 },
      phases: [{ id: "a", tasks: [{ id: "t", title: "T", run: "npm test", needs: ["x"] }] }],
    });
    expect(text).toContain("budget: { max_usd: 1 }\n");
    expect(text).toContain(
      "  - id: a\n    tasks:\n      - id: t\n        title: T\n        needs: [ x ]\n        run: npm test\n",
    );
  });
});
