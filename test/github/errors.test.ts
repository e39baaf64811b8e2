import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import {
  CancelledError,
  ConflictError,
  PlanwrightError,
  TransientError,
  failureClassOf,
} from "../../src/errors.js";
import { translateGitHubError } from "../../src/github/errors.js";
import { mockGitHub } from "../helpers/github-nock.js";

afterEach(() => {
  nock.cleanAll();
});

const SHA = "a".repeat(40);
const checkInput = { name: "planwright", headSha: SHA, status: "queued" as const, title: "t", summary: "s" };

/** The error a gateway call rejects with. */
async function failure(promise: Promise<unknown>): Promise<PlanwrightError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PlanwrightError))
    throw new Error(`expected a PlanwrightError, got ${String(error)}`);
  expect(error.message).not.toContain("\n");
  return error;
}

describe("error translation at the gateway", () => {
  it("500 and 502 are transient", async () => {
    const gh = mockGitHub();
    gh.scope
      .get("/repos/o/r/issues/1")
      .reply(500, { message: "Server Error" })
      .get("/repos/o/r/issues/1")
      .reply(502, "<html>Bad gateway</html>", { "content-type": "text/html" });
    const first = await failure(gh.gateway.getIssue(1));
    expect(first).toBeInstanceOf(TransientError);
    expect(first.message).toBe("GitHub failed to read issue #1 (500): Server Error");
    const second = await failure(gh.gateway.getIssue(1));
    expect(second).toBeInstanceOf(TransientError);
    expect(second.message).toMatch(/\(502\)/);
    gh.done();
  });

  it("a secondary rate limit with retry-after is transient with retryAfterMs", async () => {
    const gh = mockGitHub();
    gh.scope
      .post("/repos/o/r/issues/1/comments")
      .reply(403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "30" })
      .post("/repos/o/r/issues/1/comments")
      .reply(403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes." })
      .post("/repos/o/r/issues/1/comments")
      .reply(429, { message: "Too many requests" });
    const withHeader = await failure(gh.gateway.createComment(1, "x"));
    expect(withHeader).toBeInstanceOf(TransientError);
    expect((withHeader as TransientError).retryAfterMs).toBe(30_000);
    expect(withHeader.message).toMatch(
      /^GitHub secondary rate limit hit while trying to create the comment \(403\)/,
    );
    // Without retry-after GitHub asks for at least a minute.
    expect(((await failure(gh.gateway.createComment(1, "x"))) as TransientError).retryAfterMs).toBe(60_000);
    expect(await failure(gh.gateway.createComment(1, "x"))).toBeInstanceOf(TransientError);
    gh.done();
  });

  it("a network error is transient", async () => {
    const gh = mockGitHub();
    gh.scope
      .get("/repos/o/r/pulls/3")
      .replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    const error = await failure(gh.gateway.getPull(3));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/^GitHub failed to read pull request #3 \(network error\)/);
    gh.done();
  });

  it("401 and 403 name the action and the missing permission", async () => {
    const gh = mockGitHub();
    gh.scope
      .post("/repos/o/r/check-runs")
      .reply(401, { message: "Bad credentials" })
      .post("/repos/o/r/check-runs")
      .reply(403, { message: "Resource not accessible by integration" });
    const unauthorised = await failure(gh.gateway.createCheckRun(checkInput));
    expect(unauthorised.message).toBe(
      "GitHub refused to create the check run (401): the credentials are invalid or expired (GitHub says: Bad credentials)",
    );
    const forbidden = await failure(gh.gateway.createCheckRun(checkInput));
    expect(forbidden.message).toBe(
      "GitHub refused to create the check run (403): the app lacks checks: write (GitHub says: Resource not accessible by integration)",
    );
    expect(failureClassOf(forbidden)).toBe("policy");
    gh.done();
  });

  it("404 on a read that must exist is a clear error; on optional reads it is undefined", async () => {
    const gh = mockGitHub();
    gh.scope
      .get("/repos/o/r/issues/9")
      .reply(404, { message: "Not Found" })
      .get("/repos/o/r/contents/x.yml")
      .query(true)
      .reply(404, { message: "Not Found" });
    const error = await failure(gh.gateway.getIssue(9));
    expect(error.message).toBe(
      "GitHub could not read issue #9 (404): not found, or the app cannot see it (GitHub says: Not Found)",
    );
    expect(await gh.gateway.readFile("x.yml", "main")).toBeUndefined();
    gh.done();
  });

  it("never puts a token in a message", async () => {
    const gh = mockGitHub();
    const token = `ghs_${"Z".repeat(36)}`;
    gh.scope.patch("/repos/o/r/issues/comments/4").reply(422, { message: `Validation Failed for ${token}` });
    const error = await failure(gh.gateway.updateComment(4, "x"));
    expect(error.message).not.toContain(token);
    expect(error.message).toContain("[redacted]");
    gh.done();
  });
});

describe("translateGitHubError", () => {
  const requestError = (status: number, message: string, headers: Record<string, string> = {}) =>
    Object.assign(new Error(message), { status, response: { status, headers, data: {} } });

  it("waits until the primary rate limit resets", () => {
    const now = 1_700_000_000_000;
    const error = translateGitHubError(
      requestError(403, "API rate limit exceeded", {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(now / 1000 + 90),
      }),
      "list the comments",
      { now },
    );
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAfterMs).toBe(90_000);
    expect(error.message).toMatch(/^GitHub rate limit hit while trying to list the comments/);
  });

  it("makes 409 and 422 on a ref a conflict, elsewhere an internal error", () => {
    expect(
      translateGitHubError(requestError(409, "Conflict"), "move branch b", { refUpdate: true }),
    ).toBeInstanceOf(ConflictError);
    const other = translateGitHubError(requestError(422, "Validation Failed"), "open the pull request");
    expect(other).not.toBeInstanceOf(ConflictError);
    expect(failureClassOf(other)).toBe("internal");
    expect(other.message).toBe("GitHub could not open the pull request (422): Validation Failed");
  });

  it("turns an abort into a cancellation and passes our own errors through", () => {
    const abort = Object.assign(new Error("This operation was aborted"), { name: "AbortError", status: 500 });
    expect(translateGitHubError(abort, "read the branch")).toBeInstanceOf(CancelledError);
    const ours = new ConflictError("already ours");
    expect(translateGitHubError(ours, "anything")).toBe(ours);
  });

  it("works on errors thrown by a real Octokit without nock interceptors (network refused)", async () => {
    nock.disableNetConnect();
    const quiet = () => undefined;
    const log = { debug: quiet, info: quiet, warn: quiet, error: quiet };
    const octokit = new Octokit({ auth: "test", request: { retries: 0 }, log });
    const thrown = await octokit
      .request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" })
      .catch((e: unknown) => e);
    const error = translateGitHubError(thrown, "read the repository");
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/^GitHub failed to read the repository \(network error\)/);
  });
});
