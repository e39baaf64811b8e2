/**
 * A small stateful stand-in for the GitHub REST endpoints the Action uses, backed by a real bare
 * git repository (branches, file contents). Every request is recorded and checked against GitHub's
 * OpenAPI description. It is mounted either on nock (in-process tests) or on a local HTTP server
 * (the bundle run as a child process, which nock cannot reach).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { assertMatchesOpenApi } from "../helpers/openapi.js";
import { gitIn } from "../helpers/git-repo.js";
import { gitDataRoute } from "./fake-git-data.js";
import { planRoute, type FakePull, type FakeWorkflowRun } from "./fake-plan-routes.js";

export type { FakePull, FakeWorkflowRun } from "./fake-plan-routes.js";

export const API = "https://api.github.com";

export interface FakeReview {
  id: number;
  login: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  commit: string;
  at?: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title?: string; summary?: string; text?: string; annotations?: unknown[] };
  actions?: unknown[];
  updates: number;
}

export interface FakeRequest {
  method: string;
  path: string;
  body: unknown;
}

export class FakeGitHub {
  readonly requests: FakeRequest[] = [];
  readonly violations: string[] = [];
  readonly reviews: FakeReview[] = [];
  readonly permissions = new Map<string, string>();
  readonly checkRuns: FakeCheckRun[] = [];
  /** Comments of every issue and pull request; `issue` defaults to the pull request. */
  readonly comments: { id: number; body: string; user: { login: string; type: string }; issue?: number }[] =
    [];
  readonly reactions: { commentId: number; content: string }[] = [];
  pull = { number: 5, state: "open", head: "planwright/7-test", base: "main", fork: false };
  /** Pull requests opened through POST /pulls, numbered from 6. */
  readonly opened: FakePull[] = [];
  readonly labels = new Map<number, string[]>();
  /** Issues GET /issues/{n} answers (the Action usually takes the issue from the payload). */
  readonly issues = new Map<number, { title: string; body: string; user: { login: string; type: string } }>();
  readonly workflowRuns: FakeWorkflowRun[] = [];
  readonly cancelled: number[] = [];
  private nextId = 100;

  constructor(private readonly remote: string) {}

  /** Check runs by name, oldest first. */
  runs(name: string): FakeCheckRun[] {
    return this.checkRuns.filter((r) => r.name === name);
  }

  /** The branch's head in the bare repository, undefined when it does not exist. */
  async branchSha(branch: string): Promise<string | undefined> {
    return gitIn(this.remote, "rev-parse", "--verify", "--quiet", `refs/heads/${branch}`).catch(
      () => undefined,
    );
  }

  async handle(method: string, url: string, body: unknown): Promise<[number, unknown]> {
    const path = url.replace(/^https?:\/\/[^/]+/, "");
    this.requests.push({ method, path, body });
    try {
      assertMatchesOpenApi(method, path, body);
    } catch (error) {
      this.violations.push((error as Error).message);
    }
    const [bare, query = ""] = path.split("?");
    const params = new URLSearchParams(query);
    const p = decodeURIComponent(bare ?? "").replace(/^\/repos\/o\/r/, "");
    const key = `${method} ${p}`;
    let m: RegExpExecArray | null;
    if (key === "GET ") return [200, { default_branch: "main", full_name: "o/r" }];
    const gitData = gitDataRoute(this.remote, method, p, params, body);
    if (gitData) return gitData;
    const extra = await planRoute(this, key, params, body);
    if (extra) return extra;
    if ((m = /^GET \/contents\/(.+)$/.exec(key))) {
      const file = decodeURIComponent(m[1] ?? "");
      const ref = params.get("ref") ?? "main";
      const sha = await gitIn(this.remote, "rev-parse", "--verify", "--quiet", `${ref}:${file}`).catch(
        () => undefined,
      );
      if (!sha) return [404, { message: "Not Found" }];
      const text = await gitIn(this.remote, "cat-file", "blob", sha);
      return [
        200,
        {
          type: "file",
          path: file,
          sha,
          encoding: "base64",
          content: Buffer.from(`${text}\n`).toString("base64"),
        },
      ];
    }
    if ((m = /^GET \/pulls\/(\d+)$/.exec(key))) {
      const sha = (await this.branchSha(this.pull.head)) ?? "";
      const repo = { full_name: "o/r" };
      return [
        200,
        {
          number: Number(m[1]),
          title: "Plan",
          body: "",
          state: this.pull.state,
          merged: false,
          user: { login: "planwright[bot]", type: "Bot" },
          head: { ref: this.pull.head, sha, repo: this.pull.fork ? { full_name: "fork/r" } : repo },
          base: { ref: this.pull.base, sha: "", repo },
          html_url: "https://github.com/o/r/pull/5",
        },
      ];
    }
    if (/^GET \/pulls\/\d+\/reviews$/.test(key)) {
      return [
        200,
        this.reviews.map((r) => ({
          id: r.id,
          user: { login: r.login, type: "User" },
          state: r.state,
          body: "",
          commit_id: r.commit,
          submitted_at: r.at ?? "2026-01-01T00:00:00Z",
        })),
      ];
    }
    if ((m = /^GET \/collaborators\/([^/]+)\/permission$/.exec(key))) {
      const permission = this.permissions.get(m[1] ?? "") ?? "read";
      return [200, { permission, role_name: permission, user: { login: m[1] } }];
    }
    if (key === "POST /check-runs") {
      const b = body as Record<string, unknown>;
      const run: FakeCheckRun = {
        id: this.nextId++,
        name: String(b.name),
        head_sha: String(b.head_sha),
        status: String(b.status ?? "queued"),
        conclusion: (b.conclusion as string | undefined) ?? null,
        output: (b.output as FakeCheckRun["output"]) ?? {},
        ...(b.actions ? { actions: b.actions as unknown[] } : {}),
        updates: 0,
      };
      this.checkRuns.push(run);
      return [201, { ...run, external_id: null }];
    }
    if ((m = /^PATCH \/check-runs\/(\d+)$/.exec(key))) {
      const run = this.checkRuns.find((r) => r.id === Number(m![1]));
      if (!run) return [404, { message: "Not Found" }];
      const b = body as Record<string, unknown>;
      if (b.status) run.status = String(b.status);
      if (b.conclusion) run.conclusion = String(b.conclusion);
      if (b.output) run.output = b.output as FakeCheckRun["output"];
      if (b.actions) run.actions = b.actions as unknown[];
      run.updates++;
      return [200, { ...run, external_id: null }];
    }
    if ((m = /^GET \/issues\/(\d+)\/comments$/.exec(key))) {
      const issue = Number(m[1]);
      const of = this.comments.filter((c) => (c.issue ?? this.pull.number) === issue);
      return [200, of.map(({ issue: _issue, ...c }) => ({ ...c, created_at: "2026-01-01T00:00:00Z" }))];
    }
    if ((m = /^POST \/issues\/(\d+)\/comments$/.exec(key))) {
      const comment = {
        issue: Number(m[1]),
        id: this.nextId++,
        body: String((body as { body: string }).body),
        user: { login: "planwright[bot]", type: "Bot" },
      };
      this.comments.push(comment);
      const { issue: _issue, ...shown } = comment;
      return [201, { ...shown, created_at: "2026-01-01T00:00:00Z" }];
    }
    if ((m = /^PATCH \/issues\/comments\/(\d+)$/.exec(key))) {
      const comment = this.comments.find((c) => c.id === Number(m![1]));
      if (!comment) return [404, { message: "Not Found" }];
      comment.body = String((body as { body: string }).body);
      const { issue: _issue, ...shown } = comment;
      return [200, { ...shown, created_at: "2026-01-01T00:00:00Z" }];
    }
    if ((m = /^POST \/issues\/comments\/(\d+)\/reactions$/.exec(key))) {
      this.reactions.push({
        commentId: Number(m[1]),
        content: String((body as { content: string }).content),
      });
      return [201, { id: this.nextId++, content: (body as { content: string }).content }];
    }
    return [404, { message: `fake GitHub has no ${method} ${p}` }];
  }

  /** Answers every request to api.github.com through nock until `nock.cleanAll()`. */
  mountNock(): void {
    for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"] as const) {
      nock(API)
        .persist()
        .intercept(/.*/, method)
        .reply(async (request: Request) => {
          const text = await request.text();
          return this.handle(method, request.url, text === "" ? undefined : (JSON.parse(text) as unknown));
        });
    }
  }

  /** Serves the same API over HTTP on a local port; resolves to its base URL. */
  async listen(): Promise<{ url: string; server: Server }> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        void this.handle(
          req.method ?? "GET",
          req.url ?? "/",
          text ? (JSON.parse(text) as unknown) : undefined,
        ).then(([status, data]) => {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(data));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, server };
  }

  /** Requests that write something (POST, PATCH), by kind. */
  writes(): FakeRequest[] {
    return this.requests.filter((r) => r.method !== "GET");
  }
}
