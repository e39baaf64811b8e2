import { LineCounter, parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { decodeSource, utf8Length } from "../../src/plan/decode-source.js";
import type { Diagnostic } from "../../src/plan/diagnostics.js";
import { DEFAULT_LIMITS, resolveLimits } from "../../src/plan/limits.js";
import { formatProblems, loadPlan } from "../../src/plan/load-plan.js";
import { createLocator } from "../../src/plan/yaml-positions.js";

const HEAD = "version: 1\nid: demo\ntitle: Demo\nrequest: demo\n";
const TASKS = "phases:\n  - id: main\n    tasks:\n      - id: a\n        title: A\n        run: npm test\n";
const VALID = HEAD + TASKS;

function errorsOf(source: string | Uint8Array, options?: Parameters<typeof loadPlan>[1]): string[] {
  return loadPlan(source, options)
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.line}:${d.col} ${d.message}`);
}

describe("loadPlan", () => {
  it("returns the plan and no diagnostics for a valid plan", () => {
    const result = loadPlan(VALID);
    expect(result.diagnostics).toEqual([]);
    expect(result.plan?.phases[0]?.tasks[0]?.run).toBe("npm test");
    expect(result.plan?.phases[0]?.mode).toBe("sequential");
  });

  it("reports every problem at once, sorted by position", () => {
    const text =
      HEAD +
      "budget: { max_usd: 0 }\n" +
      "phases:\n  - id: main\n    tasks:\n" +
      "      - id: a\n        title: A\n        run: npm test\n        need: [b]\n        timeout: soon\n" +
      "      - id: b\n        title: B\n        run: npm test\n        needs: [a, nope]\n";
    expect(errorsOf(text)).toEqual([
      "5:20 budget.max_usd must be positive (found 0)",
      '12:9 task "a": unknown key "need" (did you mean "needs"?)',
      '13:18 task "a": timeout must be a duration such as 30s, 10m or 1h',
      '17:20 task "b": needs "nope", which is not a task of this plan',
    ]);
  });

  it("names a cycle and points at the needs entry that closes it", () => {
    const text =
      HEAD +
      "phases:\n  - id: main\n    tasks:\n" +
      "      - { id: x, title: X, run: npm test, needs: [y] }\n" +
      "      - { id: y, title: Y, run: npm test, needs: [x] }\n";
    expect(errorsOf(text)).toEqual(["8:51 dependency cycle: x -> y -> x"]);
  });

  it("lists the allowed keys when no known key is close", () => {
    const [message] = errorsOf(VALID + "colour: blue\n");
    expect(message).toBe(
      '11:1 unknown key "colour" (allowed: version, id, title, request, issue, base, summary, risk, budget, policy, defaults, phases)',
    );
  });

  it("says where a misplaced key belongs", () => {
    const text = VALID.replace("    tasks:", "    timeout: 10m\n    tasks:") + "        files: [a.ts]\n";
    expect(errorsOf(text)).toEqual([
      '7:5 phase "main": unknown key "timeout" (it belongs in defaults or a task, not here)',
      '12:9 task "a": unknown key "files" (it belongs in edit, not here)',
    ]);
  });

  it("points at the key of an implicit null, not past the colon", () => {
    expect(errorsOf(VALID.replace("title: Demo", "title:"))).toEqual([
      "3:1 title must be text (found nothing)",
    ]);
  });

  it("points at the dash of an empty list item", () => {
    expect(errorsOf(HEAD + "phases:\n  - id: main\n    tasks:\n      -\n")).toEqual([
      "8:7 task phases[0].tasks[0]: must be a mapping (found nothing)",
    ]);
  });

  it("reports a missing key at the key that names the mapping", () => {
    const text = VALID.replace("        run: npm test\n", "        edit:\n          files: [src/a.ts]\n");
    expect(errorsOf(text)).toEqual(['10:9 task "a": edit is missing required key "instructions"']);
  });

  it("falls back to the index path when a task has no usable id", () => {
    expect(errorsOf(VALID.replace("id: a", "id: A"))).toEqual([
      "8:13 task phases[0].tasks[0]: id must match ^[a-z0-9][a-z0-9-]{0,62}$ (lowercase letters, digits and dashes)",
    ]);
  });

  it("reports duplicate keys at the duplicate, naming it, and still checks the rest", () => {
    const text = VALID.replace("title: Demo\n", 'title: Demo\n"title": Again\n') + "extra: 1\n";
    expect(errorsOf(text)).toEqual([
      '4:1 duplicate key "title" (a key may appear only once in a mapping)',
      expect.stringMatching(/^12:1 unknown key "extra" /),
    ]);
  });

  it("keeps messages on one line whatever the input holds", () => {
    const text = VALID + '"bad\\nkey\\u0007": 1\n' + 'risk: "a\\nb"\n';
    const result = loadPlan(text);
    expect(result.diagnostics.length).toBeGreaterThanOrEqual(2);
    for (const d of result.diagnostics) expect(d.message).not.toMatch(/[\n\r\u0007]/);
  });

  it("counts positions in CRLF files the same way", () => {
    expect(errorsOf(VALID.replace("version: 1", "version: 2").replaceAll("\n", "\r\n"))).toEqual([
      "1:10 version must be 1 (the only plan format version)",
    ]);
  });

  it("ignores a leading byte order mark in text and in bytes", () => {
    const text = "\ufeff" + VALID.replace("version: 1", "version: 2");
    const expected = ["1:10 version must be 1 (the only plan format version)"];
    expect(errorsOf(text)).toEqual(expected);
    expect(errorsOf(new TextEncoder().encode(text))).toEqual(expected);
  });

  it("refuses the empty file, whitespace and comments only", () => {
    for (const text of ["", "   \n\n", "# only a comment\n"]) {
      expect(errorsOf(text)[0]).toMatch(/^1:1 the file is empty/);
    }
  });

  it("refuses a document that is not a mapping, saying what it found", () => {
    expect(errorsOf("- a\n- b\n")).toEqual([
      "1:1 expected a mapping (key: value lines) at the top level, found a list",
    ]);
    expect(errorsOf("just words\n")).toEqual(
      ['expected a mapping (key: value lines) at the top level, found the value "just words"'].map(
        (m) => `1:1 ${m}`,
      ),
    );
  });

  it("allows aliases within the limit and refuses them beyond it", () => {
    const text = HEAD + "summary: &s text\n" + TASKS + "defaults: { verify: *s }\n";
    expect(errorsOf(text)).toEqual([]);
    expect(errorsOf(text, { limits: { maxAliasCount: 0 } })).toEqual([
      expect.stringMatching(/^12:21 too many YAML alias expansions \(over the limit of 0\)/),
    ]);
  });

  it("refuses an alias to an unknown anchor at the alias", () => {
    expect(errorsOf(VALID + "summary: *nothing\n")).toEqual([expect.stringMatching(/^11:10 /)]);
  });

  it("refuses a billion-laughs document quickly with one clear error", () => {
    const levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 12; i++)
      levels.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(",")}]`,
      );
    const result = loadPlan(VALID + levels.join("\n") + "\n");
    expect(result.plan).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]?.message).toContain("billion laughs");
    expect(result.diagnostics[0]).toMatchObject({ line: 12, col: 10 });
  });

  it("refuses nesting deeper than maxDepth", () => {
    const text = VALID + "summary: [[[[[[x]]]]]]\n";
    expect(errorsOf(text, { limits: { maxDepth: 4 } })).toEqual([
      expect.stringMatching(/^11:\d+ nested deeper than 4 levels$/),
    ]);
    expect(errorsOf(text)).toEqual(["11:10 summary must be text (found a list)"]);
  });

  it("refuses a tab used for indentation, pointing at the tab", () => {
    expect(errorsOf(VALID.replace("        run:", "    \t   run:"))).toEqual([
      "10:5 tab character used for indentation (YAML indents with spaces)",
    ]);
  });

  it("allows tabs inside block scalars and between flow items", () => {
    const text = VALID + "summary: |\n  first\n  \tindented with a tab inside the text\n" + "issue:\t42\n";
    expect(errorsOf(text)).toEqual([]);
  });

  it("refuses more than one document", () => {
    expect(errorsOf(VALID + "---\n" + VALID)).toEqual([
      '11:1 more than one YAML document (a plan is a single document: remove the "---" separator)',
    ]);
  });

  it("reports YAML syntax errors at their position without checking the schema", () => {
    const errors = errorsOf(VALID.replace("title: Demo", 'title: "Demo'));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => /^\d+:\d+ YAML syntax error: /.test(e))).toBe(true);
  });
});

describe("formatProblems", () => {
  it("prints one FILE:LINE:COL: severity: message line per diagnostic", () => {
    const diagnostics: Diagnostic[] = [
      { severity: "error", line: 3, col: 7, message: "title must not be empty" },
      { severity: "warning", line: 9, col: 1, message: 'risk is declared "low"' },
    ];
    expect(formatProblems("plan.yaml", diagnostics)).toBe(
      'plan.yaml:3:7: error: title must not be empty\nplan.yaml:9:1: warning: risk is declared "low"',
    );
    expect(formatProblems("plan.yaml", [])).toBe("");
  });

  it("formats a loaded plan's problems", () => {
    const result = loadPlan(VALID.replace("run: npm test", "run: npm test\n        timeout: 5x"));
    expect(formatProblems(".planwright/plans/demo.yaml", result.diagnostics)).toBe(
      '.planwright/plans/demo.yaml:11:18: error: task "a": timeout must be a duration such as 30s, 10m or 1h',
    );
  });
});

describe("decodeSource", () => {
  it("counts UTF-8 bytes of text like TextEncoder does", () => {
    for (const s of ["", "abc", "é", "€", "😀", "a\ud800b", "mixed é € 😀"]) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
  });

  it("rejects overlong encodings and surrogates as invalid UTF-8", () => {
    for (const bad of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80]]) {
      const bytes = new Uint8Array([0x61, 0x0a, 0x62, ...bad]);
      expect(decodeSource(bytes, DEFAULT_LIMITS).diagnostics).toEqual([
        expect.objectContaining({ line: 2, col: 2 }),
      ]);
    }
  });

  it("measures the limit in bytes, not characters", () => {
    expect(decodeSource("é".repeat(6), { maxBytes: 11 }).diagnostics[0]?.message).toBe(
      "the file is 12 bytes, over the limit of 11 bytes",
    );
    expect(decodeSource("é".repeat(6), { maxBytes: 12 }).text).toBe("é".repeat(6));
  });
});

describe("limits", () => {
  it("defaults to 1 MiB files, 500 tasks, 1 MiB content and 100 aliases", () => {
    expect(DEFAULT_LIMITS).toMatchObject({
      maxBytes: 1048576,
      maxTasks: 500,
      maxContentBytes: 1048576,
      maxAliasCount: 100,
    });
  });

  it("overrides only what is given", () => {
    expect(resolveLimits({ maxTasks: 3 })).toEqual({ ...DEFAULT_LIMITS, maxTasks: 3, maxDepth: 64 });
  });
});

describe("createLocator", () => {
  const text = "a:\n  b: [x, { c: 1 }]\n  d:\n  - e: 2\n    f: 3\n";
  const lineCounter = new LineCounter();
  const locate = createLocator(parseDocument(text, { lineCounter }), lineCounter);

  it("finds values and keys, in block and flow style", () => {
    expect(locate.value(["a", "b", 1, "c"])).toEqual({ line: 2, col: 15 });
    expect(locate.key(["a", "b", 1, "c"])).toEqual({ line: 2, col: 12 });
    expect(locate.key(["a", "d", 0, "f"])).toEqual({ line: 5, col: 5 });
  });

  it("places a missing key at the key of its mapping, or the first key of a list item", () => {
    expect(locate.missing(["a"])).toEqual({ line: 1, col: 1 });
    expect(locate.missing(["a", "d", 0])).toEqual({ line: 4, col: 5 });
    expect(locate.missing([])).toEqual({ line: 1, col: 1 });
  });

  it("falls back to the nearest existing ancestor for paths that do not exist", () => {
    expect(locate.value(["a", "b", 7])).toEqual({ line: 2, col: 6 });
    expect(locate.value(["a", "nope", 1])).toEqual({ line: 2, col: 3 });
    expect(locate.key(["nope"])).toEqual({ line: 1, col: 1 });
  });
});
