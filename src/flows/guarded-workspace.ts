/**
 * The push step's lease: the engine pushes after every task, and each push goes through only
 * while the remote branch is still at the head we built on (server-side through `deps.push`, else
 * an `ls-remote` check), so a branch that moved meanwhile is a conflict and nothing is overwritten.
 */
import type { Workspace } from "../engine/ports.js";
import { withPush } from "../engine/with-push.js";
import { ConflictError } from "../errors.js";
import type { CommitProofs } from "./commit-proofs.js";
import type { PlanFlowDeps } from "./plan-checkout.js";

/** A Workspace whose push first confirms the remote head is the one we built on. */
export function guardedWorkspace(deps: PlanFlowDeps, start: string, proofs?: CommitProofs): Workspace {
  const ws = deps.workspace;
  let expected = start;
  return withPush(ws, async (remote, branch, sha) => {
    // a fork's branch is not in this repository: it is pushed to, never landed through the API
    if (deps.land && remote === (deps.remote ?? "origin")) {
      const landed = await deps.land({
        branch,
        expected,
        sha: sha ?? (await ws.head()),
        ...(proofs ? { proofs } : {}),
      });
      expected = landed.head;
      return landed;
    }
    if (deps.push) {
      await deps.push(remote, branch, expected, sha);
    } else {
      const seen =
        (await ws.git(["ls-remote", "--", remote, `refs/heads/${branch}`])).stdout.split(/\s/)[0] ?? "";
      if (seen !== expected) {
        throw new ConflictError(
          `the remote branch ${branch} moved to ${seen.slice(0, 7) || "nothing"} while we built on ${expected.slice(0, 7)}; nothing was pushed`,
        );
      }
      await ws.push(remote, branch, sha);
    }
    expected = sha ?? (await ws.head());
  });
}
