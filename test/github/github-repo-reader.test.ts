import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { githubRepoReader } from "../../src/github/github-repo-reader.js";
import { createGateway } from "../../src/github/octokit-gateway.js";
import { buildRepoContext } from "../../src/llm/repo-context.js";
import { checkAllRequests } from "../helpers/openapi.js";

const API = "https://api.github.com";
const REF = "0123456789abcdef0123456789abcdef01234567";

const gateway = () =>
  createGateway(new Octokit({ auth: "test-token", request: { retries: 0 } }), { owner: "o", repo: "r" });

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The contents API's answer for a small file. */
const fileReply = (path: string, text: string) => ({
  type: "file",
  path,
  sha: `sha-${path}`,
  encoding: "base64",
  content: b64(text),
});

function tree(scope: nock.Scope, paths: string[], truncated = false): nock.Scope {
  return scope
    .get(`/repos/o/r/git/trees/${REF}`)
    .query({ recursive: "1" })
    .reply(200, {
      sha: "tree",
      truncated,
      tree: paths.map((path) => ({ path, type: "blob", mode: "100644", sha: `sha-${path}` })),
    });
}

function file(scope: nock.Scope, path: string, text: string): nock.Scope {
  return scope.get(`/repos/o/r/contents/${path}`).query({ ref: REF }).reply(200, fileReply(path, text));
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe("githubRepoReader", () => {
  it("lists the tree once, leaves out dependency folders and excluded globs", async () => {
    const scope = tree(nock(API), [
      "README.md",
      "src/index.ts",
      "node_modules/x/index.js",
      ".env.production",
      "certs/server.pem",
      "src/ok.ts",
    ]);
    const check = checkAllRequests(scope);
    const reader = githubRepoReader(gateway(), REF, { exclude: [".env*", "**/*.pem"] });
    expect(await reader.listFiles()).toEqual(["README.md", "src/index.ts", "src/ok.ts"]);
    expect(await reader.listFiles()).toEqual(["README.md", "src/index.ts", "src/ok.ts"]);
    // an excluded file is not read even when asked for by name
    expect(await reader.readFile(".env.production")).toBeUndefined();
    expect(await reader.readFile("certs/server.pem")).toBeUndefined();
    expect(await reader.readFile("not/in/tree.ts")).toBeUndefined();
    expect(reader.fileReads).toBe(0);
    scope.done();
    check.assertValid();
  });

  it("reads each file once, caps reads at the budget and cuts to maxBytes", async () => {
    const scope = tree(nock(API), ["a.ts", "b.ts", "c.ts"]);
    file(scope, "a.ts", "export const a = 1;\n");
    file(scope, "b.ts", "export const b = 2;\n");
    const check = checkAllRequests(scope);
    const reader = githubRepoReader(gateway(), REF, { maxFileReads: 2 });
    expect(await reader.readFile("a.ts")).toBe("export const a = 1;\n");
    expect(await reader.readFile("a.ts", 6)).toBe("export"); // from the cache: no second request
    expect(await reader.readFile("b.ts")).toBe("export const b = 2;\n");
    expect(await reader.readFile("c.ts")).toBeUndefined(); // budget spent: no request at all
    expect(reader.fileReads).toBe(2);
    expect(reader.skippedReads).toBe(1);
    scope.done();
    check.assertValid();
  });

  it("answers undefined for binary content and files gone from the ref", async () => {
    const scope = tree(nock(API), ["logo.dat", "gone.ts"], true);
    file(scope, "logo.dat", "GIF89a\u0000\u0001\u0002");
    scope.get("/repos/o/r/contents/gone.ts").query({ ref: REF }).reply(404, { message: "Not Found" });
    const reader = githubRepoReader(gateway(), REF);
    expect(await reader.readFile("logo.dat")).toBeUndefined();
    expect(await reader.readFile("gone.ts")).toBeUndefined();
    expect(reader.truncated).toBe(true);
    scope.done();
  });

  it("keeps buildRepoContext within one listing plus the read budget on a large tree", async () => {
    const paths = ["README.md", "package.json", ...Array.from({ length: 200 }, (_, i) => `src/mod${i}.ts`)];
    const scope = tree(nock(API), paths);
    // whichever files the context builder picks, each is answered once at most
    scope
      .get(/\/repos\/o\/r\/contents\/.+/)
      .query(true)
      .times(10)
      .reply((request: unknown) => {
        // nock 15 hands the reply function the fetch Request
        const { pathname } = new URL((request as Request).url);
        const path = decodeURIComponent(pathname.replace(/^\/repos\/o\/r\/contents\//, ""));
        const text = path === "README.md" ? "# Demo\nAuth service" : `export const x = "${path}";\n`;
        return [200, fileReply(path, text)];
      });
    const check = checkAllRequests(scope);
    const reader = githubRepoReader(gateway(), REF, { maxFileReads: 10 });
    const context = await buildRepoContext(reader, "add login auth", { tokenBudget: 4_000 });
    expect(context.totalFiles).toBe(202);
    expect(context.text).toContain("# Demo");
    expect(reader.fileReads).toBe(10);
    expect(reader.skippedReads).toBeGreaterThan(0);
    // 1 listing + 10 reads, never more
    expect(check.requests).toHaveLength(11);
    scope.done();
    check.assertValid();
  });
});
