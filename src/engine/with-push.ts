/**
 * A Workspace with its push replaced: the seam where the apply-time check and the Action's lease
 * put themselves in front of every push. Everything else, optional methods included, is the
 * wrapped workspace's own.
 */
import type { Workspace } from "./ports.js";

export function withPush(workspace: Workspace, push: Workspace["push"]): Workspace {
  const wrapped: Workspace = {
    root: workspace.root,
    head: () => workspace.head(),
    gitDir: () => workspace.gitDir(),
    tree: (rev) => workspace.tree(rev),
    blobOf: (path) => workspace.blobOf(path),
    history: (since) => workspace.history(since),
    changedPaths: () => workspace.changedPaths(),
    commit: (request) => workspace.commit(request),
    discard: () => workspace.discard(),
    revert: (sha, title, trailers) => workspace.revert(sha, title, trailers),
    resetHard: (sha) => workspace.resetHard(sha),
    worktree: (rev) => workspace.worktree(rev),
    cherryPick: (sha) => workspace.cherryPick(sha),
    push,
  };
  if (workspace.cherryPickAll) {
    const pickAll = workspace.cherryPickAll.bind(workspace);
    wrapped.cherryPickAll = (shas) => pickAll(shas);
  }
  // the engine's apply-time check reads commits through this optional port method
  if (workspace.inspectCommit) {
    const inspect = workspace.inspectCommit.bind(workspace);
    wrapped.inspectCommit = (sha) => inspect(sha);
  }
  return wrapped;
}
