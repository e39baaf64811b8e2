/**
 * A mocked GitHub for gateway tests: nock on api.github.com with real network refused, every
 * intercepted request checked against GitHub's OpenAPI description, and a real @octokit/rest
 * client (no retries) behind our gateway.
 */
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { createGateway } from "../../src/github/octokit-gateway.js";
import type { GitHubGateway } from "../../src/github/gateway.js";
import { checkAllRequests, type RequestCheck } from "./openapi.js";

export const GITHUB_API = "https://api.github.com";

export interface MockGitHub {
  /** Add interceptors here. */
  scope: nock.Scope;
  /** Every request seen, in order, and its OpenAPI violations. */
  check: RequestCheck;
  octokit: Octokit;
  /** A gateway for `o/r`. */
  gateway: GitHubGateway;
  /** Asserts every interceptor was used and every request matched the OpenAPI description. */
  done(): void;
}

/** A fresh mock; call `nock.cleanAll()` after each test. */
export function mockGitHub(repo = { owner: "o", repo: "r" }): MockGitHub {
  nock.disableNetConnect();
  const scope = nock(GITHUB_API);
  const check = checkAllRequests(scope);
  const quiet = () => undefined;
  const octokit = new Octokit({
    auth: "test",
    request: { retries: 0 },
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
  return {
    scope,
    check,
    octokit,
    gateway: createGateway(octokit, repo),
    done() {
      scope.done();
      check.assertValid();
    },
  };
}
