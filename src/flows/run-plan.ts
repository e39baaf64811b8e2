/**
 * The engine's run of a plan with `stop_on_error` applied: stopping at the first failure, or
 * setting aside a task whose verification failed (with every task needing it) and going on.
 */
import { executePlan, type ExecuteOptions, type RunResult } from "../engine/executor.js";
import { dependents } from "../plan/graph.js";
import type { Plan } from "../plan/schema.js";

/** The plan without `drop`ped tasks (and `needs` on them); undefined when nothing is left. */
function prunePlan(plan: Plan, drop: ReadonlySet<string>): Plan | undefined {
  const phases = plan.phases
    .map((phase) => ({
      ...phase,
      tasks: phase.tasks
        .filter((t) => !drop.has(t.id))
        .map((t) => (t.needs ? { ...t, needs: t.needs.filter((n) => !drop.has(n)) } : t)),
    }))
    .filter((phase) => phase.tasks.length > 0);
  return phases.length > 0 ? { ...plan, phases } : undefined;
}

/**
 * Runs the plan; with `stop_on_error: false`, a task whose verification failed is set aside with
 * every task that needs it, and the run goes on with the rest. Other failures (policy, conflict,
 * cancellation) always stop.
 */
export async function runPlan(stopOnError: boolean, options: ExecuteOptions): Promise<RunResult> {
  let run = await executePlan(options);
  if (stopOnError) return run;
  const failures: RunResult[] = [];
  const drop = new Set<string>();
  while (run.outcome === "failed" && run.failureClass === "verification") {
    const failed = run.tasks.filter((t) => t.status === "failed").map((t) => t.id);
    for (const id of failed) for (const d of [id, ...dependents(options.plan, id)]) drop.add(d);
    const rest = prunePlan(options.plan, drop);
    failures.push(run);
    if (!rest || failed.length === 0) break;
    run = await executePlan({ ...options, plan: rest });
  }
  if (failures.length === 0) return run;
  const reports = new Map([...failures, run].flatMap((r) => r.tasks.map((t) => [t.id, t] as const)));
  for (const f of failures) for (const t of f.tasks) if (t.status === "failed") reports.set(t.id, t);
  const last = run === failures.at(-1) ? undefined : run;
  return {
    ...run,
    outcome: last && last.outcome !== "succeeded" ? last.outcome : "failed",
    failureClass: last?.failureClass ?? "verification",
    tasks: options.plan.phases.flatMap((p) => p.tasks.flatMap((t) => reports.get(t.id) ?? [])),
    message: `${failures.map((f) => f.message).join("; ")}; stop_on_error is false, so the tasks that do not need it went on${last ? `: ${last.message}` : ""}`,
  };
}
