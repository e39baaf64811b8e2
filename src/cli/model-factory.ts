/**
 * Builds the model client and the coding agent from command-line options and the environment:
 * Claude when ANTHROPIC_API_KEY is set, a cassette when `--replay` is given, nothing otherwise (the
 * commands then say how to configure one).
 */
import { resolve } from "node:path";
import type { Model } from "../engine/ports.js";
import { UsageError } from "../errors.js";
import { createModelClient, type ModelClient } from "../llm/client.js";
import { ClaudeModel } from "../llm/coding-agent.js";
import type { PricingTable } from "../llm/pricing.js";
import type { CliIO } from "./io.js";

/** The model used when neither `--model` nor PLANWRIGHT_MODEL names one. */
export const DEFAULT_MODEL = "claude-sonnet-4-6";

export interface ModelFactoryOptions {
  /** Cassette to answer from, with no network and no key. */
  replay?: string;
  /** Cassette to record every exchange to. */
  record?: string;
  /** Model id; defaults to PLANWRIGHT_MODEL, then DEFAULT_MODEL. */
  model?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Relative cassette paths are resolved against this folder. */
  cwd?: string;
  pricing?: PricingTable;
  onWarning?: (message: string) => void;
}

/** What the factory makes: the raw client (planner, reviser) and the coding agent (`run`). */
export interface ModelSetup {
  client: ModelClient;
  model: ClaudeModel;
  /** "claude-sonnet-4-6", or "replay of FILE". */
  description: string;
}

/** A client and coding agent when a key is set or a cassette is replayed; otherwise undefined. */
export function createModelFromOptions(options: ModelFactoryOptions): ModelSetup | undefined {
  const apiKey = options.env["ANTHROPIC_API_KEY"]?.trim() || undefined;
  if (!apiKey && !options.replay) {
    if (options.record) throw new UsageError("--record needs ANTHROPIC_API_KEY: it records real calls");
    return undefined;
  }
  const at = (file: string) => resolve(options.cwd ?? ".", file);
  const modelId = options.model ?? (options.env["PLANWRIGHT_MODEL"]?.trim() || DEFAULT_MODEL);
  const baseURL = options.env["ANTHROPIC_BASE_URL"]?.trim() || undefined;
  const client = createModelClient({
    model: modelId,
    ...(apiKey ? { apiKey } : {}),
    ...(baseURL ? { baseURL } : {}),
    ...(options.replay ? { replay: at(options.replay) } : {}),
    ...(options.record ? { record: at(options.record) } : {}),
    ...(options.pricing ? { pricing: options.pricing } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  return {
    client,
    model: new ClaudeModel({ client }),
    description: options.replay ? `replay of ${options.replay}` : modelId,
  };
}

/** The setup or a UsageError that says how to get one. */
export function requireModel(options: ModelFactoryOptions): ModelSetup {
  const setup = createModelFromOptions(options);
  if (!setup) {
    throw new UsageError(
      "no model configured: set ANTHROPIC_API_KEY, or pass --replay CASSETTE to run offline",
    );
  }
  return setup;
}

/** Options `run`, `plan` and `revise` share. */
export interface ModelCliOptions {
  replay?: string;
  record?: string;
  model?: string;
}

/** For `planwright run`: the coding agent from `--replay/--record/--model`, when one is configured. */
export async function runModelFor(io: CliIO, options: ModelCliOptions): Promise<Model | undefined> {
  return createModelFromOptions({
    ...options,
    env: io.env,
    cwd: io.cwd,
    onWarning: (m) => io.err(`warning: ${m}\n`),
  })?.model;
}
