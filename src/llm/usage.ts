/**
 * Usage accounting: turns the API's token counts into our `Usage` (tokens and USD cost).
 */
import { ZERO_USAGE, addUsage, type Usage } from "../engine/ports.js";
import { DEFAULT_PRICING, priceOf, type PricingTable } from "./pricing.js";

/** The token counts of a Messages API response (`message.usage`), as far as we need them. */
export interface ApiUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** Pricing for usageFromApi. */
export interface UsageOptions {
  pricing?: PricingTable;
  /** Called when the model has no price in the table and the fallback is used. */
  onUnknownModel?: (model: string) => void;
}

const PER_MILLION = 1_000_000;

/** Our usage (with cost in USD) for one call to `model`. */
export function usageFromApi(
  model: string,
  usage: ApiUsage | null | undefined,
  options: UsageOptions = {},
): Usage {
  const price = priceOf(model, options.pricing ?? DEFAULT_PRICING);
  if (!price.known) options.onUnknownModel?.(model);
  const inputTokens = usage?.input_tokens ?? 0;
  const outputTokens = usage?.output_tokens ?? 0;
  const cacheWriteTokens = usage?.cache_creation_input_tokens ?? 0;
  const cacheReadTokens = usage?.cache_read_input_tokens ?? 0;
  const costUsd =
    (inputTokens * price.input +
      outputTokens * price.output +
      cacheWriteTokens * price.cacheWrite +
      cacheReadTokens * price.cacheRead) /
    PER_MILLION;
  return { inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens, costUsd };
}

/** Sum of several usages. */
export function totalUsage(usages: Iterable<Usage>): Usage {
  let total: Usage = { ...ZERO_USAGE };
  for (const usage of usages) total = addUsage(total, usage);
  return total;
}

/**
 * Share of prompt tokens served from the cache: cache reads over all prompt tokens (input, cache
 * writes and cache reads). 0 when there were no prompt tokens.
 */
export function cacheReadShare(usages: Iterable<Usage>): number {
  const total = totalUsage(usages);
  const prompt = total.inputTokens + total.cacheWriteTokens + total.cacheReadTokens;
  return prompt === 0 ? 0 : total.cacheReadTokens / prompt;
}

/** "$0.0123 (12.3k in, 1.2k out, 80% cached)": a one-line summary for reports. */
export function formatUsage(usage: Usage): string {
  const k = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n));
  const share = cacheReadShare([usage]);
  const cached = share > 0 ? `, ${Math.round(share * 100)}% cached` : "";
  const prompt = usage.inputTokens + usage.cacheWriteTokens + usage.cacheReadTokens;
  return `$${usage.costUsd.toFixed(4)} (${k(prompt)} in, ${k(usage.outputTokens)} out${cached})`;
}
