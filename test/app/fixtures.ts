/**
 * Shared data of the App tests: the repository, the model's plan, and webhook payloads built from
 * @octokit/webhooks-examples with our owner, repo, numbers and users.
 */
import { example } from "./app-harness.js";

type Json = Record<string, unknown>;

export const REPO_FILES = {
  "README.md": "# Demo\n\nA login service.\n",
  "package.json": '{ "name": "demo", "scripts": { "test": "vitest run" } }\n',
  "src/auth/login.ts":
    "export function login(user: string, password: string) {\n  return user && password;\n}\n",
};

export const ALICE = { login: "alice", type: "User" };
export const BOB = { login: "bob", type: "User" };
export const CAROL = { login: "carol", type: "User" };
export const READER = { login: "reader", type: "User" };

/** What the model answers to "add 2FA" (submit_plan's input); `risk` may be raised per test. */
export function planAnswer(extra: Json = {}): Json {
  return {
    title: "Add two-factor authentication",
    summary: "Adds TOTP codes to the login flow.",
    defaults: { verify: "npm test" },
    ...extra,
    phases: [
      {
        id: "totp",
        title: "TOTP",
        mode: "sequential",
        tasks: [
          {
            id: "totp-service",
            title: "TOTP service",
            edit: { files: ["src/auth/totp.ts"], instructions: "Create generateSecret() and verifyToken()." },
          },
          {
            id: "login-step",
            title: "Ask for the code after the password",
            needs: ["totp-service"],
            edit: { files: ["src/auth/login.ts"], instructions: "Return totp_required when 2FA is on." },
          },
        ],
      },
    ],
  };
}

export const submitPlan = (input: unknown) => ({
  content: [{ type: "tool_use" as const, name: "submit_plan", input }],
});

let nextComment = 5000;

/** An `issue_comment.created` payload: `body` by `user` on issue (or PR, with `pull`) `number`. */
export function commentPayload(
  body: string,
  user: { login: string; type: string },
  number = 42,
  options: { pull?: boolean; action?: string; id?: number } = {},
): Json {
  const payload = example("issue_comment", options.action ?? "created");
  const issue = payload["issue"] as Json;
  issue["number"] = number;
  issue["title"] = "Two-factor login";
  issue["body"] = "Users want 2FA.";
  issue["user"] = { ...(issue["user"] as Json), ...ALICE };
  if (options.pull) issue["pull_request"] = { url: `https://api.github.com/repos/o/r/pulls/${number}` };
  else delete issue["pull_request"];
  const comment = payload["comment"] as Json;
  comment["id"] = options.id ?? ++nextComment;
  comment["body"] = body;
  comment["user"] = { ...(comment["user"] as Json), ...user };
  payload["sender"] = { ...(payload["sender"] as Json), ...user };
  return payload;
}

/** A `pull_request_review` payload for plan PR `pull` on branch `head`. */
export function reviewPayload(
  action: "submitted" | "edited" | "dismissed",
  review: {
    id: number;
    user: { login: string; type: string };
    state: string;
    commit_id: string;
    body?: string;
  },
  pull: { number: number; head: string; sha: string; body?: string },
): Json {
  const payload = example("pull_request_review", action === "edited" ? "submitted" : action);
  payload["action"] = action;
  const pr = payload["pull_request"] as Json;
  pr["number"] = pull.number;
  (pr["head"] as Json)["ref"] = pull.head;
  (pr["head"] as Json)["sha"] = pull.sha;
  ((pr["head"] as Json)["repo"] as Json)["full_name"] = "o/r";
  ((pr["base"] as Json)["repo"] as Json)["full_name"] = "o/r";
  (pr["base"] as Json)["ref"] = "main";
  pr["user"] = { login: "planwright[bot]", type: "Bot" };
  pr["body"] = pull.body ?? "";
  const r = payload["review"] as Json;
  Object.assign(r, { ...review, body: review.body ?? "", submitted_at: "2026-01-01T00:00:00Z" });
  r["user"] = { ...(r["user"] as Json), ...review.user };
  payload["sender"] = { ...(payload["sender"] as Json), ...review.user };
  return payload;
}

/** A `pull_request.synchronize` payload for plan PR `pull`. */
export function synchronizePayload(
  pull: { number: number; head: string; sha: string; body?: string },
  before?: string,
): Json {
  const payload = example("pull_request", "synchronize");
  const pr = payload["pull_request"] as Json;
  pr["number"] = pull.number;
  (pr["head"] as Json)["ref"] = pull.head;
  (pr["head"] as Json)["sha"] = pull.sha;
  ((pr["head"] as Json)["repo"] as Json)["full_name"] = "o/r";
  ((pr["base"] as Json)["repo"] as Json)["full_name"] = "o/r";
  (pr["base"] as Json)["ref"] = "main";
  pr["user"] = { login: "planwright[bot]", type: "Bot" };
  pr["body"] = pull.body ?? "";
  payload["after"] = pull.sha;
  if (before) payload["before"] = before;
  payload["number"] = pull.number;
  return payload;
}

/** A `check_run.requested_action` payload: `identifier` pressed by `user` on PR `pull`. */
export function checkRunActionPayload(
  identifier: string,
  user: { login: string; type: string },
  pull: number,
): Json {
  const payload = example("check_run", "requested_action");
  const check = payload["check_run"] as Json;
  check["pull_requests"] = [
    {
      number: pull,
      id: 1,
      url: "",
      head: { ref: "x", sha: "y", repo: {} },
      base: { ref: "main", sha: "z", repo: {} },
    },
  ];
  payload["requested_action"] = { identifier };
  payload["sender"] = { ...(payload["sender"] as Json), ...user };
  return payload;
}

/** The reviser's answer: the plan with a docs task added. */
export function revisionAnswer(docsText = "# 2FA\n"): {
  content: { type: "tool_use"; name: string; input: unknown }[];
} {
  const plan = planAnswer();
  const phases = plan["phases"] as unknown[];
  const docs = {
    id: "docs",
    title: "Docs",
    mode: "sequential",
    tasks: [{ id: "docs-2fa", title: "Document 2FA", write: { path: "docs/2fa.md", content: docsText } }],
  };
  return {
    content: [
      {
        type: "tool_use",
        name: "submit_revision",
        input: { plan: { ...plan, phases: [...phases, docs] }, notes: "Added a docs task." },
      },
    ],
  };
}
