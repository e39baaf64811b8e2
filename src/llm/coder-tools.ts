/**
 * The coding agent's tools as Claude sees them, and their dispatch onto the engine's AgentTools.
 * Every outcome becomes text for a tool_result: refusals and mistakes are shown to the model (so it
 * can correct itself) rather than thrown, except cancellation, which ends the attempt.
 */
import { CancelledError, PlanwrightError, PolicyError } from "../errors.js";
import type { AgentTools } from "../engine/ports.js";
import type { Tool } from "./client.js";
import { applyEdits, formatEditFailures } from "./search-replace.js";

/** Longest tool result we hand back; longer ones are cut with a note to read in ranges. */
const MAX_RESULT_CHARS = 60_000;

const str = (description: string) => ({ type: "string", description });

/** The tools, in a fixed order (the last one carries the cache breakpoint for the whole list). */
export const CODER_TOOLS: Tool[] = [
  {
    name: "read_file",
    description: "Read a file, whole or a range of lines (1-based, inclusive).",
    input_schema: {
      type: "object",
      properties: {
        path: str("repository-relative path"),
        start_line: { type: "integer", minimum: 1 },
        end_line: { type: "integer", minimum: 1 },
      },
      required: ["path"],
    },
  },
  {
    name: "list_files",
    description: "List repository files, optionally filtered by a glob such as src/**/*.ts.",
    input_schema: { type: "object", properties: { glob: str("glob filter") } },
  },
  {
    name: "search_code",
    description: "Search file contents with a regular expression; returns path:line: text hits.",
    input_schema: {
      type: "object",
      properties: { pattern: str("JavaScript regular expression"), glob: str("glob filter") },
      required: ["pattern"],
    },
  },
  {
    name: "apply_edits",
    description:
      "Change an existing file with search/replace blocks, applied in order. Each search text must match the file exactly (including indentation) and only once.",
    input_schema: {
      type: "object",
      properties: {
        path: str("repository-relative path"),
        edits: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            properties: { search: { type: "string" }, replace: { type: "string" } },
            required: ["search", "replace"],
          },
        },
      },
      required: ["path", "edits"],
    },
  },
  {
    name: "write_file",
    description: "Create a file or replace its whole content.",
    input_schema: {
      type: "object",
      properties: { path: str("repository-relative path"), content: { type: "string" } },
      required: ["path", "content"],
    },
  },
  {
    name: "delete_file",
    description: "Delete a file.",
    input_schema: {
      type: "object",
      properties: { path: str("repository-relative path") },
      required: ["path"],
    },
  },
  {
    name: "run_verify",
    description: "Run the task's verification command and get its exit status and output.",
    input_schema: { type: "object", properties: {} },
  },
  {
    name: "finish",
    description: "End the task with a one-paragraph summary of what you changed.",
    input_schema: { type: "object", properties: { summary: { type: "string" } }, required: ["summary"] },
    cache_control: { type: "ephemeral" },
  },
];

export interface ToolOutcome {
  text: string;
  isError: boolean;
  /** The plan's policy refused the call. */
  refused: boolean;
  /** apply_edits blocks did not apply. */
  failedEdit: boolean;
}

const ok = (text: string): ToolOutcome => ({
  text: cap(text),
  isError: false,
  refused: false,
  failedEdit: false,
});
const fail = (text: string, extra: Partial<ToolOutcome> = {}): ToolOutcome => ({
  text: cap(text),
  isError: true,
  refused: false,
  failedEdit: false,
  ...extra,
});

function cap(text: string): string {
  return text.length <= MAX_RESULT_CHARS
    ? text
    : `${text.slice(0, MAX_RESULT_CHARS)}\n… (cut at ${MAX_RESULT_CHARS} characters; read line ranges)`;
}

function field(input: unknown, name: string): unknown {
  return input !== null && typeof input === "object" ? (input as Record<string, unknown>)[name] : undefined;
}

function text(input: unknown, name: string): string {
  const value = field(input, name);
  if (typeof value !== "string") throw new BadInput(`"${name}" must be a string`);
  return value;
}

class BadInput extends Error {}

/** Runs one tool call; never throws except CancelledError. */
export async function runAgentTool(tools: AgentTools, name: string, input: unknown): Promise<ToolOutcome> {
  try {
    switch (name) {
      case "read_file": {
        const start = field(input, "start_line");
        const end = field(input, "end_line");
        const range =
          typeof start === "number" || typeof end === "number"
            ? {
                ...(typeof start === "number" ? { startLine: start } : {}),
                ...(typeof end === "number" ? { endLine: end } : {}),
              }
            : undefined;
        return ok(await tools.readFile(text(input, "path"), range));
      }
      case "list_files": {
        const glob = field(input, "glob");
        const files = await tools.listFiles(typeof glob === "string" ? glob : undefined);
        return ok(files.length > 0 ? files.join("\n") : "(no files)");
      }
      case "search_code": {
        const glob = field(input, "glob");
        const hits = await tools.search(text(input, "pattern"), typeof glob === "string" ? glob : undefined);
        return ok(
          hits.length > 0 ? hits.map((h) => `${h.path}:${h.line}: ${h.text}`).join("\n") : "(no matches)",
        );
      }
      case "apply_edits": {
        const path = text(input, "path");
        const edits = field(input, "edits");
        if (!Array.isArray(edits) || edits.length === 0)
          throw new BadInput(`"edits" must be a non-empty list`);
        const blocks = edits.map((e, i) => {
          const search = field(e, "search");
          const replace = field(e, "replace");
          if (typeof search !== "string" || typeof replace !== "string") {
            throw new BadInput(`edit ${i + 1} needs "search" and "replace" strings`);
          }
          return { search, replace };
        });
        const result = applyEdits(await tools.readFile(path), blocks);
        if (!result.ok) {
          return fail(`No change made to ${path}.\n${formatEditFailures(result.failures, path)}`, {
            failedEdit: true,
          });
        }
        await tools.writeFile(path, result.content);
        return ok(`applied ${blocks.length} edit(s) to ${path}`);
      }
      case "write_file": {
        const path = text(input, "path");
        await tools.writeFile(path, text(input, "content"));
        return ok(`wrote ${path}`);
      }
      case "delete_file": {
        const path = text(input, "path");
        await tools.deleteFile(path);
        return ok(`deleted ${path}`);
      }
      case "run_verify": {
        const result = await tools.runVerify();
        const status = result.timedOut ? "timed out" : `exit status ${result.exitCode ?? "?"}`;
        const body = `${status}\n${result.output}`;
        return result.exitCode === 0 && !result.timedOut ? ok(body) : fail(body);
      }
      default:
        return fail(`unknown tool ${name}`);
    }
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    if (error instanceof PolicyError) {
      return fail(`Refused by the plan's policy: ${error.message}`, { refused: true });
    }
    if (error instanceof BadInput) return fail(`Bad input for ${name}: ${error.message}`);
    if (error instanceof PlanwrightError || error instanceof Error)
      return fail(`${name} failed: ${error.message}`);
    return fail(`${name} failed: ${String(error)}`);
  }
}
