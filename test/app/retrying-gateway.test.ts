import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { retryingGateway } from "../../src/app/retrying-gateway.js";
import { mockGitHub, type MockGitHub } from "../helpers/github-nock.js";

let gh: MockGitHub;
const waits: number[] = [];

afterEach(() => {
  nock.cleanAll();
  waits.length = 0;
});

function retrying() {
  return retryingGateway(gh.gateway, {
    attempts: 4,
    baseMs: 10,
    factor: 3,
    maxDelayMs: 2_000,
    random: () => 0.5,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
}

const file = { type: "file", path: "README.md", sha: "a".repeat(40), encoding: "base64", content: "aGk=" };
const comment = {
  id: 1,
  body: "hi",
  user: { login: "planwright[bot]", type: "Bot" },
  created_at: "2026-01-01T00:00:00Z",
};

describe("retryingGateway", () => {
  it("retries a read through 5xx answers with growing waits", async () => {
    gh = mockGitHub();
    gh.scope
      .get("/repos/o/r/contents/README.md")
      .query(true)
      .reply(502, { message: "Bad Gateway" })
      .get("/repos/o/r/contents/README.md")
      .query(true)
      .reply(500, { message: "Server Error" })
      .get("/repos/o/r/contents/README.md")
      .query(true)
      .reply(200, file);
    expect((await retrying().readFile("README.md", "main"))?.content).toBe("hi");
    expect(waits).toEqual([10, 30]);
    gh.done();
  });

  it("gives up after the attempts with GitHub's own message", async () => {
    gh = mockGitHub();
    gh.scope.get("/repos/o/r/contents/README.md").query(true).times(4).reply(503, { message: "Unavailable" });
    await expect(retrying().readFile("README.md", "main")).rejects.toThrow(/503/);
    expect(waits).toHaveLength(3);
    gh.done();
  });

  it("repeats a comment only when GitHub refused it (a secondary rate limit), never after a 5xx", async () => {
    gh = mockGitHub();
    gh.scope
      .post("/repos/o/r/issues/1/comments")
      .reply(403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "1" })
      .post("/repos/o/r/issues/1/comments")
      .reply(201, comment);
    expect((await retrying().createComment(1, "hi")).id).toBe(1);
    // The server's one second wins over the 10 ms backoff.
    expect(waits).toEqual([1000]);
    gh.done();

    gh = mockGitHub();
    gh.scope.post("/repos/o/r/issues/1/comments").reply(502, { message: "Bad Gateway" });
    await expect(retrying().createComment(1, "hi")).rejects.toThrow(/502/);
    expect(waits).toEqual([1000]);
    gh.done();
  });

  it("does not retry what is not transient", async () => {
    gh = mockGitHub();
    gh.scope.get("/repos/o/r/pulls/5").reply(404, { message: "Not Found" });
    await expect(retrying().getPull(5)).rejects.toThrow();
    expect(waits).toEqual([]);
    gh.done();
  });
});
