/**
 * A local, stateful GitHub for end-to-end tests: an HTTP server on 127.0.0.1 emulating the REST
 * endpoints Planwright uses, backed by a real bare git repository (git data endpoints write real
 * objects; the Action fetches from and pushes to the same repository). It delivers signed webhooks
 * (X-Hub-Signature-256) to a URL, starts dispatched workflow runs through a runner, counts requests
 * per route, injects faults, and checks every request and response against GitHub's OpenAPI
 * description (violations are collected in `violations`).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { assertMatchesOpenApi } from "../helpers/openapi.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";
import { BareRepo } from "./bare-repo.js";
import { gitRoutes } from "./git-routes.js";
import { setSignedCommitsRule } from "./commit-signing.js";
import { issueRoutes } from "./issue-routes.js";
import { shapeResponse } from "./openapi-responses.js";
import { pullRoutes } from "./pull-routes.js";
import { faultPicker, type FaultKind, type FaultOptions } from "./faults.js";
import { compileRoute, type Reply, type SandboxHooks } from "./route-kit.js";
import { sendDelivery, type DeliveryRecord, type Signature } from "./webhook-sender.js";
import { SandboxState, type Permission, type WorkflowRunRecord } from "./sandbox-state.js";
import { userActions, type UserActions } from "./user-actions.js";

export type { DeliveryRecord, FaultKind, FaultOptions };

/** Runs a dispatched workflow; resolves to its conclusion. */
export type WorkflowRunner = (
  run: WorkflowRunRecord,
  sandbox: GitHubSandbox,
) => Promise<"success" | "failure" | "cancelled">;

export interface SandboxOptions {
  owner?: string;
  repo?: string;
  /** The App's slug; its bot is `<slug>[bot]`. */
  appSlug?: string;
  /** Files of the initial commit on `main`. */
  files: Record<string, string>;
  users?: { login: string; permission?: Permission; type?: "User" | "Bot" }[];
  webhook?: { url: string; secret: string };
  runner?: WorkflowRunner;
  faults?: FaultOptions;
}

export interface RequestRecord {
  method: string;
  path: string;
  /** `METHOD /openapi/template`, or `METHOD path` for an unknown route. */
  route: string;
  actor: string;
  status: number;
  fault?: FaultKind;
}

export interface GitHubSandbox extends UserActions {
  /** API base URL, e.g. `http://127.0.0.1:43123`. */
  readonly url: string;
  readonly state: SandboxState;
  readonly git: BareRepo;
  /** Path of the bare repository (a git remote). */
  readonly remote: string;
  readonly requests: RequestRecord[];
  readonly deliveries: DeliveryRecord[];
  /** OpenAPI violations of requests and responses. */
  readonly violations: string[];
  /** Requests per route since the last reset (faulted ones included). */
  counts(filter?: (record: RequestRecord) => boolean): Record<string, number>;
  resetCounts(): void;
  setFaults(faults: FaultOptions | undefined): void;
  setWebhook(webhook: { url: string; secret: string } | undefined): void;
  setRunner(runner: WorkflowRunner | undefined): void;
  /** The ruleset rule "require signed commits" on every branch, for git pushes and the API. */
  requireSignedCommits(on: boolean): Promise<void>;
  /** Sends one webhook now; `signature` "wrong" or "none" to test refusals. */
  deliver(
    event: string,
    payload: Record<string, unknown>,
    options?: { sender?: string; signature?: "valid" | "wrong" | "none"; id?: string },
  ): Promise<DeliveryRecord>;
  /** Sends a recorded delivery again, with the same delivery id and body. */
  redeliver(id: string): Promise<DeliveryRecord>;
  /** Resolves when queued deliveries are sent and no workflow run is going. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Starts a sandbox with a fresh bare repository holding `options.files` on `main`. */
export async function startSandbox(options: SandboxOptions): Promise<GitHubSandbox> {
  const repoFiles: TestRepo = await createTestRepo(options.files);
  const git = new BareRepo(repoFiles.remote);
  let url = "";
  const appSlug = options.appSlug ?? "planwright";
  const state = new SandboxState(
    options.owner ?? "acme",
    options.repo ?? "accounts",
    "main",
    git,
    () => url,
    appSlug,
  );
  state.user(options.owner ?? "acme");
  state.user(`${appSlug}[bot]`);
  for (const user of options.users ?? []) {
    Object.assign(state.user(user.login), {
      ...(user.permission ? { permission: user.permission } : {}),
      ...(user.type ? { type: user.type } : {}),
    });
  }
  const routes = [...issueRoutes, ...gitRoutes, ...pullRoutes]
    .map(([method, template, handler]) => compileRoute(method, template, handler))
    .sort(
      (a, b) => b.template.replace(/\{[^}]+\}/g, "").length - a.template.replace(/\{[^}]+\}/g, "").length,
    );

  const requests: RequestRecord[] = [];
  const deliveries: DeliveryRecord[] = [];
  const violations: string[] = [];
  let counted: RequestRecord[] = [];
  let pickFault = faultPicker(options.faults);
  let webhook = options.webhook;
  let runner = options.runner;
  let deliveryChain: Promise<unknown> = Promise.resolve();
  const runs = new Set<Promise<unknown>>();
  const knownHeads = state.pullHeads;

  async function refsChanged(actor: string): Promise<void> {
    for (const issue of state.issues.values()) {
      if (!issue.pull || issue.state !== "open") continue;
      const head = await git.branchHead(issue.pull.head);
      const before = knownHeads.get(issue.number);
      if (!head || head === before) continue;
      knownHeads.set(issue.number, head);
      if (before === undefined) continue;
      const pull = await state.pullJson(issue);
      queueDelivery(
        "pull_request",
        { action: "synchronize", number: issue.number, before, after: head, pull_request: pull },
        actor,
      );
    }
  }

  function payloadOf(
    event: string,
    payload: Record<string, unknown>,
    sender: string,
  ): Record<string, unknown> {
    return {
      ...payload,
      repository: state.repoJson(),
      sender: state.userJson(sender),
      installation: { id: 1, node_id: "I_1" },
    };
  }

  async function send(
    event: string,
    body: string,
    id: string,
    signature: Signature,
  ): Promise<DeliveryRecord> {
    const record = await sendDelivery(webhook, event, body, id, signature);
    deliveries.push(record);
    return record;
  }

  function queueDelivery(event: string, payload: Record<string, unknown>, sender: string): void {
    const body = JSON.stringify(payloadOf(event, payload, sender));
    deliveryChain = deliveryChain.then(() => send(event, body, randomUUID(), "valid")).catch(() => undefined);
  }

  const hooksFor = (actor: string): SandboxHooks => ({
    deliver: (event, payload) => queueDelivery(event, payload, actor),
    startRun(run) {
      const current = runner;
      if (!current) return;
      const done = (async () => {
        run.status = "in_progress";
        const poll = setInterval(() => void refsChanged("github-actions[bot]").catch(() => undefined), 200);
        try {
          run.conclusion = await current(run, sandbox);
        } catch (error) {
          run.conclusion = "failure";
          run.log += `\nrunner error: ${error instanceof Error ? error.message : String(error)}`;
        } finally {
          clearInterval(poll);
          run.status = "completed";
          await refsChanged("github-actions[bot]").catch(() => undefined);
        }
      })();
      runs.add(done);
      void done.finally(() => runs.delete(done));
    },
    refsChanged,
  });

  function authenticate(req: IncomingMessage, path: string): string | undefined {
    const header = req.headers.authorization ?? "";
    const token = header.replace(/^(token|bearer)\s+/i, "");
    if (path.startsWith("/app") && token.split(".").length === 3) return "app";
    return state.tokens.get(token);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestUrl = new URL(req.url ?? "/", url);
    const method = (req.method ?? "GET").toUpperCase();
    const path = decodeURIComponent(requestUrl.pathname);
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    let match: RegExpExecArray | null = null;
    const route = routes.find(
      (candidate) =>
        candidate.method === method && (match = candidate.pattern.exec(requestUrl.pathname)) !== null,
    );
    const record: RequestRecord = {
      method,
      path,
      route: `${method} ${route?.template ?? path}`,
      actor: "",
      status: 0,
    };
    requests.push(record);
    counted.push(record);
    try {
      assertMatchesOpenApi(method, requestUrl.pathname, body);
    } catch (error) {
      violations.push((error as Error).message);
    }
    const reply = (answer: Reply) => {
      record.status = answer.status;
      let payload = answer.body;
      if (answer.raw !== undefined) {
        res.writeHead(answer.status, { "content-type": "text/plain; charset=utf-8" });
        res.end(answer.raw);
        return;
      }
      if (route && answer.status < 300) {
        const shaped = shapeResponse(method, route.template, answer.status, payload);
        payload = shaped.body;
        violations.push(...shaped.problems);
      }
      res.writeHead(answer.status, {
        "content-type": "application/json; charset=utf-8",
        "x-github-request-id": randomUUID(),
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        ...answer.headers,
      });
      res.end(payload === undefined || answer.status === 204 ? undefined : JSON.stringify(payload));
    };
    const actor = authenticate(req, path);
    if (!actor) return reply({ status: 401, body: { message: "Bad credentials" } });
    record.actor = actor;
    if (!route || !match)
      return reply({ status: 404, body: { message: "Not Found (the sandbox does not emulate this route)" } });
    const fault = pickFault(record.route, actor);
    if (fault) {
      record.fault = fault;
      if (fault === "drop") {
        record.status = -1;
        req.socket.destroy();
        return;
      }
      if (fault === "secondary") {
        return reply({
          status: 403,
          headers: { "retry-after": "1" },
          body: {
            message:
              "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          },
        });
      }
      return reply({
        status: Number(fault),
        body: { message: fault === "500" ? "Server Error" : "Bad Gateway" },
      });
    }
    const params: Record<string, string> = {};
    route.names.forEach(
      (name, i) => (params[name] = decodeURIComponent((match as RegExpExecArray)[i + 1] ?? "")),
    );
    if ((params.owner ?? state.owner) !== state.owner || (params.repo ?? state.repo) !== state.repo) {
      return reply({ status: 404, body: { message: "Not Found" } });
    }
    const hooks = hooksFor(actor);
    const answer = await route.handler({
      params,
      query: requestUrl.searchParams,
      body,
      actor,
      state,
      hooks,
      url: requestUrl,
      accept: String(req.headers.accept ?? ""),
    });
    reply(answer);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      violations.push(
        `sandbox error on ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "sandbox error" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sandbox: GitHubSandbox = {
    url,
    state,
    git,
    remote: repoFiles.remote,
    requests,
    deliveries,
    violations,
    counts(filter) {
      const counts: Record<string, number> = {};
      for (const record of counted)
        if (!filter || filter(record)) counts[record.route] = (counts[record.route] ?? 0) + 1;
      return counts;
    },
    resetCounts: () => void (counted = []),
    setFaults(next) {
      pickFault = faultPicker(next);
    },
    setWebhook: (next) => void (webhook = next),
    setRunner: (next) => void (runner = next),
    async requireSignedCommits(on) {
      state.rules.requireSignedCommits = on;
      await setSignedCommitsRule(git, on);
    },
    async deliver(event, payload, deliverOptions = {}) {
      const body = JSON.stringify(payloadOf(event, payload, deliverOptions.sender ?? state.owner));
      return send(event, body, deliverOptions.id ?? randomUUID(), deliverOptions.signature ?? "valid");
    },
    async redeliver(id) {
      const original = deliveries.find((d) => d.id === id);
      if (!original) throw new Error(`no delivery ${id}`);
      return send(original.event, original.body, id, "valid");
    },
    async idle() {
      for (;;) {
        const chain = deliveryChain;
        await chain;
        await Promise.all([...runs]);
        if (chain === deliveryChain && runs.size === 0) return;
      }
    },
    async close() {
      for (const run of state.workflowRuns.values()) run.abort.abort();
      await Promise.allSettled([...runs]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await repoFiles.cleanup();
    },
    ...userActions(state, { queueDelivery, refsChanged }),
  };
  return sandbox;
}
