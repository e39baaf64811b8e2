import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdtemp, readFile, readdir, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PlanwrightError, PolicyError } from "../../src/errors.js";
import { ObjectReader, hashesTo } from "../../src/git/object-reader.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";

const exec = promisify(execFile);

/** The pid of the running `git cat-file <mode>` in `dir`. */
async function catFilePid(dir: string, mode: string): Promise<string> {
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.split("\0").includes(mode) || !cmdline.includes("cat-file")) continue;
    if ((await realpath(`/proc/${pid}/cwd`).catch(() => "")) === (await realpath(dir))) return pid;
  }
  throw new Error(`no git cat-file ${mode} in ${dir}`);
}

/** Running `git cat-file` processes whose environment names the repository's folder. */
async function catFilesIn(dir: string): Promise<number> {
  let count = 0;
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.includes("cat-file")) continue;
    const cwd = await realpath(`/proc/${pid}/cwd`).catch(() => "");
    if (cwd === (await realpath(dir))) count++;
  }
  return count;
}

describe("ObjectReader", () => {
  let repo: TestRepo;
  let reader: ObjectReader;
  beforeEach(async () => {
    repo = await createTestRepo({ "a.txt": "alpha\n", "dir/b.txt": "beta beta\n" });
    reader = new ObjectReader(repo.dir);
  });
  afterEach(async () => {
    reader.close();
    await repo.cleanup();
  });

  it("reads commits, trees and blobs by any revision syntax, and sizes without content", async () => {
    const head = await repo.git("rev-parse", "HEAD");
    const commit = await reader.read("HEAD^{commit}");
    expect(commit).toMatchObject({ sha: head, type: "commit" });
    expect(commit?.content.toString("utf8")).toMatch(/^tree [0-9a-f]{40}\n/);
    const blob = await reader.read("HEAD:dir/b.txt");
    expect(blob?.type).toBe("blob");
    expect(blob?.content.toString("utf8")).toBe("beta beta\n");
    expect(await reader.info("HEAD:dir/b.txt")).toEqual({ sha: blob?.sha, type: "blob", size: 10 });
    expect((await reader.info("HEAD:dir"))?.type).toBe("tree");
  });

  it("answers many reads in flight in the order they were asked, binary content included", async () => {
    const binary = Buffer.from([0, 10, 13, 255, 10, 0, 32]);
    await writeFile(join(repo.dir, "bin.dat"), binary);
    const sha = (await exec("git", ["hash-object", "-w", "bin.dat"], { cwd: repo.dir })).stdout.trim();
    const reads = await Promise.all([
      reader.read(sha),
      reader.read("HEAD:a.txt"),
      reader.read("no-such-ref"),
      reader.read(sha),
    ]);
    expect(reads[0]?.content.equals(binary)).toBe(true);
    expect(reads[1]?.content.toString("utf8")).toBe("alpha\n");
    expect(reads[2]).toBeUndefined();
    expect(reads[3]?.size).toBe(binary.length);
  });

  it("sees commits and ref moves made after it started, with loose and with packed refs", async () => {
    const first = (await reader.info("HEAD"))?.sha;
    await repo.write({ "c.txt": "c\n" });
    await repo.git("add", "-A");
    await repo.git("commit", "-qm", "c");
    const second = await repo.git("rev-parse", "HEAD");
    expect(second).not.toBe(first);
    expect((await reader.info("HEAD"))?.sha).toBe(second);
    await repo.git("pack-refs", "--all");
    await repo.write({ "d.txt": "d\n" });
    await repo.git("add", "-A");
    await repo.git("commit", "-qm", "d");
    expect((await reader.info("HEAD"))?.sha).toBe(await repo.git("rev-parse", "HEAD"));
  });

  it("refuses a revision that would smuggle a second request", async () => {
    await expect(reader.read("HEAD\nHEAD")).rejects.toThrow(PlanwrightError);
    await expect(reader.info("")).rejects.toThrow(/not a git revision/);
  });

  it("ends its processes on close() and starts them again for a later read", async () => {
    // the probe finds a cat-file process in the repository when there is one
    const control = spawn("git", ["cat-file", "--batch"], { cwd: repo.dir, stdio: "pipe" });
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await catFilesIn(repo.dir)).toBe(1);
    } finally {
      control.kill();
    }
    await new Promise((resolve) => control.on("exit", resolve));
    await Promise.all([reader.read("HEAD"), reader.info("HEAD:a.txt"), reader.read("HEAD:dir")]);
    expect(await catFilesIn(repo.dir)).toBe(2);
    reader.close();
    for (let i = 0; i < 25 && (await catFilesIn(repo.dir)) > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await catFilesIn(repo.dir)).toBe(0);
    expect((await reader.info("HEAD"))?.type).toBe("commit");
  });

  it("cannot be written to through /proc by another process of the same user", async () => {
    await reader.read("HEAD:a.txt");
    const pid = await catFilePid(repo.dir, "--batch");
    // Node's child pipes are socket pairs: /proc/<pid>/fd/N of a socket cannot be opened
    for (const fd of [0, 1]) {
      await expect(writeFile(`/proc/${pid}/fd/${fd}`, "HEAD\n")).rejects.toMatchObject({ code: "ENXIO" });
    }
  });

  it("refuses an object whose content does not hash to its id", async () => {
    const real = await reader.read("HEAD:a.txt");
    // a stand-in git whose cat-file answers every read with the real id and other content
    const bin = await mkdtemp(join(tmpdir(), "planwright-forger-"));
    await writeFile(
      join(bin, "git"),
      `#!/bin/sh\nwhile read line; do printf '${real!.sha} blob 6\\nomega\\n\\n'; done\n`,
    );
    await chmod(join(bin, "git"), 0o755);
    const saved = process.env["PATH"];
    process.env["PATH"] = `${bin}:${saved ?? ""}`;
    const forged = new ObjectReader(repo.dir);
    try {
      await expect(forged.read("HEAD:a.txt")).rejects.toThrow(PolicyError);
      await expect(forged.read("HEAD:a.txt")).rejects.toThrow(/does not hash to its id/);
    } finally {
      forged.close();
      process.env["PATH"] = saved;
      await rm(bin, { recursive: true, force: true });
    }
  });

  it("checks content against ids for SHA-1 and SHA-256", () => {
    const content = Buffer.from("alpha\n");
    const sha1 = createHash("sha1").update("blob 6\0").update(content).digest("hex");
    const sha256 = createHash("sha256").update("blob 6\0").update(content).digest("hex");
    expect(hashesTo({ sha: sha1, type: "blob", size: 6, content })).toBe(true);
    expect(hashesTo({ sha: sha256, type: "blob", size: 6, content })).toBe(true);
    expect(hashesTo({ sha: sha1, type: "tree", size: 6, content })).toBe(false);
    expect(hashesTo({ sha: sha1, type: "blob", size: 5, content })).toBe(false);
    expect(hashesTo({ sha: "abc", type: "blob", size: 6, content })).toBe(false);
  });
});
