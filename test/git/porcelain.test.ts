import { describe, expect, it } from "vitest";
import { parseStatusPaths, pushRejectionReason } from "../../src/git/porcelain.js";

describe("parseStatusPaths", () => {
  it("reads changes, untracked files and both sides of renames", () => {
    const out = [" M a.txt", "?? new file.txt", "R  to.txt", "from.txt", "D  gone.txt", "A  a.txt", ""].join(
      "\0",
    );
    expect(parseStatusPaths(out)).toEqual(["a.txt", "from.txt", "gone.txt", "new file.txt", "to.txt"]);
    expect(parseStatusPaths("")).toEqual([]);
  });
});

describe("pushRejectionReason", () => {
  it("finds the refused ref's reason", () => {
    const out = "To ../remote.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone\n";
    expect(pushRejectionReason(out)).toBe("[rejected] (fetch first)");
    expect(pushRejectionReason("To r\n=\tHEAD:refs/heads/main\t[up to date]\nDone\n")).toBeUndefined();
  });
});
