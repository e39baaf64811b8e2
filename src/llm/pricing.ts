/**
 * Model prices in USD per million tokens, by model family. Prompt-cache writes cost 1.25x the input
 * price (5-minute cache) and cache reads 0.1x, which is why the table stores only input and output
 * by default and derives the cache prices.
 */

/** USD per million tokens. */
export interface ModelPrice {
  /** USD per million input tokens. */
  input: number;
  /** USD per million output tokens. */
  output: number;
  /** USD per million cache-write tokens; defaults to 1.25 x input. */
  cacheWrite?: number;
  /** USD per million cache-read tokens; defaults to 0.1 x input. */
  cacheRead?: number;
}

/** One model family's price. */
export interface PricingEntry {
  /** Matched against the model id; the first matching entry wins. */
  match: RegExp;
  family: string;
  price: ModelPrice;
}

/** Prices by model family, with a fallback for unknown models. */
export interface PricingTable {
  entries: PricingEntry[];
  /** Used for a model no entry matches; should be on the expensive side so budgets stay safe. */
  fallback: ModelPrice;
}

/** Prices of the Claude 4 families (more specific entries first). */
export const DEFAULT_PRICING: PricingTable = {
  entries: [
    // Opus 4 and 4.1 kept the old Opus price; later Opus 4.x models are cheaper.
    {
      match: /^claude-opus-4(?:-0)?(?:-\d{8})?$|^claude-opus-4-1(?:-|$)/,
      family: "claude-opus-4",
      price: { input: 15, output: 75 },
    },
    { match: /^claude-opus-4/, family: "claude-opus-4-x", price: { input: 5, output: 25 } },
    { match: /^claude-sonnet-4/, family: "claude-sonnet-4-x", price: { input: 3, output: 15 } },
    { match: /^claude-haiku-4/, family: "claude-haiku-4-x", price: { input: 1, output: 5 } },
  ],
  fallback: { input: 15, output: 75 },
};

/** A price with cache prices filled in. */
export interface ResolvedPrice {
  family: string | undefined;
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
  /** False when the fallback price was used. */
  known: boolean;
}

function resolve(price: ModelPrice, family: string | undefined, known: boolean): ResolvedPrice {
  return {
    family,
    input: price.input,
    output: price.output,
    cacheWrite: price.cacheWrite ?? price.input * 1.25,
    cacheRead: price.cacheRead ?? price.input * 0.1,
    known,
  };
}

/** The price of a model; an unknown model gets the table's conservative fallback and `known: false`. */
export function priceOf(model: string, table: PricingTable = DEFAULT_PRICING): ResolvedPrice {
  const entry = table.entries.find((e) => e.match.test(model));
  return entry ? resolve(entry.price, entry.family, true) : resolve(table.fallback, undefined, false);
}

/**
 * Builds a pricing table from plain data (e.g. a config file): keys are model-id prefixes, tried
 * longest first, ahead of the default entries.
 */
export function pricingFrom(
  overrides: Record<string, ModelPrice>,
  base: PricingTable = DEFAULT_PRICING,
): PricingTable {
  const entries = Object.entries(overrides)
    .sort(([a], [b]) => b.length - a.length)
    .map(([prefix, price]) => ({
      match: new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
      family: prefix,
      price,
    }));
  return { entries: [...entries, ...base.entries], fallback: base.fallback };
}
