/**
 * A git smart-HTTP server for tests: `git http-backend` behind a Node server that demands HTTP
 * basic authentication with one token (like GitHub with an installation token), for reads and
 * writes alike. It records every request, so tests can see who tried what.
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface GitRequest {
  method: string;
  path: string;
  /** "none" when no credentials came, "bad" when they were wrong. */
  auth: "ok" | "none" | "bad";
}

export interface HttpGitServer {
  /** `http://127.0.0.1:<port>/`; append the repository's folder name. */
  baseUrl: string;
  requests: GitRequest[];
  close(): Promise<void>;
}

/** Serves the bare repositories in `projectRoot`, accepting `user:token` only. */
export async function startHttpGitServer(
  projectRoot: string,
  token: string,
  user = "x-access-token",
): Promise<HttpGitServer> {
  const requests: GitRequest[] = [];
  const expected = `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const header = req.headers.authorization;
    const auth = header === undefined ? "none" : header === expected ? "ok" : "bad";
    requests.push({ method: req.method ?? "GET", path: url.pathname + url.search, auth });
    if (auth !== "ok") {
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="test"' }).end("authentication required\n");
      return;
    }
    backend(projectRoot, user, req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function backend(root: string, user: string, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    GIT_CONFIG_NOSYSTEM: "1",
    REMOTE_USER: user,
    REMOTE_ADDR: "127.0.0.1",
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ""),
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    ...(req.headers["content-length"] ? { CONTENT_LENGTH: req.headers["content-length"] } : {}),
    ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
    ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
  };
  const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
  req.pipe(child.stdin);
  child.stdin.on("error", () => undefined);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end === -1) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (/^status$/i.test(name)) status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    res.write(head.subarray(end + 4));
  });
  child.on("close", () => res.end());
}
