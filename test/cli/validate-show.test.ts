import { readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/program.js";

function captureIO(isTTY = false): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
    isTTY,
    env: {},
    cwd: process.cwd(),
  };
  return io;
}

const examples = readdirSync("examples/plans")
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => join("examples/plans", f));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "planwright-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("planwright validate", () => {
  it("accepts every example plan with exit 0", async () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
    const io = captureIO();
    expect(await main(["validate", ...examples], io)).toBe(0);
    for (const file of examples) expect(io.stdout).toContain(`${file}: valid`);
  });

  it("prints FILE:LINE:COL problems and exits 1 for an invalid plan", async () => {
    const file = join(dir, "typo.yaml");
    await writeFile(
      file,
      [
        "version: 1",
        "id: typo",
        "title: Typo",
        "request: typo",
        "phases:",
        "  - id: p",
        "    tasks:",
        "      - id: a",
        "        title: A",
        "        run: npm test",
        "        need: [b]",
        "",
      ].join("\n"),
    );
    const io = captureIO();
    expect(await main(["validate", file], io)).toBe(1);
    expect(io.stderr).toMatch(
      new RegExp(`^${file.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")}:11:9: error: .*need`, "m"),
    );
    expect(io.stderr).toContain('"needs"');
  });

  it("reports problems as JSON with --json", async () => {
    const file = join(dir, "bad-id.yaml");
    await writeFile(file, "version: 1\nid: Bad_Id\ntitle: T\nrequest: r\nphases: []\n");
    const io = captureIO();
    expect(await main(["validate", "--json", file], io)).toBe(1);
    const report = JSON.parse(io.stdout) as { file: string; valid: boolean; problems: { line: number }[] }[];
    expect(report[0]?.valid).toBe(false);
    expect(report[0]?.problems.map((p) => p.line)).toContain(2);
  });

  it("is a usage error (exit 2) without files, and a clear error for a missing file", async () => {
    const none = captureIO();
    expect(await main(["validate"], none)).toBe(2);
    const missing = captureIO();
    expect(await main(["validate", join(dir, "nope.yaml")], missing)).toBe(2);
    expect(missing.stderr).toContain("nope.yaml: no such file");
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("planwright show", () => {
  it("renders each format of an example", async () => {
    const file = examples.find((f) => f.includes("two-factor"))!;
    const tree = captureIO();
    expect(await main(["show", file], tree)).toBe(0);
    expect(tree.stdout).toMatch(/├─|└─/);
    expect(tree.stdout).not.toContain("\u001b["); // not a TTY: no colour

    const ascii = captureIO();
    expect(await main(["show", "--ascii", file], ascii)).toBe(0);
    expect(ascii.stdout).not.toMatch(/[├└─]/);

    const md = captureIO();
    expect(await main(["show", "-f", "markdown", file], md)).toBe(0);
    expect(md.stdout).toContain("```mermaid");
    expect(md.stdout).toContain("/execute");

    const mermaid = captureIO();
    expect(await main(["show", "--format", "mermaid", file], mermaid)).toBe(0);
    expect(mermaid.stdout).toMatch(/^flowchart/m);

    const json = captureIO();
    expect(await main(["show", "--format", "json", file], json)).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveProperty("graphHash");
  });

  it("refuses an unknown format with a usage error", async () => {
    const io = captureIO();
    expect(await main(["show", "--format", "pdf", examples[0]!], io)).toBe(2);
    expect(io.stderr).toContain("pdf");
  });
});

describe("planwright --version and schema", () => {
  it("prints the version and the JSON Schema", async () => {
    const version = captureIO();
    expect(await main(["--version"], version)).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const schema = captureIO();
    expect(await main(["schema"], schema)).toBe(0);
    const parsed = JSON.parse(schema.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(parsed.properties)).toContain("phases");
  });
});
