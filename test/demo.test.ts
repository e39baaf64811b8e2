import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the offline demo (npm run demo)", () => {
  it("plans, runs, reports and rolls back with no key and no network", async () => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
    delete env["ANTHROPIC_API_KEY"];
    const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout).toMatch(/examples\/plans\/two-factor-auth\.yaml: valid/);
    expect(stdout).toMatch(/succeeded: all (\d+) tasks done/);
    expect(stdout).toMatch(/^\d+\/\d+ done$/m);
    expect(stdout).toMatch(/rolled back \d+ task\(s\)/);
    expect(stdout).toContain("tree after rollback == tree before the first task");
  }, 120_000);
});
