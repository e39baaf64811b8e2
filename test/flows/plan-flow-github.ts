/**
 * A small stateful GitHub behind nock for the /plan and /revise flow tests: issues, comments,
 * refs, git-data commits, pulls, labels, check runs and review comments, answering the routes the
 * real gateway (`createGateway` over @octokit/rest) calls. Every request is checked against GitHub's
 * OpenAPI description. Creating a pull request is NOT part of the persisted router: it is a plain
 * nock interceptor allowed `pullCreations` times, so an unexpected second createPull fails with
 * nock's "no match" instead of being answered.
 */
import { createHash } from "node:crypto";
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { createGateway } from "../../src/github/octokit-gateway.js";
import type { GitHubGateway } from "../../src/github/gateway.js";
import { checkAllRequests } from "../helpers/openapi.js";

export const API = "https://api.github.com";
export const BOT = { login: "planwright[bot]", type: "Bot" };

/** What the model answers to "add 2FA": a valid plan (submit_plan's input). */
export const PLAN_ANSWER = {
  title: "Add two-factor authentication",
  summary: "Adds TOTP codes to the login flow.",
  defaults: { verify: "npm test" },
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

type Json = Record<string, unknown>;
interface User {
  login: string;
  type: string;
}
interface Comment {
  id: number;
  issue: number;
  body: string;
  user: User;
}
interface Pull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  user: User;
  state: "open" | "closed";
}
interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  output: Json;
}

/** Octokit logs 404s (absent branches are expected here) to stderr by default. */
const QUIET = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

export class FakeGitHub {
  readonly trees = new Map<string, Map<string, string>>();
  readonly commits = new Map<string, { tree: string; parents: string[]; message: string }>();
  readonly refs = new Map<string, string>();
  readonly issues = new Map<number, { title: string; body: string; user: User }>();
  readonly comments: Comment[] = [];
  readonly pulls: Pull[] = [];
  readonly labels = new Map<number, string[]>();
  readonly checkRuns: CheckRun[] = [];
  readonly permissions = new Map<string, string>();
  readonly reviewComments = new Map<number, Json[]>();
  /** `METHOD /path` of every request answered, in order (repository prefix and query left out). */
  readonly log: string[] = [];
  private nextId = 1000;

  constructor(files: Record<string, string>) {
    const tree = this.addTree(new Map(Object.entries(files)));
    this.refs.set("main", this.addCommit(tree, [], "initial"));
  }

  addTree(files: Map<string, string>): string {
    const sha = sha1(`tree ${JSON.stringify([...files].sort())}`);
    this.trees.set(sha, files);
    return sha;
  }

  addCommit(tree: string, parents: string[], message: string): string {
    const sha = sha1(`commit ${tree} ${parents.join(",")} ${message} ${this.nextId++}`);
    this.commits.set(sha, { tree, parents, message });
    return sha;
  }

  /** Commits `files` on `branch` (creating it from main when needed), as a person pushing would. */
  push(branch: string, files: Record<string, string>, message = "push"): string {
    const parent = this.refs.get(branch) ?? this.refs.get("main")!;
    const old = this.trees.get(this.commits.get(parent)!.tree)!;
    const sha = this.addCommit(this.addTree(new Map([...old, ...Object.entries(files)])), [parent], message);
    this.refs.set(branch, sha);
    return sha;
  }

  filesAt(ref: string): Map<string, string> | undefined {
    const sha = this.refs.get(ref) ?? ref;
    const commit = this.commits.get(sha);
    return commit ? this.trees.get(commit.tree) : undefined;
  }

  comment(issue: number, body: string, user: User): Comment {
    const comment = { id: this.nextId++, issue, body, user };
    this.comments.push(comment);
    return comment;
  }

  openPull(pull: Omit<Pull, "number" | "state">): Pull {
    const created = { ...pull, number: 100 + this.pulls.length, state: "open" as const };
    this.pulls.push(created);
    return created;
  }

  private pullJson(pull: Pull): Json {
    const repo = { full_name: "o/r" };
    return {
      number: pull.number,
      title: pull.title,
      body: pull.body,
      state: pull.state,
      merged: false,
      user: pull.user,
      head: { ref: pull.head, sha: this.refs.get(pull.head) ?? "", repo },
      base: { ref: pull.base, sha: this.refs.get(pull.base) ?? "", repo },
      html_url: `https://github.com/o/r/pull/${pull.number}`,
    };
  }

  private commentJson(c: Comment): Json {
    return { id: c.id, body: c.body, user: c.user, created_at: "2026-01-01T00:00:00Z" };
  }

  /** Answers one request; `[status, body]`. */
  route(method: string, path: string, query: URLSearchParams, body: Json): [number, unknown] {
    const p = decodeURIComponent(path).replace(/^\/repos\/o\/r/, "");
    let m: RegExpExecArray | null;
    const notFound: [number, unknown] = [404, { message: "Not Found" }];
    if (method === "GET" && p === "") return [200, { default_branch: "main", full_name: "o/r" }];
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(p))) {
      const issue = Number(m[1]);
      if (method === "GET")
        return [200, this.comments.filter((c) => c.issue === issue).map((c) => this.commentJson(c))];
      return [201, this.commentJson(this.comment(issue, String(body.body), BOT))];
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(p)) && method === "PATCH") {
      const comment = this.comments.find((c) => c.id === Number(m![1]));
      if (!comment) return notFound;
      comment.body = String(body.body);
      return [200, this.commentJson(comment)];
    }
    if ((m = /^\/issues\/(\d+)$/.exec(p))) {
      const issue = this.issues.get(Number(m[1]));
      return issue ? [200, { number: Number(m[1]), ...issue, labels: [] }] : notFound;
    }
    if ((m = /^\/issues\/(\d+)\/labels$/.exec(p))) {
      const list = [...new Set([...(this.labels.get(Number(m[1])) ?? []), ...(body.labels as string[])])];
      this.labels.set(Number(m[1]), list);
      return [200, list.map((name) => ({ name }))];
    }
    if ((m = /^\/collaborators\/([^/]+)\/permission$/.exec(p))) {
      const permission = this.permissions.get(m[1]!) ?? "read";
      return [200, { permission, role_name: permission, user: { login: m[1] } }];
    }
    if ((m = /^\/git\/ref\/heads\/(.+)$/.exec(p))) {
      const sha = this.refs.get(m[1]!);
      return sha ? [200, { ref: `refs/heads/${m[1]}`, object: { sha, type: "commit" } }] : notFound;
    }
    if ((m = /^\/git\/trees\/([0-9a-f]+)$/.exec(p))) {
      const files = this.filesAt(m[1]!);
      if (!files) return notFound;
      return [
        200,
        { sha: "t", truncated: false, tree: [...files.keys()].map((path) => ({ path, type: "blob" })) },
      ];
    }
    if ((m = /^\/contents\/(.+)$/.exec(p))) {
      const text = this.filesAt(query.get("ref") ?? "main")?.get(m[1]!);
      if (text === undefined) return notFound;
      const content = Buffer.from(text).toString("base64");
      return [200, { type: "file", path: m[1], sha: sha1(`blob ${text}`), encoding: "base64", content }];
    }
    if (p === "/commits" && method === "GET") {
      // The commit listing, newest first from `sha` (a branch or a commit).
      const from = query.get("sha") ?? "main";
      const out: Json[] = [];
      const limit = Number(query.get("per_page") ?? "30");
      for (let sha = this.refs.get(from) ?? from; out.length < limit;) {
        const commit = this.commits.get(sha);
        if (!commit) break;
        out.push({
          sha,
          commit: { message: commit.message, tree: { sha: commit.tree } },
          parents: commit.parents.map((s) => ({ sha: s })),
        });
        const parent = commit.parents[0];
        if (parent === undefined) break;
        sha = parent;
      }
      return out.length > 0 ? [200, out] : notFound;
    }
    if ((m = /^\/git\/commits\/([0-9a-f]+)$/.exec(p))) {
      const commit = this.commits.get(m[1]!);
      return commit ? [200, { sha: m[1], tree: { sha: commit.tree }, message: commit.message }] : notFound;
    }
    if (p === "/git/trees" && method === "POST") {
      const files = new Map(this.trees.get(String(body.base_tree)) ?? []);
      for (const entry of body.tree as Json[]) {
        if (entry.sha === null) files.delete(String(entry.path));
        else files.set(String(entry.path), String(entry.content));
      }
      return [201, { sha: this.addTree(files) }];
    }
    if (p === "/git/commits" && method === "POST") {
      const sha = this.addCommit(String(body.tree), body.parents as string[], String(body.message));
      return [201, { sha }];
    }
    if (p === "/git/refs" && method === "POST") {
      const branch = String(body.ref).replace(/^refs\/heads\//, "");
      if (this.refs.has(branch)) return [422, { message: "Reference already exists" }];
      this.refs.set(branch, String(body.sha));
      return [201, { ref: body.ref, object: { sha: body.sha } }];
    }
    if ((m = /^\/git\/refs\/heads\/(.+)$/.exec(p)) && method === "PATCH") {
      const branch = m[1]!;
      const parent = this.commits.get(String(body.sha))?.parents[0];
      if (this.refs.get(branch) !== parent) return [422, { message: "Update is not a fast forward" }];
      this.refs.set(branch, String(body.sha));
      return [200, { ref: `refs/heads/${branch}`, object: { sha: body.sha } }];
    }
    if (p === "/pulls" && method === "GET") {
      const head = (query.get("head") ?? "").replace(/^o:/, "");
      return [
        200,
        this.pulls.filter((x) => x.head === head && x.state === "open").map((x) => this.pullJson(x)),
      ];
    }
    if (p === "/pulls" && method === "POST") {
      if (this.pulls.some((x) => x.head === body.head && x.state === "open"))
        return [422, { message: "A pull request already exists" }];
      const pull = this.openPull({
        title: String(body.title),
        body: String(body.body),
        head: String(body.head),
        base: String(body.base),
        user: BOT,
      });
      return [201, this.pullJson(pull)];
    }
    if ((m = /^\/pulls\/(\d+)$/.exec(p))) {
      const pull = this.pulls.find((x) => x.number === Number(m![1]));
      if (!pull) return notFound;
      if (method === "PATCH") {
        if (typeof body.title === "string") pull.title = body.title;
        if (typeof body.body === "string") pull.body = body.body;
      }
      return [200, this.pullJson(pull)];
    }
    if ((m = /^\/pulls\/\d+\/reviews\/(\d+)\/comments$/.exec(p)))
      return [200, this.reviewComments.get(Number(m[1])) ?? []];
    if ((m = /^\/compare\/([0-9a-f]+)\.\.\.(.+)$/.exec(p))) {
      const out: Json[] = [];
      for (let sha = this.refs.get(m[2]!); sha && sha !== m[1]; sha = this.commits.get(sha)?.parents[0]) {
        const commit = this.commits.get(sha)!;
        out.unshift({
          sha,
          parents: commit.parents.map((s) => ({ sha: s })),
          commit: { message: commit.message },
        });
      }
      return [200, { status: "ahead", total_commits: out.length, commits: out }];
    }
    if (p === "/check-runs" && method === "POST") {
      const run = {
        id: this.nextId++,
        name: String(body.name),
        head_sha: String(body.head_sha),
        status: String(body.status ?? "queued"),
        conclusion: typeof body.conclusion === "string" ? body.conclusion : null,
        external_id: typeof body.external_id === "string" ? body.external_id : null,
        output: (body.output ?? {}) as Json,
      };
      this.checkRuns.push(run);
      return [201, run];
    }
    if ((m = /^\/commits\/([0-9a-f]+)\/check-runs$/.exec(p))) {
      const runs = this.checkRuns.filter((r) => r.head_sha === m![1] && r.name === query.get("check_name"));
      return [200, { total_count: runs.length, check_runs: runs.reverse() }];
    }
    return [500, { message: `fake GitHub: no route for ${method} ${path}` }];
  }

  /**
   * Intercepts api.github.com with this fake; `pullCreations` is how many POST /pulls are allowed.
   * Returns the scope (call `done()`), the request check, and a gateway over the real Octokit.
   */
  serve(pullCreations = 1): { done: () => void; gateway: GitHubGateway } {
    // nock 15 hands a reply function the fetch Request (a second parameter would make it a callback)
    const answer = (method: string) => async (request: unknown) => {
      const req = request as Request;
      const url = new URL(req.url);
      const text = method === "GET" ? "" : await req.text();
      const parsed = text !== "" ? (JSON.parse(text) as Json) : {};
      this.log.push(`${method} ${decodeURIComponent(url.pathname).replace(/^\/repos\/o\/r/, "")}`);
      return this.route(method, url.pathname, url.searchParams, parsed);
    };
    const scopes: nock.Scope[] = [];
    if (pullCreations > 0)
      scopes.push(nock(API).post("/repos/o/r/pulls").times(pullCreations).reply(answer("POST")));
    scopes.push(
      nock(API)
        .persist()
        .get(() => true)
        .query(true)
        .reply(answer("GET"))
        // writes are asserted through `log`; a flow that only reads must not fail done()
        .post((path: string) => !/^\/repos\/o\/r\/pulls$/.test(path))
        .optionally()
        .reply(answer("POST"))
        .patch(() => true)
        .optionally()
        .reply(answer("PATCH")),
    );
    const checks = scopes.map((scope) => checkAllRequests(scope));
    const gateway = createGateway(new Octokit({ auth: "test-token", request: { retries: 0 }, log: QUIET }), {
      owner: "o",
      repo: "r",
    });
    const done = () => {
      for (const scope of scopes) scope.done();
      for (const check of checks) check.assertValid();
    };
    return { done, gateway };
  }
}
