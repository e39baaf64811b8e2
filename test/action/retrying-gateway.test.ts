import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { retryingGateway } from "../../src/action/retrying-gateway.js";
import { createGateway } from "../../src/github/octokit-gateway.js";
import { checkAllRequests } from "../helpers/openapi.js";

const API = "https://api.github.com";
beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

const gateway = () =>
  retryingGateway(
    createGateway(new Octokit({ auth: "t", request: { retries: 0 } }), { owner: "o", repo: "r" }),
    {
      backoff: { baseMs: 1, maxMs: 2 },
    },
  );

describe("retryingGateway", () => {
  it("retries 5xx and secondary rate limits, then answers", async () => {
    const scope = nock(API)
      .get("/repos/o/r/collaborators/alice/permission")
      .reply(502, { message: "Bad Gateway" })
      .get("/repos/o/r/collaborators/alice/permission")
      .reply(403, { message: "You have exceeded a secondary rate limit" }, { "retry-after": "0" })
      .get("/repos/o/r/collaborators/alice/permission")
      .reply(200, { permission: "write", role_name: "write" });
    const check = checkAllRequests(scope);
    expect(await gateway().permissionOf("alice")).toBe("write");
    scope.done();
    check.assertValid();
  });

  it("retries an upsert whole, so a lost answer never makes a second comment", async () => {
    const marker = "<!-- planwright:status plan=1-x -->";
    const scope = nock(API)
      .get("/repos/o/r/issues/5/comments")
      .query(true)
      .reply(200, [])
      .post("/repos/o/r/issues/5/comments")
      .reply(500, { message: "boom" }) // GitHub made it, the answer was lost
      .get("/repos/o/r/issues/5/comments")
      .query(true)
      .reply(200, [{ id: 9, body: `${marker}\nold`, user: { login: "bot", type: "Bot" }, created_at: "x" }])
      .patch("/repos/o/r/issues/comments/9")
      .reply(200, { id: 9, body: `${marker}\nnew`, user: { login: "bot", type: "Bot" }, created_at: "x" });
    const check = checkAllRequests(scope);
    const comment = await gateway().upsertComment(5, marker, `${marker}\nnew`);
    expect(comment.id).toBe(9);
    scope.done();
    check.assertValid();
  });

  it("does not retry what is not transient", async () => {
    const scope = nock(API).get("/repos/o/r/pulls/5").reply(404, { message: "Not Found" });
    await expect(gateway().getPull(5)).rejects.toThrow(/pull request #5/);
    scope.done();
  });
});
