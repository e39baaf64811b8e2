import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PolicyError } from "../../src/errors.js";
import { createAgentTools } from "../../src/engine/agent-tools.js";
import type { AgentTools } from "../../src/engine/ports.js";
import { mergePolicy } from "../../src/plan/policy.js";

let base: string;
let root: string;
let outside: string;
let tools: AgentTools;
let verifyCalls = 0;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "planwright-tools-"));
  root = join(base, "tree");
  outside = join(base, "outside");
  await mkdir(join(root, "src/lib"), { recursive: true });
  await mkdir(join(root, "node_modules/x"), { recursive: true });
  await mkdir(outside);
  await writeFile(join(root, "src/a.ts"), "export const a = 1;\n// TODO one\n");
  await writeFile(join(root, "src/lib/b.ts"), "line1\nline2\nline3\n");
  await writeFile(join(root, "node_modules/x/index.js"), "// TODO hidden\n");
  await writeFile(join(root, ".env"), "SECRET=1\n");
  await writeFile(join(outside, "victim.txt"), "safe\n");
  await symlink(outside, join(root, "escape"));
  verifyCalls = 0;
  tools = createAgentTools({
    root,
    policy: mergePolicy({ paths: { allow: ["src/**"] } }),
    runVerify: async () => {
      verifyCalls++;
      return { exitCode: 0, output: "ok", timedOut: false, durationMs: 1 };
    },
  });
});
afterEach(() => rm(base, { recursive: true, force: true }));

describe("agent tools", () => {
  it("reads files whole or by line range, but never denied ones", async () => {
    expect(await tools.readFile("src/lib/b.ts", { startLine: 2, endLine: 3 })).toBe("line2\nline3");
    expect(await tools.readFile("src/a.ts")).toContain("export const a");
    await expect(tools.readFile(".env")).rejects.toBeInstanceOf(PolicyError);
    await expect(tools.readFile("escape/victim.txt")).rejects.toThrow(/outside the working tree/);
  });

  it("lists and searches files, skipping .git, node_modules and denied files", async () => {
    expect(await tools.listFiles()).toEqual(["escape", "src/a.ts", "src/lib/b.ts"]);
    expect(await tools.listFiles("src/**/*.ts")).toEqual(["src/a.ts", "src/lib/b.ts"]);
    expect(await tools.search("TODO")).toEqual([{ path: "src/a.ts", line: 2, text: "// TODO one" }]);
    await expect(tools.search("(")).rejects.toThrow(/invalid search pattern/);
  });

  it("writes and deletes only inside the allowed paths", async () => {
    await tools.writeFile("src/new/c.ts", "c\n");
    expect(await readFile(join(root, "src/new/c.ts"), "utf8")).toBe("c\n");
    await tools.deleteFile("src/a.ts");
    await expect(readFile(join(root, "src/a.ts"))).rejects.toThrow();
    await expect(tools.writeFile("README.md", "x")).rejects.toThrow(/not in policy.paths.allow/);
    await expect(tools.writeFile("../x", "x")).rejects.toThrow(/escapes the repository/);
    await expect(tools.writeFile(".git/hooks/pre-commit", "x")).rejects.toThrow(/\.git/);
    await expect(tools.deleteFile("src/none.ts")).rejects.toThrow("no such file: src/none.ts");
  });

  it("refuses to write through a symbolic link out of the tree", async () => {
    const open = createAgentTools({
      root,
      policy: {},
      runVerify: async () => ({ exitCode: 0, output: "", timedOut: false, durationMs: 0 }),
    });
    await expect(open.writeFile("escape/victim.txt", "pwned")).rejects.toThrow(/outside the working tree/);
    expect(await readFile(join(outside, "victim.txt"), "utf8")).toBe("safe\n");
  });

  it("runs the task's verification", async () => {
    expect((await tools.runVerify()).output).toBe("ok");
    expect(verifyCalls).toBe(1);
  });
});
