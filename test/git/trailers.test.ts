import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatCommitMessage, parseLog, parseTrailers } from "../../src/git/trailers.js";
import { openWorkspace, type GitWorkspace } from "../../src/git/git-workspace.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";

describe("formatCommitMessage", () => {
  it("writes title, body and trailers as separate paragraphs", () => {
    expect(formatCommitMessage("Title", "Body line\n", [["Planwright-Task", "a"]])).toBe(
      "Title\n\nBody line\n\nPlanwright-Task: a\n",
    );
    expect(formatCommitMessage("Title", "", [["K", "v"]])).toBe("Title\n\nK: v\n");
    expect(formatCommitMessage("Title", "", [])).toBe("Title\n");
  });

  it("folds multi-line titles and trailer values onto one line", () => {
    expect(formatCommitMessage("Two\nlines ", "", [["K", "a\nb\r\n c"]])).toBe("Two lines\n\nK: a b c\n");
    expect(formatCommitMessage("  \n", "", [])).toBe("(untitled)\n");
  });

  it("refuses a key git would not read back", () => {
    expect(() => formatCommitMessage("t", "", [["Bad Key", "v"]])).toThrow(
      /invalid git trailer key: "Bad Key"/,
    );
  });
});

describe("parseLog and parseTrailers", () => {
  it("parses NUL-separated records with or without a final separator", () => {
    const rec = (sha: string, parents: string, subject: string, trailers: string) =>
      [sha, parents, subject, trailers].join("\0");
    const out = [
      rec("a".repeat(40), "", "first", ""),
      rec("b".repeat(40), `${"a".repeat(40)} ${"c".repeat(40)}`, "merge: x", "K: v\nK: w\n"),
    ].join("\0");
    const commits = parseLog(out);
    expect(commits).toEqual([
      { sha: "a".repeat(40), parents: [], subject: "first", trailers: {} },
      {
        sha: "b".repeat(40),
        parents: ["a".repeat(40), "c".repeat(40)],
        subject: "merge: x",
        trailers: { K: "w" },
      },
    ]);
    expect(parseLog(out + "\0")).toEqual(commits);
    expect(parseLog("")).toEqual([]);
    expect(() => parseLog("a\0b")).toThrow(/not a multiple of 4/);
  });

  it("ignores lines that are not trailers", () => {
    expect(parseTrailers("not a trailer\n: empty key\nKey: value: with colon\nbad key: x\n")).toEqual({
      Key: "value: with colon",
    });
  });
});

describe("trailers through real git", () => {
  let repo: TestRepo;
  let ws: GitWorkspace;
  beforeEach(async () => {
    repo = await createTestRepo();
    ws = await openWorkspace(repo.dir);
  });
  afterEach(async () => {
    await repo.cleanup();
  });

  it("round-trips arbitrary titles, bodies and trailer values", async () => {
    const text = fc.string({ unit: "grapheme", maxLength: 40 });
    const samples = fc.sample(fc.tuple(text, text, text, text), { numRuns: 12, seed: 42 });
    samples.push(["Fix: looks like a trailer", "Reviewed-by: someone\n\n# not a comment", "v", "w"]);
    samples.push(["nul\0in title", "body\0", "a\0b", "multi\nline"]);
    let n = 0;
    for (const [title, body, v1, v2] of samples) {
      await repo.write({ "f.txt": `change ${n++}\n` });
      await ws.commit({
        title,
        body,
        trailers: [
          ["Planwright-Task", v1],
          ["Planwright-Plan", v2],
        ],
      });
      const [last] = (await ws.history()).slice(-1);
      const fold = (s: string) =>
        s
          .replace(/\0/g, "")
          .replace(/\s*[\r\n]+\s*/g, " ")
          .trim();
      expect(last?.trailers["Planwright-Task"]).toBe(fold(v1));
      expect(last?.trailers["Planwright-Plan"]).toBe(fold(v2));
      expect(last?.trailers["Reviewed-by"]).toBeUndefined();
    }
  });
});
