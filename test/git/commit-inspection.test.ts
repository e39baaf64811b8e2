import { chmod, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectCommit, parseTree } from "../../src/git/commit-inspection.js";
import { ObjectReader } from "../../src/git/object-reader.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";

/** What `git diff-tree -r --no-renames --raw` says commit `sha` changes, with each blob's size. */
async function diffTreeOf(repo: TestRepo, sha: string) {
  const raw = await repo.git(
    "diff-tree",
    "-r",
    "-z",
    "--no-renames",
    "--raw",
    "--root",
    "--no-commit-id",
    sha,
  );
  const fields = raw.split("\0");
  const out: { path: string; status: string; oldMode: string; newMode: string; size: number }[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [oldMode = "", newMode = "", , newSha = "", status = ""] = (fields[i] ?? "")
      .replace(/^:/, "")
      .split(" ");
    const path = fields[i + 1] ?? "";
    const sized = status !== "D" && newMode !== "160000";
    const size = sized ? Number(await repo.git("cat-file", "-s", newSha)) : 0;
    out.push({ path, status, oldMode, newMode, size });
  }
  return out;
}

type Op =
  | { kind: "write"; path: string; content: string }
  | { kind: "delete"; path: string }
  | { kind: "chmod"; path: string }
  | { kind: "link"; path: string; target: string };

const NAMES = ["a", "b", "a.txt", "a-b", "dir", "dir/x", "dir/y.txt", "dir/sub/z", "a/b", "b/c.sh"];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("write" as const),
    path: fc.constantFrom(...NAMES),
    content: fc.string({ maxLength: 30 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), path: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant("chmod" as const), path: fc.constantFrom(...NAMES) }),
  fc.record({
    kind: fc.constant("link" as const),
    path: fc.constantFrom(...NAMES),
    target: fc.constantFrom("a", "../x", "dir/x"),
  }),
);

/** Applies an operation, replacing whatever is in the way (file becomes folder and back). */
async function apply(root: string, op: Op): Promise<void> {
  const path = join(root, op.path);
  if (op.kind === "chmod") {
    await chmod(path, 0o755).catch(() => undefined);
    return;
  }
  if (op.kind === "delete") {
    await rm(path, { recursive: true, force: true }).catch(() => undefined);
    return;
  }
  // a file in the way of a folder goes, then whatever is at the path
  for (let d = dirname(op.path); d !== "."; d = dirname(d)) {
    await rm(join(root, d), { force: true }).catch(() => undefined);
  }
  await rm(path, { recursive: true, force: true });
  await mkdir(dirname(path), { recursive: true });
  if (op.kind === "write") await writeFile(path, op.content);
  else await symlink(op.target, path);
}

describe("inspectCommit", () => {
  let repo: TestRepo;
  let reader: ObjectReader;
  beforeAll(async () => {
    repo = await createTestRepo({ "a.txt": "one\n", "dir/x": "x\n" });
    reader = new ObjectReader(repo.dir);
  });
  afterAll(async () => {
    reader.close();
    await repo.cleanup();
  });

  it("reports what git diff-tree reports, for random changes of files, folders, modes and links", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 8 }), async (ops) => {
        for (const op of ops) await apply(repo.dir, op);
        await repo.git("add", "-A");
        await repo.git("commit", "-q", "--allow-empty", "-m", "change");
        const sha = await repo.git("rev-parse", "HEAD");
        const seen = await inspectCommit(reader, "HEAD");
        expect(seen.sha).toBe(sha);
        expect(seen.parents).toEqual([await repo.git("rev-parse", "HEAD^")]);
        const ours = seen.changes.map(({ path, status, oldMode, newMode, size }) => ({
          path,
          status,
          oldMode,
          newMode,
          size,
        }));
        expect(ours).toEqual(await diffTreeOf(repo, sha));
        for (const change of seen.changes.filter((c) => c.newMode === "120000")) {
          expect(change.linkTarget).toBe(await repo.git("cat-file", "blob", `HEAD:${change.path}`));
        }
      }),
      { numRuns: 25, seed: 20261123 },
    );
  }, 120_000);

  it("reads a root commit against the empty tree and the raw parents, not grafted ones", async () => {
    const root = await repo.git("rev-list", "--max-parents=0", "HEAD");
    const seen = await inspectCommit(reader, root);
    expect(seen.parents).toEqual([]);
    expect(seen.changes.map((c) => [c.path, c.status])).toEqual(
      (await diffTreeOf(repo, root)).map((c) => [c.path, c.status]),
    );
    // a graft claiming HEAD has no parents changes nothing for us
    const head = await repo.git("rev-parse", "HEAD");
    const parent = await repo.git("rev-parse", "HEAD^");
    await mkdir(join(repo.dir, ".git", "info"), { recursive: true });
    await writeFile(join(repo.dir, ".git", "info", "grafts"), `${head}\n`);
    try {
      expect((await inspectCommit(reader, head)).parents).toEqual([parent]);
    } finally {
      await rm(join(repo.dir, ".git", "info", "grafts"), { force: true });
    }
  });

  it("fails clearly on a revision that is not a commit", async () => {
    await expect(inspectCommit(reader, "HEAD:a.txt")).rejects.toThrow(/no such commit: HEAD:a.txt/);
    await expect(inspectCommit(reader, "nope")).rejects.toThrow(/no such commit: nope/);
  });

  it("parses tree objects with SHA-1 and SHA-256 ids", () => {
    const id1 = Buffer.alloc(20, 0xab);
    const id2 = Buffer.alloc(32, 0xcd);
    const tree1 = Buffer.concat([Buffer.from("40000 dir\0"), id1, Buffer.from("100644 f.txt\0"), id1]);
    expect(parseTree(tree1, 20)).toEqual([
      { mode: "040000", name: "dir", sha: "ab".repeat(20) },
      { mode: "100644", name: "f.txt", sha: "ab".repeat(20) },
    ]);
    expect(parseTree(Buffer.concat([Buffer.from("120000 l\0"), id2]), 32)).toEqual([
      { mode: "120000", name: "l", sha: "cd".repeat(32) },
    ]);
    expect(() => parseTree(Buffer.from("100644 cut\0abc"), 20)).toThrow(/malformed tree object/);
  });
});
