/**
 * The documentation stays complete and navigable: the README fits on a screen (≤ 12 KB), every
 * configuration key of the zod schema has a row in docs/configuration.md, every CLI command has a
 * section in docs/cli.md naming each of its flags, every relative link and image of README.md and
 * docs/ resolves (headings included), and the pictures exist. Each check is also run on a doctored
 * copy, to show it fails.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { configSchema } from "../../src/config.js";
import {
  anchorsOf,
  brokenLinks,
  githubSlug,
  keyPathsOf,
  undocumentedFlags,
  undocumentedKeys,
} from "./doc-checks.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const pageFiles = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const pages = new Map(pageFiles.map((f) => [f, read(f)]));
const exists = (path: string) => existsSync(join(ROOT, path));
const program = () =>
  buildProgram(
    { out: () => undefined, err: () => undefined, isTTY: false, env: {}, cwd: ROOT },
    () => undefined,
  );

describe("the README", () => {
  it("is at most 12 KB", () => {
    expect(statSync(join(ROOT, "README.md")).size).toBeLessThanOrEqual(12 * 1024);
  });

  it("starts with the two set-up commands: the offline demo and the tests", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(read("README.md"))?.[1] ?? "";
    expect(firstBlock).toMatch(/^npm ci && npm run demo\b/m);
    expect(firstBlock).toMatch(/^npm test\b/m);
    expect(read("README.md").indexOf("```sh")).toBeLessThan(200);
  });
});

describe("every configuration key is documented", () => {
  const keys = keyPathsOf(configSchema);

  it("reads the keys from the schema itself", () => {
    expect(keys).toEqual(
      expect.arrayContaining(["model", "approvals.by_risk.high", "policy.commands.allow"]),
    );
    expect(keys.length).toBeGreaterThan(20);
  });

  it("has every key, as its dotted path, in docs/configuration.md", () => {
    expect(undocumentedKeys(keys, read("docs/configuration.md"))).toEqual([]);
  });

  it("notices a key that is missing, and does not take a mention of its parent or leaf for it", () => {
    const page = read("docs/configuration.md").replaceAll("`execution.allow_forks`", "`allow_forks`");
    expect(undocumentedKeys(keys, page)).toEqual(["execution.allow_forks"]);
  });
});

describe("every CLI command and flag is documented", () => {
  it("has a section per command in docs/cli.md naming each of its flags", () => {
    expect(program().commands.length).toBeGreaterThanOrEqual(9);
    expect(undocumentedFlags(program(), read("docs/cli.md"))).toEqual([]);
  });

  it("documents the program's own flags", () => {
    for (const option of program().options) {
      expect(read("docs/cli.md"), option.flags).toContain(`\`${option.long}\``);
    }
  });

  it("notices a flag named only in another command's section, and a missing section", () => {
    const page = read("docs/cli.md");
    const withoutDryRun = page.replace("| `--dry-run` |", "| dry run |");
    expect(withoutDryRun).toContain("--dry-run"); // still named elsewhere on the page
    expect(undocumentedFlags(program(), withoutDryRun)).toEqual(["planwright run --dry-run"]);
    const withoutSchema = page.replace("### `planwright schema`", "### The schema");
    expect(undocumentedFlags(program(), withoutSchema)).toEqual(["planwright schema: no section"]);
  });
});

describe("links", () => {
  it("resolve, files and headings, from the README and every docs page", () => {
    const problems = pageFiles.flatMap((file) => brokenLinks(file, pages, exists));
    expect(problems).toEqual([]);
  });

  it("link every docs page from the docs index and the README's pages from the README", () => {
    const index = read("docs/README.md");
    for (const file of pageFiles.filter((f) => f.startsWith("docs/") && f !== "docs/README.md")) {
      expect(index, file).toContain(`](${file.slice("docs/".length)})`);
    }
  });

  it("computes GitHub's anchors, repeated headings included", () => {
    expect(githubSlug("Seeing a plan: `planwright show`")).toBe("seeing-a-plan-planwright-show");
    expect(githubSlug("Set-up 1: with the App (`examples/workflows/planwright.yml`)")).toBe(
      "set-up-1-with-the-app-examplesworkflowsplanwrightyml",
    );
    expect([...anchorsOf("# A\n## B\n```\n# not a heading\n```\n## B\n")]).toEqual(["a", "b", "b-1"]);
  });

  it("notices a missing file, a missing heading, a path out of the repository, and ignores code", () => {
    const doctored = new Map(pages);
    doctored.set(
      "docs/x.md",
      [
        "[a](cli.md#no-such-heading) [b](nope.md) [c](../../etc/passwd) ![d](images/none.png)",
        "`[e](nope.md)`",
        "```",
        "[f](nope.md)",
        "```",
        "[g](cli.md#command-reference) [h](https://example.com/x.md)",
      ].join("\n"),
    );
    expect(brokenLinks("docs/x.md", doctored, exists)).toEqual([
      "docs/x.md: link to cli.md#no-such-heading: no such heading",
      "docs/x.md: link to nope.md: no such file",
      "docs/x.md: link to ../../etc/passwd: no such file",
      "docs/x.md: link to images/none.png: no such file",
    ]);
  });
});

describe("pictures", () => {
  const images = ["plan-pr.png", "checks.png", "status-comment.png"];

  it.each(images)("docs/images/%s exists, is a PNG and has a plausible size", (name) => {
    const path = join(ROOT, "docs", "images", name);
    expect(existsSync(path), `${path} is missing: run npm run screenshots`).toBe(true);
    const bytes = readFileSync(path);
    expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(bytes.length).toBeGreaterThan(10 * 1024);
    expect(bytes.length).toBeLessThan(1024 * 1024);
  });
});
