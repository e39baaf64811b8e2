import { describe, expect, it } from "vitest";
import {
  mapCommitTree,
  mapPermission,
  mapPull,
  mapReviewComment,
  mapWorkflowRun,
  normaliseReviewState,
} from "../../src/github/map-responses.js";

describe("mapPermission", () => {
  it("reads role_name first, the legacy permission for custom roles, none otherwise", () => {
    expect(mapPermission({ permission: "admin", role_name: "admin" })).toBe("admin");
    expect(mapPermission({ permission: "write", role_name: "maintain" })).toBe("maintain");
    expect(mapPermission({ permission: "read", role_name: "triage" })).toBe("triage");
    expect(mapPermission({ permission: "read", role_name: "auditors" })).toBe("read");
    expect(mapPermission({ permission: "write" })).toBe("write");
    expect(mapPermission({ permission: "superuser" })).toBe("none");
    expect(mapPermission(null)).toBe("none");
  });
});

describe("normaliseReviewState", () => {
  it("maps webhook lowercase to REST uppercase and unknown states to COMMENTED", () => {
    expect(normaliseReviewState("approved")).toBe("APPROVED");
    expect(normaliseReviewState("changes_requested")).toBe("CHANGES_REQUESTED");
    expect(normaliseReviewState("Dismissed")).toBe("DISMISSED");
    expect(normaliseReviewState("something_new")).toBe("COMMENTED");
    expect(normaliseReviewState(undefined)).toBe("COMMENTED");
  });
});

describe("mapPull", () => {
  it("treats a pull request whose head repository was deleted as from a fork", () => {
    const pull = mapPull({
      number: 1,
      head: { ref: "x", sha: "s", repo: null },
      base: { repo: { full_name: "o/r" } },
    });
    expect(pull.fromFork).toBe(true);
    expect(pull.user).toEqual({ login: "ghost", type: "User" });
  });

  it("reads merged from merged_at when the list API leaves out merged", () => {
    expect(mapPull({ state: "closed", merged_at: "2026-01-01T00:00:00Z" }).merged).toBe(true);
    expect(mapPull({ state: "closed", merged_at: null }).merged).toBe(false);
  });
});

describe("mapReviewComment", () => {
  it("falls back to original_line and leaves both absent as undefined", () => {
    expect(mapReviewComment({ id: 1, line: null, original_line: 12 }).line).toBe(12);
    expect(mapReviewComment({ id: 1, line: null, original_line: null }).line).toBeUndefined();
    expect(mapReviewComment({ id: 1, pull_request_review_id: null }).reviewId).toBeUndefined();
  });
});

describe("mapWorkflowRun and mapCommitTree", () => {
  it("keeps the run's display_title, empty when GitHub leaves it out", () => {
    expect(mapWorkflowRun({ id: 1, display_title: "planwright execute #12" }).displayTitle).toBe(
      "planwright execute #12",
    );
    expect(mapWorkflowRun({ id: 1 }).displayTitle).toBe("");
  });

  it("reads a listed commit's sha and tree, undefined when either is missing", () => {
    expect(mapCommitTree({ sha: "s", commit: { tree: { sha: "t" } } })).toEqual({ sha: "s", treeSha: "t" });
    expect(mapCommitTree({ sha: "s", commit: {} })).toBeUndefined();
    expect(mapCommitTree(undefined)).toBeUndefined();
  });
});
