import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { TransientError } from "../../src/errors.js";
import { createGateway, type RetryOptions } from "../../src/github/octokit-gateway.js";
import { mockGitHub } from "../helpers/github-nock.js";

afterEach(() => {
  nock.cleanAll();
});

/** A mocked GitHub whose gateway retries, sleeping on a recorded fake clock. */
function retrying(options: RetryOptions = {}) {
  const gh = mockGitHub();
  const sleeps: number[] = [];
  const gateway = createGateway(
    gh.octokit,
    { owner: "o", repo: "r" },
    {
      retries: 3,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    },
  );
  return { ...gh, gateway, sleeps };
}

const issue = { number: 1, title: "t", body: "b", user: { login: "a", type: "User" }, labels: [] };
const comment = {
  id: 5,
  body: "x",
  user: { login: "planwright[bot]", type: "Bot" },
  created_at: "2026-01-01T00:00:00Z",
};

describe("gateway retries (opt-in)", () => {
  it("does not retry by default", async () => {
    const gh = mockGitHub();
    gh.scope.get("/repos/o/r/issues/1").reply(502, { message: "Bad Gateway" });
    await expect(gh.gateway.getIssue(1)).rejects.toBeInstanceOf(TransientError);
    expect(gh.check.requests).toHaveLength(1);
    gh.done();
  });

  it("retries a read after 5xx with growing, jittered delays", async () => {
    const gh = retrying();
    gh.scope
      .get("/repos/o/r/issues/1")
      .reply(502, { message: "Bad Gateway" })
      .get("/repos/o/r/issues/1")
      .reply(500, { message: "Server Error" })
      .get("/repos/o/r/issues/1")
      .reply(200, issue);
    expect(await gh.gateway.getIssue(1)).toMatchObject({ number: 1 });
    // random 0.5 puts each delay at three quarters of 1 s, then of 2 s.
    expect(gh.sleeps).toEqual([750, 1500]);
    gh.done();
  });

  it("retries a paginated listing and a PATCH", async () => {
    const gh = retrying();
    gh.scope
      .get("/repos/o/r/issues/1/comments")
      .query(true)
      .reply(503, { message: "Unavailable" })
      .get("/repos/o/r/issues/1/comments")
      .query(true)
      .reply(200, [comment])
      .patch("/repos/o/r/issues/comments/5")
      .replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))
      .patch("/repos/o/r/issues/comments/5")
      .reply(200, comment);
    expect(await gh.gateway.listComments(1)).toHaveLength(1);
    await gh.gateway.updateComment(5, "y");
    expect(gh.sleeps).toHaveLength(2);
    gh.done();
  });

  it("never retries a POST after a 5xx, which may hide a comment that was made", async () => {
    const gh = retrying();
    gh.scope.post("/repos/o/r/issues/1/comments").reply(502, { message: "Bad Gateway" });
    await expect(gh.gateway.createComment(1, "x")).rejects.toBeInstanceOf(TransientError);
    expect(gh.sleeps).toEqual([]);
    gh.done();
  });

  it("retries a POST that a rate limit refused, waiting as long as GitHub asks", async () => {
    const gh = retrying();
    gh.scope
      .post("/repos/o/r/issues/1/comments")
      .reply(403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "7" })
      .post("/repos/o/r/issues/1/comments")
      .reply(201, comment);
    expect(await gh.gateway.createComment(1, "x")).toMatchObject({ id: 5 });
    expect(gh.sleeps).toEqual([7_000]);
    gh.done();
  });

  it("fails at once when GitHub asks for a longer wait than allowed", async () => {
    const gh = retrying({ maxWaitMs: 5_000 });
    gh.scope.get("/repos/o/r/issues/1").reply(429, { message: "Too many" }, { "retry-after": "120" });
    const error = await gh.gateway.getIssue(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAfterMs).toBe(120_000);
    expect(gh.sleeps).toEqual([]);
    gh.done();
  });

  it("gives up after the allowed retries with the last failure", async () => {
    const gh = retrying({ retries: 2 });
    gh.scope.get("/repos/o/r/issues/1").times(3).reply(500, { message: "Server Error" });
    await expect(gh.gateway.getIssue(1)).rejects.toThrow(
      "GitHub failed to read issue #1 (500): Server Error",
    );
    expect(gh.check.requests).toHaveLength(3);
    expect(gh.sleeps).toHaveLength(2);
    gh.done();
  });

  it("keeps a 404 read as absent without retrying", async () => {
    const gh = retrying();
    gh.scope.get("/repos/o/r/git/ref/heads%2Fx").reply(404, { message: "Not Found" });
    expect(await gh.gateway.branchHead("x")).toBeUndefined();
    expect(gh.sleeps).toEqual([]);
    gh.done();
  });
});
