import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMMAND_NAMES, helpText, parseCommand, type Command } from "../../src/flows/parse-command.js";

const cases: [name: string, body: string, expected: Command | undefined][] = [
  // Each command.
  ["plan with a request", "/plan add 2FA", { kind: "plan", request: "add 2FA", details: "" }],
  ["plan without a request", "/plan", { kind: "plan", request: "", details: "" }],
  [
    "plan with details below",
    "/plan add 2FA\n\nUse TOTP, not SMS.\n",
    { kind: "plan", request: "add 2FA", details: "Use TOTP, not SMS." },
  ],
  [
    "revise",
    "/revise split the docs task in two",
    { kind: "revise", instruction: "split the docs task in two", details: "" },
  ],
  [
    "revise with the instruction on the next lines",
    "/revise\nmerge the two test tasks",
    { kind: "revise", instruction: "", details: "merge the two test tasks" },
  ],
  [
    "revise without an instruction",
    "/revise",
    { kind: "invalid", command: "revise", message: "/revise <instruction> needs an instruction" },
  ],
  ["execute", "/execute", { kind: "execute" }],
  ["continue", "/continue", { kind: "continue" }],
  ["cancel with trailing words", "/cancel please", { kind: "cancel" }],
  ["status", "/status", { kind: "status" }],
  ["help", "/help", { kind: "help" }],
  ["retry without a task", "/retry", { kind: "retry" }],
  ["retry a task", "/retry totp-service", { kind: "retry", task: "totp-service" }],
  ["skip a task", "/skip docs", { kind: "skip", task: "docs" }],
  [
    "skip without a task",
    "/skip",
    { kind: "invalid", command: "skip", message: "/skip <task> needs a task id" },
  ],
  ["rollback everything", "/rollback", { kind: "rollback" }],
  ["rollback one task", "/rollback add-otp-lib", { kind: "rollback", task: "add-otp-lib" }],
  [
    "rollback with a bad task id",
    "/rollback ../etc",
    {
      kind: "invalid",
      command: "rollback",
      message: '/rollback [task]: "../etc" is not a task id (lowercase letters, digits and dashes)',
    },
  ],
  [
    "retry with two words",
    "/retry a b",
    { kind: "invalid", command: "retry", message: "/retry [task] takes one task id, found 2 words" },
  ],
  // Where a command may be.
  ["case-insensitive word", "/Execute", { kind: "execute" }],
  ["up to three leading spaces", "   /status", { kind: "status" }],
  ["after ordinary text lines", "Looks good to me.\n\n/execute\n", { kind: "execute" }],
  ["CRLF line endings", "thanks\r\n/retry docs\r\n", { kind: "retry", task: "docs" }],
  ["the first of several commands", "/status\n/execute", { kind: "status" }],
  ["unknown word", "/deploy now", { kind: "unknown", word: "deploy" }],
  ["unknown near-miss", "/plans add x", { kind: "unknown", word: "plans" }],
  ["a command after a closed fence", "```\n/execute\n```\n/status", { kind: "status" }],
  ["a command after a closed comment", "<!--\n/execute\n-->\n/help", { kind: "help" }],
  [
    "trailing inline comment removed from arguments",
    "/plan add 2FA <!-- hidden -->",
    { kind: "plan", request: "add 2FA", details: "" },
  ],
  // Not commands.
  ["empty body", "", undefined],
  ["no slash at all", "please execute this", undefined],
  ["mid-line", "you can type /execute here", undefined],
  ["inline code", "`/execute` runs it", undefined],
  ["four spaces: indented code", "    /execute", undefined],
  ["a tab: indented code", "\t/execute", undefined],
  ["inside a backtick fence", "```sh\n/execute\n```", undefined],
  ["inside a tilde fence", "~~~\n/rollback\n~~~", undefined],
  ["inside an unclosed fence", "```\n/execute", undefined],
  ["a longer closing fence is needed", "````\n```\n/execute\n````", undefined],
  ["a tilde does not close a backtick fence", "```\n~~~\n/execute\n```", undefined],
  ["quoted", "> /execute", undefined],
  ["quoted with spaces", "  >  /rollback", undefined],
  ["inside a multi-line HTML comment", "<!--\n/execute\n-->", undefined],
  ["inside a one-line HTML comment", "<!-- /execute -->", undefined],
  ["after a comment's end on its line", "<!--\nx -->/execute", undefined],
  ["a path, not a command", "/usr/bin/env is missing", undefined],
  ["a slash alone", "/ execute", undefined],
  ["a list item", "- /execute", undefined],
  ["escaped slash", "\\/execute", undefined],
  ["zero-width space before the slash", "\u200b/execute", undefined],
];

describe("parseCommand", () => {
  it("has at least 25 table cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)("%s", (_name, body, expected) => {
    expect(parseCommand(body)).toEqual(expected);
  });

  it("never throws on long or odd input and stays linear", () => {
    const body = `${"```\n".repeat(5000)}${"> x\n".repeat(5000)}<!--${"x".repeat(100_000)}`;
    expect(parseCommand(body)).toBeUndefined();
    expect(parseCommand(`${"a\n".repeat(50_000)}/status`)).toEqual({ kind: "status" });
  });
});

describe("helpText", () => {
  it("lists every command with its arguments", () => {
    const help = helpText();
    for (const name of COMMAND_NAMES) expect(help).toContain(`\`/${name}`);
    expect(help).toContain("`/skip <task>`");
    expect(help.split("\n")).toHaveLength(COMMAND_NAMES.length);
  });
});

describe("parseCommand properties", () => {
  const line = fc.oneof(
    fc.constantFrom(
      "/execute",
      "/plan add x",
      "/retry a-b",
      "/rollback",
      "```",
      "~~~",
      "<!--",
      "-->",
      "> /x",
      "",
    ),
    fc.string({ maxLength: 30 }),
  );
  const body = fc.array(line, { maxLength: 12 }).map((lines) => lines.join("\n"));

  it("never throws, and a command is always one of the known shapes", () => {
    fc.assert(
      fc.property(body, (text) => {
        const command = parseCommand(text);
        if (command === undefined) return;
        expect(["unknown", "invalid", ...COMMAND_NAMES]).toContain(command.kind);
      }),
    );
  });

  it("finds nothing once every line is quoted or indented as code", () => {
    fc.assert(
      fc.property(body, fc.constantFrom("> ", "    ", "\t"), (text, prefix) => {
        const hidden = text
          .split("\n")
          .map((l) => prefix + l)
          .join("\n");
        expect(parseCommand(hidden)).toBeUndefined();
      }),
    );
  });

  it("finds nothing inside a fence longer than any backtick run of the body", () => {
    fc.assert(
      fc.property(body, (text) => {
        const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((r) => r.length));
        const fence = "`".repeat(longest + 1);
        expect(parseCommand(`${fence}\n${text}\n${fence}`)).toBeUndefined();
      }),
    );
  });
});
