/**
 * The App under test: a real Probot (retry and throttling off, a test RSA key made at start),
 * the App loaded into it, GitHub as the stateful fake of the flow tests (behind nock, every request
 * checked against GitHub's OpenAPI description) extended with the routes the App adds (installation
 * tokens, reactions, Probot's raw config reads, reviews, workflow dispatches and runs), and the
 * model as the fake Messages server. Webhook payloads start from @octokit/webhooks-examples.
 */
import { generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { createApp, type PlanwrightApp } from "../../src/app/app.js";
import { createMetrics } from "../../src/app/metrics.js";
import { startFakeMessagesServer, type FakeMessagesServer } from "../llm/fake-messages-server.js";
import { API, BOT, FakeGitHub } from "../flows/plan-flow-github.js";
import { checkAllRequests } from "../helpers/openapi.js";

export { BOT };
export const INSTALLATION = 4321;

export const { privateKey: PRIVATE_KEY } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

type Json = Record<string, unknown>;
type User = { login: string; type: string };

export interface StoredReview {
  id: number;
  user: User;
  state: string;
  body: string;
  commit_id: string;
  submitted_at: string;
}

/** The flow tests' fake GitHub plus what the App needs on top. */
export class AppGitHub extends FakeGitHub {
  /** Commits the App landed through the API (GitHub signs them): set by the tests. */
  readonly signedByApp = new Set<string>();
  readonly reviews = new Map<number, StoredReview[]>();
  readonly reactions: { comment: number; content: string }[] = [];
  readonly dispatches: { workflow: string; ref: string; inputs: Record<string, string> }[] = [];
  readonly runs: Json[] = [];
  readonly cancelled: number[] = [];
  /** Faults to answer instead of the route: the next `times` requests matching `route`. */
  readonly faults: {
    method: string;
    route: RegExp;
    times: number;
    status: number;
    headers?: Record<string, string>;
  }[] = [];
  /** Files of other repositories of owner `o` (for `_extends`), by repository name. */
  readonly otherRepos = new Map<string, Record<string, string>>();
  private reviewId = 9000;

  review(pull: number, user: User, state: string, commitId: string, body = ""): StoredReview {
    const review = {
      id: this.reviewId++,
      user,
      state,
      body,
      commit_id: commitId,
      submitted_at: new Date(Date.UTC(2026, 0, 1, 0, 0, this.reviewId - 9000)).toISOString(),
    };
    this.reviews.set(pull, [...(this.reviews.get(pull) ?? []), review]);
    return review;
  }

  override route(method: string, path: string, query: URLSearchParams, body: Json): [number, unknown] {
    const p = decodeURIComponent(path);
    const fault = this.faults.find((f) => f.times > 0 && f.method === method && f.route.test(p));
    if (fault) {
      fault.times--;
      this.log.push(`${method} ${p.replace(/^\/repos\/o\/r/, "")} -> ${fault.status}`);
      const message = fault.status === 403 ? "You have exceeded a secondary rate limit." : "Bad Gateway";
      // nock takes a third element as response headers.
      return [fault.status, { message }, fault.headers ?? {}] as unknown as [number, unknown];
    }
    let m: RegExpExecArray | null;
    if (/^\/app\/installations\/\d+\/access_tokens$/.test(p)) {
      const expires = new Date(Date.now() + 3600_000).toISOString();
      return [201, { token: "ghs_test", expires_at: expires, permissions: {}, repository_selection: "all" }];
    }
    if (p.startsWith("/repos/o/.github/")) return [404, { message: "Not Found" }];
    if ((m = /^\/repos\/o\/r\/issues\/comments\/(\d+)\/reactions$/.exec(p))) {
      this.reactions.push({ comment: Number(m[1]), content: String(body.content) });
      return [201, { id: 1, content: body.content, user: BOT }];
    }
    if ((m = /^\/repos\/o\/r\/pulls\/(\d+)\/reviews$/.exec(p)))
      return [200, this.reviews.get(Number(m[1])) ?? []];
    if ((m = /^\/repos\/o\/r\/actions\/workflows\/([^/]+)\/dispatches$/.exec(p))) {
      this.dispatches.push({
        workflow: m[1]!,
        ref: String(body.ref),
        inputs: body.inputs as Record<string, string>,
      });
      return [204, ""];
    }
    if (/^\/repos\/o\/r\/actions\/workflows\/[^/]+\/runs$/.test(p)) {
      return [200, { total_count: this.runs.length, workflow_runs: this.runs }];
    }
    if ((m = /^\/repos\/o\/r\/compare\/([0-9a-f]{40})\.\.\.([0-9a-f]{40})$/.exec(p))) {
      // The base fake compares against branch names only; the App compares two shas.
      const out: Json[] = [];
      for (let sha: string | undefined = m[2]; sha && sha !== m[1]; sha = this.commits.get(sha)?.parents[0]) {
        const commit = this.commits.get(sha);
        if (!commit) return [404, { message: "Not Found" }];
        // what GitHub says of a commit the App created through the API: signed, by its bot
        const signed = this.signedByApp.has(sha);
        const user = signed ? { login: "planwright[bot]", type: "Bot" } : null;
        out.unshift({
          sha,
          parents: commit.parents.map((x) => ({ sha: x })),
          commit: {
            message: commit.message,
            verification: { verified: signed, reason: signed ? "valid" : "unsigned" },
          },
          author: user,
          committer: user,
        });
      }
      return [200, { status: "ahead", total_commits: out.length, commits: out }];
    }
    if ((m = /^\/repos\/o\/r\/actions\/runs\/(\d+)\/cancel$/.exec(p))) {
      this.cancelled.push(Number(m[1]));
      return [202, {}];
    }
    return super.route(method, path, query, body);
  }

  /** Intercepts GitHub; Probot's raw reads of the config file are answered with the file's text. */
  override serve(pullCreations = 1): {
    done: () => void;
    gateway: ReturnType<FakeGitHub["serve"]>["gateway"];
  } {
    const raw = nock(API, { reqheaders: { accept: /raw/ } })
      .persist()
      .get(/\/contents\//)
      .query(true)
      .reply((request: unknown) => {
        // nock hands fetch requests over as Request objects.
        const url = new URL(typeof request === "string" ? request : (request as Request).url, API);
        const path = decodeURIComponent(url.pathname);
        this.log.push(`GET ${path.replace(/^\/repos\/o\/r/, "")} (raw)`);
        const [, repo, file] = /^\/repos\/o\/([^/]+)\/contents\/(.+)$/.exec(path) ?? [];
        const text =
          file === undefined
            ? undefined
            : repo === "r"
              ? this.filesAt(url.searchParams.get("ref") ?? "main")?.get(file)
              : this.otherRepos.get(repo ?? "")?.[file];
        return text === undefined
          ? [404, { message: "Not Found" }]
          : [200, text, { "content-type": "text/plain" }];
      });
    const check = checkAllRequests(raw);
    const served = super.serve(pullCreations);
    return {
      gateway: served.gateway,
      done: () => {
        served.done();
        check.assertValid();
      },
    };
  }
}

const require = createRequire(import.meta.url);
const EXAMPLES = require("@octokit/webhooks-examples") as { name: string; examples: Json[] }[];

/** A copy of the first example of `event.action` (with an installation when one has it), for repo `o/r`. */
export function example(event: string, action: string): Json {
  const all = EXAMPLES.find((e) => e.name === event)?.examples.filter((x) => x.action === action) ?? [];
  const chosen = all.find((x) => x["installation"]) ?? all[0];
  if (!chosen) throw new Error(`no example of ${event}.${action}`);
  const payload = structuredClone(chosen);
  payload["installation"] = { id: INSTALLATION, node_id: "x" };
  const repository = payload["repository"] as Json;
  repository["name"] = "o/r".split("/")[1];
  repository["full_name"] = "o/r";
  repository["default_branch"] = "main";
  (repository["owner"] as Json)["login"] = "o";
  return payload;
}

export interface Harness {
  github: AppGitHub;
  model: FakeMessagesServer;
  probot: Probot;
  app: PlanwrightApp;
  /** Every interceptor used, every request matching GitHub's OpenAPI description, none unmatched. */
  done(): void;
  /** For tests where the App must not call GitHub at all: nothing was requested, nothing unmatched. */
  assertNoRequests(): void;
  /** Delivers a webhook and waits for the handler (the 2xx); returns the milliseconds it took. */
  deliver(name: string, payload: Json, id?: string): Promise<number>;
  /** Delivers and waits until the queued work is finished. */
  settle(name: string, payload: Json, id?: string): Promise<void>;
  close(): Promise<void>;
}

let deliveries = 0;

/**
 * Probot's Octokit with retry and throttling off. The object form `defaults({ throttle: { enabled:
 * false } })` loses to Probot's own throttle options in probot 14 (they replace the whole key); a
 * function applied last keeps it off.
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options["throttle"] as object), enabled: false },
}));

/** A Probot for the test App: the test key, retry and throttling off, quiet logs. */
export function newProbot(): Probot {
  return new Probot({
    appId: 1,
    privateKey: PRIVATE_KEY,
    secret: "test-secret",
    logLevel: "fatal",
    Octokit: TestOctokit,
  });
}

/** The App's model settings for the fake Messages server at `url`. */
export function testModel(url: string) {
  return {
    apiKey: "sk-ant-test-000",
    baseURL: url,
    maxRetries: 0,
    retry: { attempts: 1 },
    onWarning: () => {},
  };
}

/** A fresh App, fake GitHub and fake model. */
export async function startHarness(
  files: Record<string, string>,
  options: { pullCreations?: number; stateDir?: string; withoutModelKey?: boolean } = {},
): Promise<Harness> {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  const github = new AppGitHub(files);
  const served = github.serve(options.pullCreations ?? 0);
  const model = await startFakeMessagesServer();
  const probot = newProbot();
  const app = createApp({
    metrics: createMetrics(),
    appSlug: "planwright",
    model: options.withoutModelKey ? { baseURL: model.url } : testModel(model.url),
    retry: { baseMs: 5, factor: 2 },
    callRetry: { baseMs: 1, maxDelayMs: 5 },
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
  });
  await probot.load(app);
  const unmatched: string[] = [];
  const onNoMatch = (request: { method?: string; url?: string; path?: string }) => {
    const url = request.url ?? request.path ?? "?";
    // Pass-through to the local model server is allowed; anything else unanswered is a failure.
    if (!/^https?:\/\/127\.0\.0\.1[:/]/.test(url)) unmatched.push(`${request.method ?? "?"} ${url}`);
  };
  nock.emitter.on("no match", onNoMatch);
  const deliver = async (name: string, payload: Json, id?: string) => {
    const started = performance.now();
    await probot.receive({ id: id ?? `delivery-${++deliveries}`, name, payload } as Parameters<
      Probot["receive"]
    >[0]);
    return performance.now() - started;
  };
  return {
    github,
    model,
    probot,
    app,
    done() {
      served.done();
      if (unmatched.length > 0) throw new Error(`requests nobody answered: ${unmatched.join(", ")}`);
    },
    assertNoRequests() {
      if (github.log.length > 0 || unmatched.length > 0) {
        throw new Error(`expected no GitHub requests, saw: ${[...github.log, ...unmatched].join(", ")}`);
      }
    },
    deliver,
    async settle(name, payload, id) {
      await deliver(name, payload, id);
      await app.idle();
    },
    async close() {
      await app.idle();
      nock.emitter.removeListener("no match", onNoMatch);
      nock.cleanAll();
      await model.close();
    },
  };
}
