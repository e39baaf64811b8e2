import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

function offlineEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env["ANTHROPIC_API_KEY"];
  return env;
}

describe("the offline demo (npm run demo)", () => {
  it("shows the GitHub cycle: plan PR, revision, approvals, checks per task, Continue, rollbacks", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      env: offlineEnv(),
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout).toMatch(/Planwright opens the plan pull request #\d+/);
    expect(stdout).toContain("Plan: Add two-factor authentication (#1)");
    expect(stdout).toMatch(/```mermaid\n\s+│ flowchart TD/);
    expect(stdout).toMatch(/planwright +action_required +awaiting approval: 1 of 2 approvals/);
    expect(stdout).toContain("revised the plan on the branch");
    expect(stdout).toMatch(/planwright +action_required +waiting: 1\/3 done.*\[Continue\]/);
    for (const task of ["totp-service", "login-step", "docs-2fa"]) {
      expect(stdout).toMatch(new RegExp(`✓ planwright / ${task} +success`));
    }
    expect(stdout).toMatch(/planwright +success +succeeded: 3\/3 done/);
    expect(stdout).toContain('Revert "Ask for the code after the password"');
    expect(stdout).toContain('Revert "TOTP service"');
    expect(stdout).toContain("tree after rollback == main's tree (besides the plan file)");
    expect(stdout).toMatch(/4 workflow runs, \d+ GitHub requests, 11 model calls \(replayed\)/);
    expect(stdout).toContain("npm run playground");
  }, 240_000);
});

describe("the command-line demo (npm run demo:cli)", () => {
  it("plans, runs, reports and rolls back with no key and no network", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/demo-cli.ts"], {
      env: offlineEnv(),
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout).toMatch(/examples\/plans\/two-factor-auth\.yaml: valid/);
    expect(stdout).toMatch(/succeeded: all (\d+) tasks done/);
    expect(stdout).toMatch(/^\d+\/\d+ done$/m);
    expect(stdout).toMatch(/rolled back \d+ task\(s\)/);
    expect(stdout).toContain("tree after rollback == tree before the first task");
  }, 120_000);
});
