import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyEdits,
  formatEditFailures,
  parseEditBlocks,
  type EditBlock,
} from "../../src/llm/search-replace.js";

const FILE = [
  "import { a } from './a.js';",
  "",
  "export function greet(name: string): string {",
  "  if (!name) {",
  "    return 'hello';",
  "  }",
  "  return `hello ${name}`;",
  "}",
  "",
  "export function add(x: number, y: number): number {",
  "  return x + y;",
  "}",
  "",
].join("\n");

const block = (search: string, replace: string): EditBlock => ({ search, replace });

/** [name, content, blocks, expected content]: cases that apply. */
const APPLIES: [string, string, EditBlock[], string][] = [
  [
    "exact single line",
    FILE,
    [block("  return x + y;\n", "  return y + x;\n")],
    FILE.replace("x + y", "y + x"),
  ],
  [
    "exact line without trailing newline in the block",
    FILE,
    [block("  return x + y;", "  return y + x;")],
    FILE.replace("x + y", "y + x"),
  ],
  [
    "exact multi-line",
    FILE,
    [block("  if (!name) {\n    return 'hello';\n  }\n", "  if (!name) return 'hi';\n")],
    FILE.replace("  if (!name) {\n    return 'hello';\n  }\n", "  if (!name) return 'hi';\n"),
  ],
  [
    "substring inside a line",
    FILE,
    [block("x: number, y: number", "x: bigint, y: bigint")],
    FILE.replace("x: number, y: number", "x: bigint, y: bigint"),
  ],
  [
    "search under-indented by two spaces: replacement re-indented",
    FILE,
    [block("if (!name) {\n  return 'hello';\n}", "if (!name) {\n  return 'hey';\n}")],
    FILE.replace("return 'hello';", "return 'hey';"),
  ],
  [
    "search over-indented: replacement de-indented",
    FILE,
    [block("        return x + y;", "        return x - y;")],
    FILE.replace("x + y", "x - y"),
  ],
  [
    "trailing whitespace in the search is tolerated",
    FILE,
    [block("  return x + y;   ", "  return x * y;")],
    FILE.replace("x + y", "x * y"),
  ],
  [
    "leading and trailing blank lines in the search are tolerated",
    FILE,
    [block("\n\n  return x + y;\n\n\n", "\n  return x * 2;\n")],
    FILE.replace("x + y", "x * 2"),
  ],
  [
    "blank-line tolerance combined with an indentation offset",
    FILE,
    [block("\nreturn x + y;\n\n", "return 0;")],
    FILE.replace("return x + y;", "return 0;"),
  ],
  [
    "deletion (empty replace)",
    FILE,
    [block("import { a } from './a.js';\n\n", "")],
    FILE.replace("import { a } from './a.js';\n\n", ""),
  ],
  ["empty search on an empty file creates it", "", [block("", "# New file\n")], "# New file\n"],
  ["empty search on a whitespace-only file replaces it", "\n", [block("", "content")], "content"],
  [
    "blocks apply in order, each on the previous result",
    FILE,
    [block("return x + y;", "return sum(x, y);"), block("return sum(x, y);", "return sum(y, x);")],
    FILE.replace("return x + y;", "return sum(y, x);"),
  ],
  [
    "two independent blocks",
    FILE,
    [block("'hello'", "'hi'"), block("x + y", "y + x")],
    FILE.replace("'hello'", "'hi'").replace("x + y", "y + x"),
  ],
  ["CRLF file keeps CRLF", "a\r\nb\r\nc\r\n", [block("b\n", "B\n")], "a\r\nB\r\nc\r\n"],
  ["CRLF block on LF file", "a\nb\nc\n", [block("b\r\n", "B\r\n")], "a\nB\nc\n"],
  ["replacement with $ patterns is literal", "x = 1;\n", [block("x = 1;", "x = '$&$1';")], "x = '$&$1';\n"],
  [
    "unique multi-line wins over a repeated single line",
    "}\nfoo();\n}\nbar();\n}\n",
    [block("foo();\n}", "foo();\n};")],
    "}\nfoo();\n};\nbar();\n}\n",
  ],
  [
    "tab indentation offset",
    "function f() {\n\tif (x) {\n\t\ty();\n\t}\n}\n",
    [block("if (x) {\n\ty();\n}", "if (x) {\n\tz();\n}")],
    "function f() {\n\tif (x) {\n\t\tz();\n\t}\n}\n",
  ],
  ["file without trailing newline", "a\nb", [block("b\n", "c\n")], "a\nc"],
];

/** [name, content, blocks, expected failures (without didYouMean), applied]. */
const FAILS: [
  string,
  string,
  EditBlock[],
  { block: number; reason: string; alreadyApplied: boolean }[],
  number[],
][] = [
  [
    "missing line",
    FILE,
    [block("  return x - y;", "  return 0;")],
    [{ block: 1, reason: "missing", alreadyApplied: false }],
    [],
  ],
  [
    "ambiguous exact line",
    FILE,
    [block("}", "};")],
    [{ block: 1, reason: "ambiguous", alreadyApplied: false }],
    [],
  ],
  [
    "ambiguous substring",
    FILE,
    [block("return", "yield")],
    [{ block: 1, reason: "ambiguous", alreadyApplied: false }],
    [],
  ],
  [
    "ambiguous only after indentation tolerance",
    "a\n  x();\nb\n    x();\n",
    [block("x();", "y();")],
    [{ block: 1, reason: "ambiguous", alreadyApplied: false }],
    [],
  ],
  [
    "already applied",
    FILE.replace("x + y", "y + x"),
    [block("  return x + y;", "  return y + x;")],
    [{ block: 1, reason: "missing", alreadyApplied: true }],
    [],
  ],
  [
    "one block fails, the other applies",
    FILE,
    [block("x + y", "y + x"), block("nonexistent()", "other()")],
    [{ block: 2, reason: "missing", alreadyApplied: false }],
    [1],
  ],
  [
    "empty search on a non-empty file",
    FILE,
    [block("", "new")],
    [{ block: 1, reason: "ambiguous", alreadyApplied: false }],
    [],
  ],
  [
    "inconsistent indentation is not fuzzily matched",
    FILE,
    [block("if (!name) {\n    return 'hello';\n}", "x")],
    [{ block: 1, reason: "missing", alreadyApplied: false }],
    [],
  ],
];

describe("applyEdits", () => {
  it.each(APPLIES)("applies: %s", (_name, content, blocks, expected) => {
    const result = applyEdits(content, blocks);
    expect(result).toEqual({ ok: true, content: expected, applied: blocks.map((_b, i) => i + 1) });
  });

  it.each(FAILS)("fails: %s", (_name, content, blocks, failures, applied) => {
    const result = applyEdits(content, blocks);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(
      result.failures.map(({ block, reason, alreadyApplied }) => ({ block, reason, alreadyApplied })),
    ).toEqual(failures);
    expect(result.applied).toEqual(applied);
  });

  it("has a table of at least 25 cases", () => {
    expect(APPLIES.length + FAILS.length).toBeGreaterThanOrEqual(25);
  });

  it("suggests the closest lines for a missing block", () => {
    const result = applyEdits(FILE, [
      block("export function add(a: number, b: number): number {\n  return a + b;\n}", "x"),
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures[0]!.didYouMean).toBe(
      "export function add(x: number, y: number): number {\n  return x + y;\n}",
    );
  });

  it("suggests nothing when no line is close", () => {
    const result = applyEdits(FILE, [block("SELECT * FROM users WHERE id = 1", "x")]);
    expect(result.ok || result.failures[0]!.didYouMean).toBeUndefined();
  });

  it("keeps the applied part in a failed result's content", () => {
    const result = applyEdits(FILE, [block("x + y", "y + x"), block("nope", "x")]);
    expect(result.content).toBe(FILE.replace("x + y", "y + x"));
  });
});

describe("parseEditBlocks", () => {
  it("parses aider-style blocks with file names and fences", () => {
    const text = [
      "I will change two files.",
      "",
      "src/math.ts",
      "```ts",
      "<<<<<<< SEARCH",
      "  return x + y;",
      "=======",
      "  return y + x;",
      ">>>>>>> REPLACE",
      "```",
      "",
      "docs/new.md",
      "<<<<<<< SEARCH",
      "=======",
      "# New",
      ">>>>>>> REPLACE",
    ].join("\n");
    expect(parseEditBlocks(text)).toEqual({
      blocks: [
        { path: "src/math.ts", search: "  return x + y;", replace: "  return y + x;" },
        { path: "docs/new.md", search: "", replace: "# New" },
      ],
      errors: [],
    });
  });

  it("takes the file name only from the line before a block, else the previous block's", () => {
    const text = [
      "Done",
      "<<<<<<< SEARCH",
      "a",
      "=======",
      "b",
      ">>>>>>> REPLACE",
      "**`src/x.ts`:**",
      "```",
      "<<<<<<< SEARCH",
      "c",
      "=======",
      "d",
      ">>>>>>> REPLACE",
      "```",
      "Makefile",
      "<<<<<<< SEARCH",
      "e",
      "=======",
      "f",
      ">>>>>>> REPLACE",
      "<<<<<<< SEARCH",
      "g",
      "=======",
      "h",
      ">>>>>>> REPLACE",
    ].join("\n");
    expect(parseEditBlocks(text).blocks.map((b) => b.path)).toEqual([
      undefined,
      "src/x.ts",
      "Makefile",
      "Makefile",
    ]);
  });

  it("keeps lines that merely contain markers and reports unterminated blocks", () => {
    const text = "<<<<<<< SEARCH\na === b\n=======\nc\n>>>>>>> REPLACE\n<<<<<<< SEARCH\nx\n=======\ny\n";
    const { blocks, errors } = parseEditBlocks(text);
    expect(blocks).toEqual([{ search: "a === b", replace: "c" }]);
    expect(errors).toEqual(["block 2 (line 6): no >>>>>>> REPLACE line after <<<<<<< SEARCH"]);
  });

  it("round-trips: parsed blocks apply to the file", () => {
    const { blocks } = parseEditBlocks(
      "<<<<<<< SEARCH\n  return x + y;\n=======\n  return x + y + 0;\n>>>>>>> REPLACE",
    );
    const result = applyEdits(FILE, blocks);
    expect(result.ok && result.content).toBe(FILE.replace("x + y;", "x + y + 0;"));
  });
});

describe("formatEditFailures", () => {
  it("explains each failure for the model", () => {
    const text = formatEditFailures(
      [
        { block: 1, reason: "ambiguous", alreadyApplied: false },
        { block: 2, reason: "missing", alreadyApplied: true, didYouMean: "  return x + y;" },
      ],
      "src/math.ts",
    );
    expect(text).toBe(
      "Block 1: the SEARCH text matches more than one place in src/math.ts; include more surrounding lines.\n\n" +
        "Block 2: the SEARCH text was not found in src/math.ts. Its REPLACE text is already present: the change may already be made.\n" +
        "Did you mean these lines?\n  return x + y;",
    );
  });
});

describe("applyEdits properties", () => {
  /** Files of distinct, non-blank, unindented lines, and a window inside them. */
  const fileAndWindow = fc
    .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9 (){};=.]{0,20}[a-z0-9;{}]$/), {
      minLength: 1,
      maxLength: 40,
    })
    .chain((lines) =>
      fc.record({
        lines: fc.constant(lines),
        start: fc.nat({ max: lines.length - 1 }),
        length: fc.integer({ min: 1, max: 5 }),
        replacement: fc.array(fc.stringMatching(/^[A-Z][A-Za-z0-9 ]{0,15}$/), { maxLength: 4 }),
        indent: fc.constantFrom("  ", "    ", "\t"),
      }),
    );

  it("replaces exactly the searched window", () => {
    fc.assert(
      fc.property(fileAndWindow, ({ lines, start, length, replacement }) => {
        const end = Math.min(lines.length, start + length);
        const search = lines.slice(start, end).join("\n");
        const result = applyEdits(lines.join("\n") + "\n", [{ search, replace: replacement.join("\n") }]);
        const kept = [...lines.slice(0, start), ...replacement, ...lines.slice(end)];
        // Deleting every line deletes their newlines too.
        const expected = kept.length === 0 ? "" : kept.join("\n") + "\n";
        expect(result).toEqual({ ok: true, content: expected, applied: [1] });
      }),
    );
  });

  it("finds the window under any uniform indentation and re-indents the replacement", () => {
    fc.assert(
      fc.property(fileAndWindow, ({ lines, start, length, replacement, indent }) => {
        const end = Math.min(lines.length, start + length);
        const indented = lines.map((line) => indent + line);
        const search = lines.slice(start, end).join("\n");
        const result = applyEdits(indented.join("\n"), [{ search, replace: replacement.join("\n") }]);
        const expected = [
          ...indented.slice(0, start),
          ...replacement.map((l) => indent + l),
          ...indented.slice(end),
        ];
        expect(result).toEqual({ ok: true, content: expected.join("\n"), applied: [1] });
      }),
    );
  });

  it("applying a block twice reports it as already applied", () => {
    // Search text is matched as a substring too (as the text-editor tool does), so a line that is
    // part of another line would legitimately match there the second time: keep lines apart.
    const apart = fileAndWindow.filter(({ lines }) =>
      lines.every((a) => lines.every((b) => a === b || !b.includes(a))),
    );
    fc.assert(
      fc.property(apart, ({ lines, start, length, replacement }) => {
        const end = Math.min(lines.length, start + length);
        const block = {
          search: lines.slice(start, end).join("\n"),
          replace: ["ADDED", ...replacement].join("\n"),
        };
        const once = applyEdits(lines.join("\n"), [block]);
        expect(once.ok).toBe(true);
        const twice = applyEdits(once.content, [block]);
        expect(twice.ok).toBe(false);
        if (twice.ok) return;
        // "missing", or "ambiguous" when the search text is also part of other lines.
        expect(twice.failures).toMatchObject([{ block: 1, alreadyApplied: true }]);
        expect(twice.content).toBe(once.content);
      }),
    );
  });
});

describe("applyEdits: token boundaries and line endings", () => {
  it("never matches inside another identifier", () => {
    const content = "const discount = 10;\nlet total = 0;\n";
    const result = applyEdits(content, [{ search: "count = 1", replace: "count = 2" }]);
    expect(result.ok).toBe(false);
    expect(applyEdits(content, [{ search: "count = 10", replace: "x" }]).ok).toBe(false);
    // the real identifier elsewhere is found, and only it changes
    const both = "const discount = 10;\nlet count = 1, z = 0;\n";
    expect(applyEdits(both, [{ search: "count = 1", replace: "count = 2" }])).toMatchObject({
      ok: true,
      content: "const discount = 10;\nlet count = 2, z = 0;\n",
    });
    // other spellings of the same trap: unicode letters, $ and _ continue identifiers too
    for (const [text, search] of [
      ["const ßcount = 1;\n", "count = 1"],
      ["const $count = 1;\n", "count = 1"],
      ["const my_count = 1;\n", "count = 1"],
      ["let count = 12;\n", "count = 1"],
    ] as const) {
      expect(applyEdits(text, [{ search, replace: "X" }]).ok, text).toBe(false);
    }
    // punctuation-edged searches may sit anywhere
    expect(applyEdits("f(a, b);\n", [{ search: "(a, b)", replace: "(b, a)" }])).toMatchObject({
      content: "f(b, a);\n",
    });
  });

  it("keeps each line's own ending in a mixed file", () => {
    const content = "one\r\ntwo\nthree\r\nfour\n";
    const result = applyEdits(content, [{ search: "two\n", replace: "TWO\nextra\n" }]);
    expect(result).toMatchObject({ ok: true, content: "one\r\nTWO\nextra\nthree\r\nfour\n" });
    const crlfBlock = applyEdits(content, [{ search: "three\r\n", replace: "3\r\n33\r\n" }]);
    expect(crlfBlock).toMatchObject({ ok: true, content: "one\r\ntwo\n3\r\n33\r\nfour\n" });
    const substring = applyEdits(content, [{ search: "four", replace: "4" }]);
    expect(substring).toMatchObject({ ok: true, content: "one\r\ntwo\nthree\r\n4\n" });
    // a whole-CRLF file stays CRLF, also for new lines and without a final newline
    expect(applyEdits("a\r\nb", [{ search: "b", replace: "b\nc" }])).toMatchObject({
      content: "a\r\nb\r\nc",
    });
  });
});
