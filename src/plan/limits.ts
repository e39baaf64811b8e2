/** Size limits that keep a hostile or runaway plan from exhausting memory or time while loading. */

/** Limits applied by {@link loadPlan}; every one is configurable. */
export interface PlanLimits {
  /** Largest plan file, in bytes. */
  maxBytes: number;
  /** Most tasks across all phases. */
  maxTasks: number;
  /** Largest total of `write.content` and `edit.instructions`, in UTF-8 bytes. */
  maxContentBytes: number;
  /** Alias expansions allowed while resolving YAML (the "billion laughs" guard). */
  maxAliasCount: number;
  /** Deepest nesting of YAML collections. */
  maxDepth?: number;
}

export const DEFAULT_LIMITS: PlanLimits = Object.freeze({
  maxBytes: 1024 * 1024,
  maxTasks: 500,
  maxContentBytes: 1024 * 1024,
  maxAliasCount: 100,
  maxDepth: 64,
});

/** The defaults overridden by whatever `partial` sets (undefined entries keep the default). */
export function resolveLimits(partial?: Partial<PlanLimits>): Required<PlanLimits> {
  const out: Required<PlanLimits> = { ...DEFAULT_LIMITS, maxDepth: DEFAULT_LIMITS.maxDepth ?? 64 };
  if (partial) {
    for (const key of Object.keys(out) as (keyof PlanLimits)[]) {
      const value = partial[key];
      if (typeof value === "number" && !Number.isNaN(value)) out[key] = value;
    }
  }
  return out;
}
