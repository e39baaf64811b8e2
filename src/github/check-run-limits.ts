/**
 * GitHub's limits on check runs, applied before sending so a long log or a chatty task never
 * turns into a 422: summary and text at most 65,535 characters, 50 annotations per request,
 * 3 actions with labels of 20 and descriptions of 40 characters.
 */
import { PlanwrightError } from "../errors.js";
import { redact } from "../redact.js";
import type { CheckAnnotation, CheckRunInput } from "./gateway.js";

/** Maximum characters of a check run's summary or text. */
export const MAX_OUTPUT_CHARS = 65_535;
/** Maximum annotations GitHub accepts in one create or update request. */
export const MAX_ANNOTATIONS_PER_REQUEST = 50;
/** Maximum requested actions (buttons) of a check run. */
export const MAX_ACTIONS = 3;
const MAX_LABEL = 20;
const MAX_DESCRIPTION = 40;
const MAX_IDENTIFIER = 20;
/** GitHub's limit is 64 KB per annotation message; stay below it in characters too. */
const MAX_ANNOTATION_MESSAGE = 60_000;

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * `text` cut to `max` characters keeping the TAIL (the end of a log is where the failure is), with
 * a head note saying how much was left out. Never splits a surrogate pair.
 */
export function truncateTail(text: string, max: number = MAX_OUTPUT_CHARS): string {
  if (text.length <= max) return text;
  // The note's length depends on the count it prints; a few digits of slack settle it.
  let keep = max - `… ${text.length} characters omitted\n\n`.length;
  if (keep < 0) keep = 0;
  let start = text.length - keep;
  if (start < text.length && isLowSurrogate(text.charCodeAt(start))) start += 1;
  return `… ${start} characters omitted\n\n${text.slice(start)}`;
}

/** `text` cut to `max` characters keeping the HEAD, ending with "…" when cut. */
export function truncateHead(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** The JSON `output` object of a check run request. */
export interface CheckOutput {
  title?: string;
  summary: string;
  text?: string;
  annotations?: {
    path: string;
    start_line: number;
    end_line: number;
    annotation_level: CheckAnnotation["level"];
    message: string;
  }[];
}

/** Annotations in GitHub's shape, redacted and trimmed, split into batches of at most 50. */
export function annotationBatches(
  annotations: readonly CheckAnnotation[] | undefined,
): NonNullable<CheckOutput["annotations"]>[] {
  const all = (annotations ?? []).map((annotation) => ({
    path: redact(annotation.path),
    start_line: annotation.startLine,
    end_line: annotation.endLine,
    annotation_level: annotation.level,
    message: truncateHead(redact(annotation.message), MAX_ANNOTATION_MESSAGE),
  }));
  const batches: NonNullable<CheckOutput["annotations"]>[] = [];
  for (let index = 0; index < all.length; index += MAX_ANNOTATIONS_PER_REQUEST) {
    batches.push(all.slice(index, index + MAX_ANNOTATIONS_PER_REQUEST));
  }
  return batches;
}

/** Summary or text redacted, then cut to GitHub's limit keeping the tail. */
export function outputText(text: string): string {
  return truncateTail(redact(text));
}

/**
 * Requested actions in GitHub's shape: at most 3, labels and descriptions truncated. An
 * identifier is what comes back in the `requested_action` event, so it is never altered: a long
 * one is a bug in the caller and refused.
 */
export function checkActions(
  actions: CheckRunInput["actions"],
): { label: string; identifier: string; description: string }[] | undefined {
  if (actions === undefined) return undefined;
  if (actions.length > MAX_ACTIONS) {
    throw new PlanwrightError(
      "internal",
      `a check run takes at most ${MAX_ACTIONS} actions, got ${actions.length}`,
    );
  }
  return actions.map((action) => {
    if (action.identifier.length > MAX_IDENTIFIER || action.identifier.length === 0) {
      throw new PlanwrightError(
        "internal",
        `check run action identifier "${action.identifier}" must be 1 to ${MAX_IDENTIFIER} characters`,
      );
    }
    return {
      label: truncateHead(redact(action.label), MAX_LABEL),
      identifier: action.identifier,
      description: truncateHead(redact(action.description), MAX_DESCRIPTION),
    };
  });
}
