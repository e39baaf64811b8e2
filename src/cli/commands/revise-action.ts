/**
 * The body of `planwright revise`: reads the plan and the review, asks the reviser and writes the
 * revised plan or lists suggestions. Loaded only when the command runs (it pulls in the model SDK).
 */
import { readFile, writeFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { z } from "zod";
import { UsageError } from "../../errors.js";
import { applySuggestions, formatSuggestion } from "../../llm/plan-suggestions.js";
import { REVIEW_MODE_PROMPTS, type ReviewMode } from "../../llm/prompts.js";
import { revisePlan, suggestPlanChanges, summarizeChanges, type ReviseInput } from "../../llm/reviser.js";
import { formatUsage } from "../../llm/usage.js";
import { hasErrors } from "../../plan/diagnostics.js";
import { formatProblems } from "../../plan/load-plan.js";
import { EXIT_FAILURE, EXIT_OK, type CliIO } from "../io.js";
import { requireModel, type ModelCliOptions } from "../model-factory.js";
import { readPlanFile } from "../read-plan-file.js";

const comment = z.strictObject({
  author: z.string().optional(),
  path: z.string().optional(),
  line: z.number().int().positive().optional(),
  body: z.string(),
});
const commentsSchema = z.union([
  z.array(comment),
  z.strictObject({
    reviews: z.array(z.strictObject({ author: z.string().optional(), body: z.string() })).optional(),
    comments: z.array(comment).optional(),
  }),
]);

/** Reads `--comments`: `{ reviews: [{ author, body }], comments: [{ author, path, line, body }] }` or a list of comments. */
export async function readCommentsFile(file: string): Promise<Pick<ReviseInput, "reviews" | "comments">> {
  const text = await readFile(file, "utf8").catch(() => {
    throw new UsageError(`--comments ${file}: no such file`);
  });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--comments ${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = commentsSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--comments ${file}: ${issue?.path.join(".") || "(top)"}: ${issue?.message}`);
  }
  return Array.isArray(parsed.data) ? { comments: parsed.data } : parsed.data;
}

const MODES = ["revise", ...Object.keys(REVIEW_MODE_PROMPTS)] as const;

/** `--apply 1,3` or `--apply all` -> the numbers, or undefined for all. */
function selection(text: string | undefined, count: number): number[] | undefined {
  if (text === undefined || text === "all") return undefined;
  const numbers = text.split(",").map((s) => Number(s.trim()));
  const bad = numbers.find((n) => !Number.isInteger(n) || n < 1 || n > count);
  if (bad !== undefined)
    throw new UsageError(`--apply: ${text} must list suggestion numbers from 1 to ${count}, or all`);
  return numbers;
}

export interface ReviseOptions extends ModelCliOptions {
  comments?: string;
  mode?: string;
  instruction?: string;
  apply?: string;
  out?: string;
}

/** Runs `planwright revise FILE`; resolves to the exit status. */
export async function reviseAction(file: string, options: ReviseOptions, io: CliIO): Promise<number> {
  const mode = options.mode ?? "revise";
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--mode must be one of ${MODES.join(", ")}`);
  }
  if (mode === "revise" && !options.comments && !options.instruction) {
    throw new UsageError("revise needs --comments FILE.json or --instruction TEXT");
  }
  const path = resolve(io.cwd, file);
  const loaded = await readPlanFile(path);
  if (!loaded.plan || hasErrors(loaded.diagnostics)) {
    io.err(formatProblems(file, loaded.diagnostics) + "\n");
    return EXIT_FAILURE;
  }
  const plan = loaded.plan;
  const review = options.comments ? await readCommentsFile(resolve(io.cwd, options.comments)) : {};
  const { client } = requireModel({ ...options, env: io.env, cwd: io.cwd });
  const input = {
    plan,
    planText: await readFile(path, "utf8"),
    ...review,
    ...(options.instruction ? { instruction: options.instruction } : {}),
  };
  const out = resolve(io.cwd, options.out ?? file);
  const rel = relative(io.cwd, out);
  const shown = rel === "" || rel.startsWith("..") ? out : rel;

  if (mode === "revise") {
    const result = await revisePlan(input, { client });
    await writeFile(out, result.yaml);
    io.out(`wrote ${shown} (${formatUsage(result.usage)})\n${result.summary.text}\n`);
    if (result.notes) io.out(`\n${result.notes}\n`);
    return EXIT_OK;
  }

  const { suggestions, usage } = await suggestPlanChanges({ ...input, mode: mode as ReviewMode }, { client });
  if (suggestions.length === 0) {
    io.out(`no suggestions (${formatUsage(usage)})\n`);
    return EXIT_OK;
  }
  io.out(suggestions.map((s, i) => formatSuggestion(s, i + 1)).join("\n") + "\n");
  if (options.apply === undefined) {
    io.out(`\napply with: planwright revise ${file} --mode ${mode} --apply 1,2… (or all)\n`);
    return EXIT_OK;
  }
  const applied = applySuggestions(plan, suggestions, selection(options.apply, suggestions.length));
  for (const s of applied.skipped) io.err(`planwright: suggestion ${s.n} skipped: ${s.reason}\n`);
  if (!applied.plan) {
    io.err(`planwright: the plan with these suggestions does not validate; nothing written:\n`);
    io.err(
      formatProblems(
        shown,
        applied.diagnostics.filter((d) => d.severity === "error"),
      ) + "\n",
    );
    return EXIT_FAILURE;
  }
  await writeFile(out, applied.yaml);
  io.out(`\nwrote ${shown}: applied ${applied.applied.join(", ") || "none"}\n`);
  io.out(summarizeChanges(plan, applied.plan).text + "\n");
  return EXIT_OK;
}
