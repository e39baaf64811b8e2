import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { evaluateApprovalPolicy } from "../../src/flows/approval-policy.js";
import type { Review } from "../../src/github/gateway.js";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src");

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".ts")).map((e) => join(e.parentPath, e.name));
}

describe("the App and its reviews", () => {
  it("has no code that submits a review: no createReview/submitReview call, no APPROVE event", async () => {
    const offenders: string[] = [];
    for (const file of await sources(SRC)) {
      const text = await readFile(file, "utf8");
      if (/\b(createReview|submitReview)\b|\/reviews\/\{?review_id\}?\/events|["']APPROVE["']/.test(text)) {
        offenders.push(file.slice(SRC.length + 1));
      }
    }
    expect(offenders).toEqual([]);
  });

  it("never counts its own approval, whatever account type or permission it shows", () => {
    const commit = "c".repeat(40);
    const blob = "b".repeat(40);
    const own: Review = {
      id: 1,
      user: { login: "Planwright-App", type: "User" },
      state: "APPROVED",
      body: "",
      commitId: commit,
      submittedAt: "2026-01-01T00:00:00Z",
    };
    const result = evaluateApprovalPolicy({
      reviews: [own],
      permissions: new Map([["planwright-app", "admin"]]),
      planBlobAt: new Map([[commit, blob]]),
      currentPlanBlob: blob,
      risk: "low",
      config: DEFAULT_CONFIG.approvals,
      botLogins: ["planwright-app[bot]"],
    });
    expect(result.satisfied).toBe(false);
    expect(result.counted).toEqual([]);
    expect(result.ignored).toEqual([
      { login: "Planwright-App", reason: "approval does not count (Planwright's own)" },
    ]);
  });
});
