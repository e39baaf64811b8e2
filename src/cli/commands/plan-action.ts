/**
 * The body of `planwright plan`: reads the issue and the repository's configuration, asks the
 * planner and writes the plan file. Loaded only when the command runs (it pulls in the model SDK).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { UsageError } from "../../errors.js";
import { createLocalRepoReader } from "../../llm/local-repo-reader.js";
import { generatePlan, type IssueInput, type PlannerConfig } from "../../llm/planner.js";
import { formatUsage } from "../../llm/usage.js";
import { formatProblems } from "../../plan/load-plan.js";
import { budgetSchema, defaultsSchema, policySchema } from "../../plan/schema.js";
import { EXIT_OK } from "../io.js";
import { requireModel, type ModelCliOptions } from "../model-factory.js";
import type { CliIO } from "../io.js";

const issueSchema = z.strictObject({
  number: z.number().int().positive().optional(),
  title: z.string().optional(),
  body: z.string().optional(),
  comments: z.array(z.strictObject({ author: z.string(), body: z.string() })).optional(),
});

/** Reads `--issue-file`: `{ number?, title?, body?, comments?: [{ author, body }] }`. */
export async function readIssueFile(file: string): Promise<IssueInput> {
  const text = await readFile(file, "utf8").catch(() => {
    throw new UsageError(`--issue-file ${file}: no such file`);
  });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--issue-file ${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = issueSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--issue-file ${file}: ${issue?.path.join(".") || "(top)"}: ${issue?.message}`);
  }
  return parsed.data;
}

const configSchema = z.object({
  policy: policySchema.optional(),
  defaults: defaultsSchema.optional(),
  budget: budgetSchema.optional(),
});

/** The policy, defaults and budget of the repository's `.github/planwright.yml`, when there is one. */
export async function readRepoConfig(repo: string): Promise<PlannerConfig> {
  const file = resolve(repo, ".github/planwright.yml");
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return {};
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new UsageError(`.github/planwright.yml: ${(error as Error).message.split("\n")[0]}`);
  }
  const parsed = configSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`.github/planwright.yml: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const { policy, defaults, budget } = parsed.data;
  return { ...(policy ? { policy } : {}), ...(defaults ? { defaults } : {}), ...(budget ? { budget } : {}) };
}

export interface PlanOptions extends ModelCliOptions {
  repo?: string;
  issueFile?: string;
  out?: string;
  repairs?: string;
}

/** Runs `planwright plan REQUEST`; resolves to the exit status. */
export async function planAction(request: string, options: PlanOptions, io: CliIO): Promise<number> {
  if (!request.trim()) throw new UsageError("the request must not be empty");
  const repairs = options.repairs === undefined ? 2 : Number(options.repairs);
  if (!Number.isInteger(repairs) || repairs < 0 || repairs > 10) {
    throw new UsageError("--repairs must be a whole number from 0 to 10");
  }
  const repo = resolve(io.cwd, options.repo ?? ".");
  const { client, description } = requireModel({
    ...options,
    env: io.env,
    cwd: io.cwd,
    onWarning: (m) => io.err(`warning: ${m}\n`),
  });
  const issue = options.issueFile ? await readIssueFile(resolve(io.cwd, options.issueFile)) : undefined;
  const result = await generatePlan(
    {
      request,
      repo: await createLocalRepoReader(repo),
      config: await readRepoConfig(repo),
      ...(issue ? { issue } : {}),
    },
    { client, maxRepairs: repairs },
  );
  const out = options.out
    ? resolve(io.cwd, options.out)
    : resolve(repo, ".planwright/plans", `${result.plan.id}.yaml`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, result.yaml);
  const rel = relative(io.cwd, out);
  const shown = rel === "" || rel.startsWith("..") ? out : rel;
  if (result.warnings.length > 0) io.err(formatProblems(shown, result.warnings) + "\n");
  const tasks = result.plan.phases.reduce((n, p) => n + p.tasks.length, 0);
  io.out(
    `wrote ${shown}: ${result.plan.title} (${result.plan.phases.length} phase(s), ${tasks} task(s))\n` +
      `model ${description}: ${result.attempts} answer(s), ${formatUsage(result.usage)}; ` +
      `context ${result.context.files.length} file(s) of ${result.context.totalFiles}\n`,
  );
  return EXIT_OK;
}
