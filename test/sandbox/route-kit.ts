/**
 * What every sandbox route handler gets and returns, plus pagination the way GitHub does it (a
 * `Link` header Octokit's paginate follows).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are arbitrary JSON */
import type { SandboxState, WorkflowRunRecord } from "./sandbox-state.js";

/** What the sandbox server does on behalf of handlers: webhooks, workflow runs, ref changes. */
export interface SandboxHooks {
  /** Queues a signed webhook delivery (sent after the API response, in order). */
  deliver(event: string, payload: Record<string, unknown>): void;
  /** Starts a dispatched workflow run (asynchronously). */
  startRun(run: WorkflowRunRecord): void;
  /** A branch may have moved: pull requests get `synchronize` events. */
  refsChanged(actor: string): Promise<void>;
}

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: any;
  /** Login of the authenticated caller. */
  actor: string;
  state: SandboxState;
  hooks: SandboxHooks;
  /** `http://127.0.0.1:<port>` + path, for Link headers. */
  url: URL;
  /** The Accept header (`application/vnd.github.raw` asks for a file's bytes). */
  accept: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** A non-JSON body (raw file contents), sent as text/plain. */
  raw?: string;
  headers?: Record<string, string>;
}

export type Handler = (context: RouteContext) => Promise<Reply> | Reply;

/** `[method, OpenAPI path template, handler]`. */
export type RouteDef = [string, string, Handler];

export function notFound(what = "Not Found"): Reply {
  return { status: 404, body: { message: what, documentation_url: "https://docs.github.com/rest" } };
}

export function unprocessable(message: string): Reply {
  return { status: 422, body: { message, documentation_url: "https://docs.github.com/rest" } };
}

/** One page of `items` by `page`/`per_page`, with a `Link: <…>; rel="next"` when more follow. */
export function paginate<T>(
  context: RouteContext,
  items: T[],
): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(context.query.get("per_page") ?? 30) || 30));
  const page = Math.max(1, Number(context.query.get("page") ?? 1) || 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const headers: Record<string, string> = {};
  if (page * perPage < items.length) {
    const next = new URL(context.url);
    next.searchParams.set("page", String(page + 1));
    next.searchParams.set("per_page", String(perPage));
    headers.link = `<${next.toString()}>; rel="next"`;
  }
  return { items: slice, headers };
}

export function issueNumber(context: RouteContext, key = "issue_number"): number {
  return Number(context.params[key]);
}

export interface CompiledRoute {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

/** Parameters that may span path segments (`git/ref/heads/a/b`, `contents/src/a.ts`, `a...b`). */
const MULTI_SEGMENT = new Set(["ref", "path", "basehead"]);

export function compileRoute(method: string, template: string, handler: Handler): CompiledRoute {
  const names: string[] = [];
  const source = template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    names.push(name);
    return MULTI_SEGMENT.has(name) ? "(.+)" : "([^/]+)";
  });
  return { method, template, pattern: new RegExp(`^${source}$`), names, handler };
}
