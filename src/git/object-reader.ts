/**
 * Reads git objects through long-running `git cat-file --batch` and `--batch-check` processes, so
 * that checking a commit before each push (its object, two trees per changed folder, sizes, link
 * targets) costs pipe round trips instead of new processes. They start on first use, hold the
 * event loop only while a read is pending, and end after a short idle time (or on close()).
 *
 * Task code runs as the same user. Node's child pipes are socket pairs, which /proc/<pid>/fd does
 * not open, and besides every object read with its content is hashed and compared with its id: a
 * forged or shifted answer fails closed instead of passing for the real object.
 */
import { gitProgram } from "./run-git.js";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import { PlanwrightError, PolicyError } from "../errors.js";

/** An object as `cat-file` names it. */
export interface ObjectInfo {
  sha: string;
  type: "blob" | "tree" | "commit" | "tag";
  size: number;
}

export interface GitObject extends ObjectInfo {
  content: Buffer;
}

/** How long an idle batch process is kept for the next read. */
const IDLE_MS = 5000;

/**
 * The environment of a batch process: what git needs to find its configuration, nothing else (no
 * identity, no credentials that the caller's environment may hold).
 */
function batchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { LC_ALL: "C", LANGUAGE: "C", GIT_TERMINAL_PROMPT: "0" };
  for (const key of [
    "PATH",
    "HOME",
    "XDG_CONFIG_HOME",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_CONFIG_GLOBAL",
    "SYSTEMROOT",
  ]) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

interface Pending {
  resolve: (value: GitObject | ObjectInfo | undefined) => void;
  reject: (error: Error) => void;
}

/** One `git cat-file --batch[-check]` process and the FIFO of reads waiting on it. */
class BatchProcess {
  private child: ChildProcessWithoutNullStreams | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  /** Chunks not joined to `buffer` yet, and how many bytes `buffer` must hold before they are. */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private needed = 0;
  private readonly pending: Pending[] = [];
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly cwd: string,
    private readonly withContent: boolean,
  ) {}

  /** Starts the process ahead of the first request, so that two of them start side by side. */
  warm(): void {
    if (this.child) return;
    this.start();
    if (this.pending.length === 0) this.closeWhenIdle();
  }

  request(rev: string): Promise<GitObject | ObjectInfo | undefined> {
    // one line per request: a newline would let a caller smuggle a second request
    if (rev === "" || /[\n\r\0]/.test(rev)) {
      return Promise.reject(new PlanwrightError("usage", `not a git revision: ${JSON.stringify(rev)}`));
    }
    const child = this.start();
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    if (this.pending.length === 0) this.hold(true);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      child.stdin.write(`${rev}\n`);
    });
  }

  close(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    const child = this.child;
    this.child = undefined;
    if (child) child.stdin.end();
    this.fail(new PlanwrightError("internal", "git cat-file was closed while reading"));
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const mode = this.withContent ? "--batch" : "--batch-check";
    // raw objects: replace refs must not make one object look like another
    const child = spawn(gitProgram.path, ["--no-replace-objects", "cat-file", mode], {
      cwd: this.cwd,
      env: batchEnv(),
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
    this.child = child;
    this.buffer = Buffer.alloc(0);
    this.chunks = [];
    this.chunkBytes = 0;
    this.needed = 0;
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      // a large object arrives in many chunks: they are joined once it is complete, not per chunk
      this.chunks.push(chunk);
      this.chunkBytes += chunk.length;
      if (this.buffer.length + this.chunkBytes < this.needed) return;
      this.buffer = Buffer.concat([this.buffer, ...this.chunks]);
      this.chunks = [];
      this.chunkBytes = 0;
      this.needed = 0;
      this.drain();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-2000);
    });
    const gone = (why: string) => {
      // a process closed when idle has no reads left; later reads belong to its successor
      if (this.child !== child) return;
      this.child = undefined;
      this.fail(new PlanwrightError("internal", `git cat-file ${mode} ended: ${why}`));
    };
    child.on("error", (error) => gone(error.message));
    child.on("exit", (code) => gone(stderr.trim().split("\n")[0] || `exit status ${code ?? "?"}`));
    child.stdin.on("error", () => undefined);
    child.unref();
    this.hold(false);
    return child;
  }

  /** Keeps the event loop alive only while someone waits for an answer. */
  private hold(on: boolean): void {
    const child = this.child;
    if (!child) return;
    for (const stream of [child.stdout, child.stderr, child.stdin]) {
      const socket = stream as unknown as { ref?: () => void; unref?: () => void };
      if (on) socket.ref?.();
      else socket.unref?.();
    }
  }

  private drain(): void {
    for (;;) {
      const waiter = this.pending[0];
      if (!waiter) return;
      const eol = this.buffer.indexOf(10);
      if (eol === -1) return;
      const header = this.buffer.subarray(0, eol).toString("utf8");
      const parts = header.split(" ");
      if (parts.length !== 3 || !/^\d+$/.test(parts[2] ?? "")) {
        // "<rev> missing" or "<rev> ambiguous": no body follows
        this.buffer = this.buffer.subarray(eol + 1);
        this.settle()?.resolve(undefined);
        continue;
      }
      const [sha = "", type = "", sizeText = "0"] = parts;
      const size = Number(sizeText);
      const info = { sha, type: type as ObjectInfo["type"], size };
      if (!this.withContent) {
        this.buffer = this.buffer.subarray(eol + 1);
        this.settle()?.resolve(info);
        continue;
      }
      // the body is followed by one newline
      if (this.buffer.length < eol + 1 + size + 1) {
        this.needed = eol + 1 + size + 1;
        return;
      }
      const content = Buffer.from(this.buffer.subarray(eol + 1, eol + 1 + size));
      this.buffer = this.buffer.subarray(eol + 1 + size + 1);
      this.settle()?.resolve({ ...info, content });
    }
  }

  private settle(): Pending | undefined {
    const waiter = this.pending.shift();
    if (this.pending.length === 0) {
      this.hold(false);
      this.closeWhenIdle();
    }
    return waiter;
  }

  private closeWhenIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close(), IDLE_MS);
    this.idle.unref();
  }

  private fail(error: Error): void {
    for (const waiter of this.pending.splice(0)) waiter.reject(error);
  }
}

/** Reads objects of the repository at `cwd` (any working tree of it). */
export class ObjectReader {
  private readonly contents: BatchProcess;
  private readonly infos: BatchProcess;

  constructor(cwd: string) {
    this.contents = new BatchProcess(cwd, true);
    this.infos = new BatchProcess(cwd, false);
  }

  /** The object `rev` names (any revision syntax, e.g. `HEAD^{commit}`), or undefined when missing. */
  async read(rev: string): Promise<GitObject | undefined> {
    this.infos.warm();
    const object = (await this.contents.request(rev)) as GitObject | undefined;
    if (object && !hashesTo(object)) {
      // the pipe no longer answers what we ask: start afresh next time, refuse this time
      this.close();
      throw new PolicyError(
        `git object ${object.sha.slice(0, 12)} was read back with content that does not hash to its id; refusing to trust it`,
      );
    }
    return object;
  }

  /** Type and size of the object `rev` names, without reading it; undefined when missing. */
  info(rev: string): Promise<ObjectInfo | undefined> {
    return this.infos.request(rev);
  }

  /** Ends both processes; later reads start them again. */
  close(): void {
    this.contents.close();
    this.infos.close();
  }
}

/** Whether `object`'s content hashes to its id, as git computes ids (SHA-1 or SHA-256). */
export function hashesTo(object: GitObject): boolean {
  const algorithm = object.sha.length === 64 ? "sha256" : object.sha.length === 40 ? "sha1" : undefined;
  if (!algorithm || object.content.length !== object.size) return false;
  const hash = createHash(algorithm);
  hash.update(`${object.type} ${object.size}\0`);
  hash.update(object.content);
  return hash.digest("hex") === object.sha;
}
