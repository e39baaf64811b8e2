/**
 * The Action's bundle, built from the sources into a temporary folder with the real build script:
 * its entry (what action.yml runs) loads at start only what every command needs; the model SDK and
 * the rollback flow are chunks loaded when used; what the Action never runs (undici behind
 * @actions/core's OIDC client, zod's translations) is not in it at all.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Metafile } from "esbuild";
import { buildAction, composition, startupOutputs } from "../../scripts/build-action.js";

let dir: string;
let metafile: Metafile;
let entry: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "planwright-bundle-"));
  metafile = await buildAction(join(dir, "dist"));
  entry = Object.keys(metafile.outputs).find((f) => f.endsWith("dist/index.js")) ?? "";
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const inputsOf = (outputs: readonly string[]) =>
  outputs.flatMap((f) => Object.keys(metafile.outputs[f]?.inputs ?? {}));

describe("the Action bundle", () => {
  it("has the entry action.yml runs, for the main and the post step", async () => {
    const manifest = await readFile("action/action.yml", "utf8");
    expect(manifest).toMatch(/main: dist\/index\.js/);
    expect(manifest).toMatch(/post: dist\/index\.js/);
    expect(entry).not.toBe("");
  });

  it("loads the model SDK, the coding agent, the planner and rollback only when a command needs them", () => {
    const start = inputsOf(startupOutputs(metafile, entry));
    expect(start.some((p) => p.includes("src/action/main.ts"))).toBe(true);
    expect(start.some((p) => p.includes("src/flows/execute-plan.ts"))).toBe(true);
    expect(
      start.filter((p) =>
        /@anthropic-ai\/sdk|src\/llm\/(client|coding-agent)|rollback-plan|request-plan/.test(p),
      ),
    ).toEqual([]);
    const all = inputsOf(Object.keys(metafile.outputs));
    expect(all.some((p) => p.includes("@anthropic-ai/sdk"))).toBe(true);
    expect(all.some((p) => p.includes("src/flows/rollback-plan.ts"))).toBe(true);
  });

  it("leaves out what the Action never runs", () => {
    const all = inputsOf(Object.keys(metafile.outputs));
    expect(all.filter((p) => /node_modules\/(undici|@actions\/http-client)\//.test(p))).toEqual([]);
    expect(all.filter((p) => /zod\/v4\/locales\/(?!en\.js)/.test(p))).toEqual([]);
    expect(all.some((p) => p.includes("zod/v4/locales/en.js"))).toBe(true);
  });

  it("reports its composition by package, summing to the bytes of the outputs", () => {
    const parts = composition(metafile);
    const inputs = Object.values(metafile.outputs).reduce(
      (n, o) => n + Object.values(o.inputs).reduce((m, i) => m + i.bytesInOutput, 0),
      0,
    );
    expect(parts.reduce((n, [, bytes]) => n + bytes, 0)).toBe(inputs);
    expect(parts.map(([name]) => name)).toContain("zod");
  });
});
