/**
 * The sandbox's fault injection: which API requests fail and how, from a seeded generator so a
 * fault sequence repeats run to run (given the same order of requests).
 */
export type FaultKind = "500" | "502" | "secondary" | "drop";

export interface FaultOptions {
  /** Share of API requests that fail (0..1). */
  rate: number;
  kinds?: FaultKind[];
  /** Seed of the deterministic fault sequence. */
  seed?: number;
  /** Only requests whose `METHOD template` matches fault. */
  only?: RegExp;
  /** Only requests by this login fault (e.g. the Action's `github-actions[bot]`). */
  actor?: string;
}

/** mulberry32: a small seeded generator. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides, request by request, whether and how it fails under `options` (none: never). */
export function faultPicker(
  options: FaultOptions | undefined,
): (route: string, actor: string) => FaultKind | undefined {
  const random = seeded(options?.seed ?? 1);
  return (route, actor) => {
    if (!options || options.rate <= 0) return undefined;
    if (options.only && !options.only.test(route)) return undefined;
    if (options.actor !== undefined && options.actor !== actor) return undefined;
    if (random() >= options.rate) return undefined;
    const kinds = options.kinds ?? ["500", "502", "secondary", "drop"];
    return kinds[Math.floor(random() * kinds.length)];
  };
}
