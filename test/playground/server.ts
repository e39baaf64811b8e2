/**
 * The playground's web server (127.0.0.1 only): GitHub-like pages over the demo world, and the
 * forms a person uses there — open an issue, comment, submit a review with inline comments, press
 * a check run's button — turned into the stand-in's user actions, which deliver the webhooks
 * GitHub would to the real App. The page polls `/api/version` and reloads when anything changed.
 * Mermaid and the page script are served from this package (node_modules), never from a CDN.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ROOT, type World } from "../e2e/e2e-harness.js";
import type { IssueRecord } from "../sandbox/sandbox-state.js";
import { checkRunsOn, pressButton } from "./demo-world.js";
import * as pages from "./pages.js";

const ASSETS: Record<string, [string, string]> = {
  "/assets/mermaid.min.js": [
    join(ROOT, "node_modules", "mermaid", "dist", "mermaid.min.js"),
    "text/javascript",
  ],
  "/assets/playground.js": [join(ROOT, "test", "playground", "assets", "playground.js"), "text/javascript"],
  "/assets/playground.css": [join(ROOT, "test", "playground", "assets", "playground.css"), "text/css"],
};

export interface Playground {
  url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1 << 20) req.destroy(new Error("form too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    req.on("error", reject);
  });
}

export async function startPlayground(
  world: World,
  options: { port?: number; mode: string },
): Promise<Playground> {
  const { github } = world;
  const { state } = github;
  const base = `/${state.owner}/${state.repo}`;
  const assetCache = new Map<string, Buffer>();

  const loginOf = (req: IncomingMessage): string => {
    const login = /(?:^|;\s*)login=([a-z]+)/.exec(req.headers.cookie ?? "")?.[1];
    return login && pages.PEOPLE_SHOWN.includes(login) ? login : "maya";
  };
  const version = () =>
    [
      github.requests.length,
      github.deliveries.length,
      [...state.workflowRuns.values()].map((r) => r.status).join(""),
      world.model.requests.length,
    ].join("/");
  const busy = () => [...state.workflowRuns.values()].some((r) => r.status !== "completed");

  async function pullData(issue: IssueRecord): Promise<pages.PullData> {
    const head = (await github.git.branchHead(issue.pull?.head ?? "")) ?? "";
    const shas = head ? await github.git.revList(head, `refs/heads/${issue.pull?.base ?? "main"}`) : [];
    const commits = await Promise.all(
      shas.map(async (sha) => ({
        sha,
        subject: (await github.git.commit(sha)).message.split("\n")[0] ?? "",
      })),
    );
    const checks = head ? checkRunsOn(world, head) : [];
    const shown = new Set(checks.map((c) => c.name));
    const commitChecks = shas
      .slice(1)
      .flatMap((sha) => checkRunsOn(world, sha).filter((r) => r.name !== "planwright"))
      .filter((r) => !shown.has(r.name) && (shown.add(r.name), true));
    const diff = head
      ? await github.git.git(["diff", "--no-color", `refs/heads/${issue.pull?.base ?? "main"}...${head}`])
      : "";
    return { head, commits: commits.reverse(), checks, commitChecks, diff };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const login = loginOf(req);
    const ctx: pages.PageContext = { state, login, base, mode: options.mode };
    const html = (body: string, status = 200) => {
      res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(body);
    };
    const redirect = (to: string) => {
      res.writeHead(303, { location: to });
      res.end();
    };
    const asset = ASSETS[path];
    if (req.method === "GET" && asset) {
      let content = assetCache.get(path);
      if (!content) assetCache.set(path, (content = await readFile(asset[0])));
      res.writeHead(200, { "content-type": asset[1], "cache-control": "max-age=3600" });
      res.end(content);
      return;
    }
    if (req.method === "GET" && path === "/api/version") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ version: version(), busy: busy() }));
      return;
    }
    if (req.method === "GET" && (path === "/" || path === base)) return redirect(`${base}/issues`);
    if (req.method === "POST" && path === "/session") {
      const chosen = (await readBody(req)).get("login") ?? "maya";
      res.writeHead(303, {
        location:
          req.headers.referer && new URL(req.headers.referer).host === req.headers.host
            ? req.headers.referer
            : `${base}/issues`,
        "set-cookie": `login=${pages.PEOPLE_SHOWN.includes(chosen) ? chosen : "maya"}; Path=/; SameSite=Strict`,
      });
      res.end();
      return;
    }
    if (!path.startsWith(`${base}/`)) return html(pages.layout(ctx, "Not found", "<h1>Not found</h1>"), 404);
    const rest = path.slice(base.length + 1).split("/");
    const [section, id, sub, subId, , action] = rest;
    const number = Number(id);
    const issue = Number.isInteger(number) ? state.issues.get(number) : undefined;

    if (req.method === "GET") {
      if (section === "issues" && !id) return html(pages.listPage(ctx, false));
      if (section === "pulls") return html(pages.listPage(ctx, true));
      if (section === "actions" && !id) return html(pages.actionsPage(ctx));
      if (section === "actions" && id === "runs") {
        const page = pages.runPage(ctx, Number(sub));
        if (page) return html(page);
      }
      if (section === "issues" && issue)
        return issue.pull ? redirect(`${base}/pull/${issue.number}`) : html(pages.issuePage(ctx, issue));
      if (section === "pull" && issue?.pull) {
        const data = await pullData(issue);
        if (!sub) return html(pages.pullConversation(ctx, issue, data));
        if (sub === "checks") return html(pages.pullChecks(ctx, issue, data));
        if (sub === "files") return html(pages.pullFiles(ctx, issue, data));
        if (sub === "commits") return html(pages.pullCommits(ctx, issue, data));
      }
      return html(pages.layout(ctx, "Not found", "<h1>Not found</h1>"), 404);
    }
    if (req.method !== "POST") return html("method not allowed", 405);
    const form = await readBody(req);
    if (section === "issues" && !id) {
      const created = await github.createIssue(
        login,
        form.get("title")?.trim() || "Untitled",
        form.get("body") ?? "",
      );
      return redirect(`${base}/issues/${created.number}`);
    }
    if (section === "issues" && issue && sub === "comments") {
      const body = form.get("body")?.trim();
      if (body) await github.comment(login, issue.number, body);
      return redirect(`${base}/${issue.pull ? "pull" : "issues"}/${issue.number}`);
    }
    if (section === "pull" && issue?.pull && sub === "reviews") {
      const stateValue = form.get("state");
      const reviewState =
        stateValue === "APPROVED" || stateValue === "CHANGES_REQUESTED" ? stateValue : "COMMENTED";
      const paths = form.getAll("path");
      const lines = form.getAll("line");
      const bodies = form.getAll("comment");
      const comments = bodies
        .map((body, i) => ({ path: paths[i] ?? "", line: Number(lines[i]), body: body.trim() }))
        .filter((c) => c.body && c.path && Number.isInteger(c.line) && c.line > 0);
      await github.review(login, issue.number, {
        state: reviewState,
        body: form.get("body") ?? "",
        comments,
      });
      return redirect(`${base}/pull/${issue.number}`);
    }
    if (section === "pull" && issue?.pull && sub === "checks" && action) {
      await pressButton(world, login, Number(subId), action, issue);
      return redirect(`${base}/pull/${issue.number}/checks`);
    }
    return html(pages.layout(ctx, "Not found", "<h1>Not found</h1>"), 404);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`playground: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
