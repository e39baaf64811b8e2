import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertMatchesOpenApi, checkAllRequests } from "../helpers/openapi.js";

describe("assertMatchesOpenApi", () => {
  it("accepts a valid request with a body", () => {
    expect(() => assertMatchesOpenApi("POST", "/repos/o/r/issues/1/comments", { body: "hi" })).not.toThrow();
  });

  it("accepts a valid GET with a query string and an origin", () => {
    expect(() =>
      assertMatchesOpenApi("GET", "https://api.github.com/repos/o/r/issues/7/comments?per_page=100&page=3"),
    ).not.toThrow();
  });

  it("matches parameters that span segments (refs with slashes, content paths)", () => {
    expect(() =>
      assertMatchesOpenApi("PATCH", "/repos/o/r/git/refs/heads/planwright/42-x", {
        sha: "abc",
        force: false,
      }),
    ).not.toThrow();
    expect(() => assertMatchesOpenApi("GET", "/repos/o/r/contents/src/a/b.ts?ref=main")).not.toThrow();
  });

  it("checks query parameters: known names, integer types and enums", () => {
    expect(() =>
      assertMatchesOpenApi("GET", "/repos/o/r/commits/abc/check-runs?check_name=x&filter=latest&per_page=10"),
    ).not.toThrow();
    expect(() => assertMatchesOpenApi("GET", "/repos/o/r/commits/abc/check-runs?checkname=x")).toThrow(
      /query: unknown parameter "checkname"/,
    );
    expect(() => assertMatchesOpenApi("GET", "/repos/o/r/pulls?state=merged")).toThrow(
      /query\.state: "merged" is not one of/,
    );
    expect(() => assertMatchesOpenApi("GET", "/repos/o/r/issues/1/comments?per_page=many")).toThrow(
      /query\.per_page: "many" is not an integer/,
    );
  });

  it("refuses a path that is not in the API", () => {
    expect(() => assertMatchesOpenApi("GET", "/repos/o/r/isues/1")).toThrow(/no such path/);
  });

  it("refuses a method the path does not allow", () => {
    expect(() => assertMatchesOpenApi("PUT", "/repos/o/r/issues/1/comments", { body: "x" })).toThrow(
      /method not allowed.*allowed: GET, POST/,
    );
  });

  it("refuses a body missing a required property", () => {
    expect(() => assertMatchesOpenApi("POST", "/repos/o/r/issues/1/comments", {})).toThrow(
      /missing required property "body"/,
    );
    expect(() => assertMatchesOpenApi("POST", "/repos/o/r/git/trees")).toThrow(/request body required/);
  });

  it("refuses a property of the wrong type or outside its enum", () => {
    expect(() => assertMatchesOpenApi("POST", "/repos/o/r/issues/1/comments", { body: 42 })).toThrow(
      /body\.body: expected string, got integer/,
    );
    expect(() =>
      assertMatchesOpenApi("POST", "/repos/o/r/check-runs", { name: "n", head_sha: "s", status: "running" }),
    ).toThrow(/body\.status: "running" is not one of/);
  });

  it("checks nested items, lengths and counts", () => {
    const tooMany = Array.from({ length: 51 }, () => ({
      path: "a",
      start_line: 1,
      end_line: 1,
      annotation_level: "notice",
      message: "m",
    }));
    expect(() =>
      assertMatchesOpenApi("POST", "/repos/o/r/check-runs", {
        name: "n",
        head_sha: "s",
        output: { title: "t", summary: "x".repeat(65_536), annotations: tooMany },
      }),
    ).toThrow(/summary: 65536 characters.*annotations: 51 items/);
    expect(() =>
      assertMatchesOpenApi("POST", "/repos/o/r/git/trees", {
        tree: [{ path: "a", mode: "100645", type: "blob" }],
      }),
    ).toThrow(/body\.tree\[0\]\.mode/);
  });

  it("counts object properties (workflow_dispatch takes at most 25 inputs)", () => {
    const inputs = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`k${i}`, "v"]));
    expect(() =>
      assertMatchesOpenApi("POST", "/repos/o/r/actions/workflows/w.yml/dispatches", { ref: "main", inputs }),
    ).toThrow(/body\.inputs: 26 properties, more than the maximum 25/);
  });

  it("accepts null where the schema is nullable (tree deletions)", () => {
    expect(() =>
      assertMatchesOpenApi("POST", "/repos/o/r/git/trees", {
        base_tree: "t",
        tree: [{ path: "a", mode: "100644", type: "blob", sha: null }],
      }),
    ).not.toThrow();
  });

  it("refuses unknown properties in strict mode only", () => {
    expect(() =>
      assertMatchesOpenApi("POST", "/repos/o/r/issues/1/comments", { body: "x", bdy: "y" }),
    ).toThrow(/unknown property "bdy"/);
    expect(() =>
      assertMatchesOpenApi(
        "POST",
        "/repos/o/r/issues/1/comments",
        { body: "x", bdy: "y" },
        { strict: false },
      ),
    ).not.toThrow();
  });

  it("applies anyOf constraints (a completed check run needs a conclusion)", () => {
    expect(() => assertMatchesOpenApi("PATCH", "/repos/o/r/check-runs/5", { status: "completed" })).toThrow(
      /matches none of anyOf/,
    );
    expect(() =>
      assertMatchesOpenApi("PATCH", "/repos/o/r/check-runs/5", {
        status: "completed",
        conclusion: "success",
      }),
    ).not.toThrow();
  });
});

describe("checkAllRequests", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it("validates every request a scope intercepts", async () => {
    const scope = nock("https://api.github.com")
      .post("/repos/o/r/issues/1/comments")
      .reply(201, { id: 1 })
      .post("/repos/o/r/issues/1/labels")
      .reply(200, []);
    const check = checkAllRequests(scope);
    const octokit = new Octokit({ auth: "test", request: { retries: 0 } });
    await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: "o",
      repo: "r",
      issue_number: 1,
      body: "hello",
    });
    await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", {
      owner: "o",
      repo: "r",
      issue_number: 1,
      labels: 3,
    } as never);
    scope.done();
    expect(check.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /repos/o/r/issues/1/comments",
      "POST /repos/o/r/issues/1/labels",
    ]);
    expect(check.violations).toHaveLength(1);
    expect(() => check.assertValid()).toThrow(/labels.*matches none of/);
  });
});
