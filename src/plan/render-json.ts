/**
 * The plan as machine-readable JSON (`planwright show --format json`): the plan itself plus what
 * the graph derives from it, in a fixed key order so the output diffs cleanly.
 */
import { criticalPath, executionWaves, graphHash } from "./graph.js";
import type { RenderContext } from "./render-tree.js";
import type { Plan } from "./schema.js";

/** Pretty (2-space) JSON: `graphHash`, `plan`, `waves`, `criticalPath`, then `risk` and `status` when given. */
export function renderJson(plan: Plan, options: RenderContext = {}): string {
  const taskOrder = plan.phases.flatMap((p) => p.tasks.map((t) => t.id));
  const out: Record<string, unknown> = {
    graphHash: graphHash(plan),
    plan,
    waves: executionWaves(plan),
    criticalPath: criticalPath(plan),
  };
  if (options.risk) {
    out["risk"] = {
      level: options.risk.level,
      reasons: options.risk.reasons,
      tasks: inFileOrder(options.risk.tasks, taskOrder),
    };
  }
  if (options.status) out["status"] = inFileOrder(options.status, taskOrder);
  return JSON.stringify(out, null, 2) + "\n";
}

/** A Map keyed by task id as an object in plan order (unknown ids last, sorted), so output is stable. */
function inFileOrder<V>(map: Map<string, V>, order: readonly string[]): Record<string, V> {
  const rank = new Map(order.map((id, i) => [id, i] as const));
  const keys = [...map.keys()].sort((a, b) => {
    const ra = rank.get(a) ?? Infinity;
    const rb = rank.get(b) ?? Infinity;
    return ra !== rb ? ra - rb : a < b ? -1 : a > b ? 1 : 0;
  });
  const obj: Record<string, V> = {};
  for (const k of keys) obj[k] = map.get(k) as V;
  return obj;
}
