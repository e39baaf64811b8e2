/**
 * Hidden markers in Planwright's comments. The status marker finds the one status comment of a plan
 * to edit in place; the request marker records which comment triggered the work, so a redelivered
 * webhook or a re-run finds its earlier answer instead of answering twice. Markers are HTML
 * comments, invisible on GitHub; only ever trust them in comments written by Planwright itself.
 */
import { ValidationError } from "../errors.js";
import { ID_PATTERN } from "../plan/schema.js";

const STATUS = /<!-- planwright:status plan=([a-z0-9][a-z0-9-]{0,62}) -->/;
const REQUEST = /<!-- planwright:request comment=([1-9][0-9]{0,19}) -->/;

/** `<!-- planwright:status plan=<id> -->`; throws on an id that is not a plan id (it could close the comment). */
export function statusMarker(planId: string): string {
  if (!ID_PATTERN.test(planId))
    throw new ValidationError(`not a plan id: ${JSON.stringify(planId.slice(0, 80))}`);
  return `<!-- planwright:status plan=${planId} -->`;
}

/** `<!-- planwright:request comment=<id> -->` for the comment that triggered the work. */
export function requestMarker(commentId: number): string {
  if (!Number.isSafeInteger(commentId) || commentId <= 0)
    throw new ValidationError(`not a comment id: ${commentId}`);
  return `<!-- planwright:request comment=${commentId} -->`;
}

/** The plan id of the status marker in `body`, if any. */
export function findStatusMarker(body: string): string | undefined {
  return STATUS.exec(body)?.[1];
}

/** The triggering comment id of the request marker in `body`, if any. */
export function findRequestMarker(body: string): number | undefined {
  const id = REQUEST.exec(body)?.[1];
  return id === undefined ? undefined : Number(id);
}

/**
 * Whether a comment already answers `commentId`: one of `comments` by one of `ourLogins` carries its
 * request marker. Comments by anyone else are ignored, since anybody can paste a marker.
 */
export function alreadyAnswered(
  comments: readonly { body: string; user: { login: string } }[],
  commentId: number,
  ourLogins: readonly string[],
): boolean {
  const ours = new Set(ourLogins.map((l) => l.toLowerCase()));
  return comments.some(
    (c) => ours.has(c.user.login.toLowerCase()) && findRequestMarker(c.body) === commentId,
  );
}
