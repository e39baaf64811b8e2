/**
 * What people do on the sandbox's GitHub, with the webhooks GitHub would send: open an issue,
 * comment, review a pull request (with inline comments), push to a branch.
 */
import type { CommentRecord, IssueRecord, Permission, ReviewRecord, SandboxState } from "./sandbox-state.js";

export interface UserActions {
  /** Adds or changes a user (`permission` absent: not a collaborator). */
  addUser(login: string, permission?: Permission, type?: "User" | "Bot"): void;
  createIssue(login: string, title: string, body?: string): Promise<IssueRecord>;
  comment(login: string, issue: number, body: string): Promise<CommentRecord>;
  review(
    login: string,
    pull: number,
    review: {
      state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED";
      body?: string;
      comments?: { path: string; line: number; body: string }[];
      /** The commit reviewed; the head by default. */
      commitId?: string;
    },
  ): Promise<ReviewRecord>;
  /** A commit by `login` on `branch` changing `files` (null deletes), as `git push` would. */
  pushAs(
    login: string,
    branch: string,
    files: Record<string, string | null>,
    message: string,
  ): Promise<string>;
}

interface Internals {
  queueDelivery(event: string, payload: Record<string, unknown>, sender: string): void;
  refsChanged(actor: string): Promise<void>;
}

export function userActions(state: SandboxState, internals: Internals): UserActions {
  const { queueDelivery, refsChanged } = internals;
  return {
    addUser(login, permission, type) {
      const user = state.user(login);
      if (permission) user.permission = permission;
      else delete user.permission;
      if (type) user.type = type;
    },

    async createIssue(login, title, body = "") {
      const issue = state.addIssue(login, title, body);
      queueDelivery("issues", { action: "opened", issue: state.issueJson(issue) }, login);
      return issue;
    },

    async comment(login, number, body) {
      const issue = state.issues.get(number);
      if (!issue) throw new Error(`sandbox: no issue #${number}`);
      const comment = state.addComment(number, login, body);
      queueDelivery(
        "issue_comment",
        { action: "created", issue: state.issueJson(issue), comment: state.commentJson(comment) },
        login,
      );
      return comment;
    },

    async review(login, number, input) {
      const issue = state.issues.get(number);
      if (!issue?.pull) throw new Error(`sandbox: no pull request #${number}`);
      const head = (await state.git.branchHead(issue.pull.head)) ?? "";
      const review: ReviewRecord = {
        id: state.id(),
        pull: number,
        user: login,
        state: input.state,
        body: input.body ?? "",
        commitId: input.commitId ?? head,
        submittedAt: state.now(),
      };
      state.reviews.set(review.id, review);
      for (const comment of input.comments ?? []) {
        const id = state.id();
        state.reviewComments.set(id, {
          id,
          pull: number,
          reviewId: review.id,
          user: login,
          ...comment,
          commitId: review.commitId,
        });
      }
      const json = { ...state.reviewJson(review), state: review.state.toLowerCase() };
      queueDelivery(
        "pull_request_review",
        { action: "submitted", review: json, pull_request: await state.pullJson(issue) },
        login,
      );
      return review;
    },

    async pushAs(login, branch, files, message) {
      const { git } = state;
      const parent = await git.branchHead(branch);
      if (!parent) throw new Error(`sandbox: no branch ${branch}`);
      if (state.rules.requireSignedCommits)
        throw new Error(`sandbox: push to ${branch} refused: Commits must have verified signatures (GH013)`);
      const tree = await git.writeTree(
        (await git.commit(parent)).tree,
        Object.entries(files).map(([path, content]) =>
          content === null ? { path, mode: "100644", sha: null } : { path, mode: "100644", content },
        ),
      );
      const sha = await git.writeCommit({
        tree,
        parents: [parent],
        message,
        author: { name: login, email: state.emailOf(login) },
      });
      await git.updateRef(`refs/heads/${branch}`, sha, parent);
      state.pushedBy.set(sha, login);
      await refsChanged(login);
      return sha;
    },
  };
}
