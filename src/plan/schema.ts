/**
 * The plan file format (version 1): the contract between people who review a plan and the engine
 * that executes it. Field names follow ARCHITECTURE.md exactly; every object is strict so that a
 * typo such as `need:` is an error rather than silently ignored.
 */
import { z } from "zod";

/** Plan, phase and task ids: lowercase, digits and dashes, at most 63 characters. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Durations such as `30s`, `10m`, `1h`. */
export const DURATION_PATTERN = /^([1-9][0-9]{0,5})(s|m|h)$/;

export const RISK_LEVELS = ["low", "medium", "high", "critical"] as const;
export const PHASE_MODES = ["sequential", "parallel", "manual"] as const;
export const TASK_KINDS = ["edit", "run", "write", "delete"] as const;

const id = z.string().regex(ID_PATTERN, {
  message: "must match ^[a-z0-9][a-z0-9-]{0,62}$ (lowercase letters, digits and dashes)",
});
const duration = z.string().regex(DURATION_PATTERN, {
  message: "must be a duration such as 30s, 10m or 1h",
});
const nonEmpty = z.string().min(1, { message: "must not be empty" });
const globList = z.array(nonEmpty);

export const riskSchema = z.enum(RISK_LEVELS);
export const phaseModeSchema = z.enum(PHASE_MODES);

/** A command, or `false` to switch off a default verification for one task. */
export const verifySchema = z.union([nonEmpty, z.literal(false)]);

export const pathPolicySchema = z.strictObject({
  allow: globList.optional().describe("when set, every path a task touches must match one of these globs"),
  deny: globList.optional().describe("globs no task may touch; added to the built-in deny list"),
});
export const commandPolicySchema = z.strictObject({
  allow: globList.optional().describe("when set, every run and verify command must match one of these"),
});
export const policySchema = z.strictObject({
  paths: pathPolicySchema.optional(),
  commands: commandPolicySchema.optional(),
});

export const budgetSchema = z.strictObject({
  max_usd: z.number().positive().optional(),
  max_minutes: z.number().positive().optional(),
  max_turns_per_task: z.number().int().positive().optional(),
  max_tokens: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("input, output and cache tokens the whole plan may use, across runs"),
});

export const defaultsSchema = z.strictObject({
  verify: verifySchema.optional(),
  timeout: duration.optional(),
  retries: z.number().int().min(0).max(10).optional(),
});

export const editSchema = z.strictObject({
  files: z.array(nonEmpty).min(1, { message: "must name at least one file" }),
  instructions: nonEmpty,
});
export const writeSchema = z.strictObject({ path: nonEmpty, content: z.string() });
export const deleteSchema = z.strictObject({ path: nonEmpty });

export const taskSchema = z.strictObject({
  id,
  title: nonEmpty,
  description: z.string().optional(),
  needs: z
    .array(id)
    .optional()
    .describe("ids of tasks (in this or an earlier phase) that must be done first"),
  edit: editSchema.optional().describe("Claude changes code in these files following the instructions"),
  run: nonEmpty.optional().describe("a shell command"),
  write: writeSchema.optional().describe("literal file content"),
  delete: deleteSchema.optional(),
  verify: verifySchema.optional(),
  timeout: duration.optional(),
  retries: z.number().int().min(0).max(10).optional(),
  checkpoint: z.boolean().optional().describe("pause for confirmation after this task"),
  allow_empty: z.boolean().optional().describe("a task that changes nothing succeeds without a commit"),
});

export const phaseSchema = z.strictObject({
  id,
  title: z.string().optional(),
  mode: phaseModeSchema.default("sequential"),
  tasks: z.array(taskSchema).min(1, { message: "a phase needs at least one task" }),
});

export const baseSchema = z.strictObject({
  ref: nonEmpty,
  sha: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/, { message: "must be a hexadecimal commit sha" })
    .optional(),
});

export const planSchema = z.strictObject({
  version: z.literal(1, { message: "must be 1 (the only plan format version)" }),
  id,
  title: nonEmpty,
  request: nonEmpty,
  issue: z.number().int().positive().optional(),
  base: baseSchema.optional(),
  summary: z.string().optional(),
  risk: riskSchema.optional(),
  budget: budgetSchema.optional(),
  policy: policySchema.optional(),
  defaults: defaultsSchema.optional(),
  phases: z.array(phaseSchema).min(1, { message: "a plan needs at least one phase" }),
});

export type Plan = z.output<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;
export type Phase = Plan["phases"][number];
export type Task = Phase["tasks"][number];
export type RiskLevel = z.output<typeof riskSchema>;
export type PhaseMode = z.output<typeof phaseModeSchema>;
export type TaskKind = (typeof TASK_KINDS)[number];
export type Policy = z.output<typeof policySchema>;
export type PathPolicy = z.output<typeof pathPolicySchema>;
export type CommandPolicy = z.output<typeof commandPolicySchema>;
export type Budget = z.output<typeof budgetSchema>;
export type Defaults = z.output<typeof defaultsSchema>;

/** The kind of a task (the one of `edit|run|write|delete` it has), or undefined when invalid. */
export function taskKind(task: Task): TaskKind | undefined {
  const kinds = TASK_KINDS.filter((k) => task[k] !== undefined);
  return kinds.length === 1 ? kinds[0] : undefined;
}

/** Parses `30s`, `10m`, `1h` into milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_PATTERN.exec(text);
  if (!m) return undefined;
  const unit = m[2] === "s" ? 1_000 : m[2] === "m" ? 60_000 : 3_600_000;
  return Number(m[1]) * unit;
}

/** The JSON Schema of the plan file, for editors (`# yaml-language-server: $schema=…`). */
export function planJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(planSchema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  return {
    $schema: schema["$schema"],
    title: "Planwright plan",
    description: "A Planwright plan file (.planwright/plans/<id>.yaml), format version 1.",
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "$schema")),
  };
}
