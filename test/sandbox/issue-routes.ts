/**
 * Sandbox routes for the App itself, the repository, collaborator permissions, issues, comments,
 * reactions and labels. Comments made through the API are delivered back as `issue_comment`
 * webhooks with the caller as sender, as GitHub does (the App must ignore its own).
 */
import {
  issueNumber,
  notFound,
  paginate,
  unprocessable,
  type RouteContext,
  type RouteDef,
} from "./route-kit.js";

const REACTIONS = new Set(["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]);

function commentPayload(context: RouteContext, commentId: number, action: string): Record<string, unknown> {
  const { state } = context;
  const comment = state.comments.get(commentId);
  const issue = comment ? state.issues.get(comment.issue) : undefined;
  if (!comment || !issue) return {};
  return { action, issue: state.issueJson(issue), comment: state.commentJson(comment) };
}

export const issueRoutes: RouteDef[] = [
  [
    "GET",
    "/app",
    ({ state }) => ({
      status: 200,
      body: {
        id: 1,
        slug: state.appSlug,
        name: state.appSlug,
        node_id: "A_1",
        owner: state.userJson(state.owner),
        events: ["issue_comment", "pull_request", "pull_request_review", "check_run"],
        permissions: {
          contents: "write",
          issues: "write",
          pull_requests: "write",
          checks: "write",
          actions: "write",
        },
      },
    }),
  ],

  [
    "POST",
    "/app/installations/{installation_id}/access_tokens",
    ({ state }) => {
      const token = state.issueToken(`${state.appSlug}[bot]`);
      return {
        status: 201,
        body: {
          token,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: {
            contents: "write",
            issues: "write",
            pull_requests: "write",
            checks: "write",
            actions: "write",
          },
          repository_selection: "all",
        },
      };
    },
  ],

  ["GET", "/repos/{owner}/{repo}", ({ state }) => ({ status: 200, body: state.repoJson() })],

  [
    "GET",
    "/repos/{owner}/{repo}/collaborators/{username}/permission",
    ({ state, params }) => {
      const user = state.users.get(params.username ?? "");
      if (!user?.permission) return notFound(`${params.username} is not a user`);
      return {
        status: 200,
        body: {
          permission:
            user.permission === "maintain"
              ? "write"
              : user.permission === "triage"
                ? "read"
                : user.permission,
          role_name: user.permission,
          user: state.userJson(user.login),
        },
      };
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/issues/{issue_number}",
    (context) => {
      const issue = context.state.issues.get(issueNumber(context));
      return issue ? { status: 200, body: context.state.issueJson(issue) } : notFound();
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    (context) => {
      const number = issueNumber(context);
      if (!context.state.issues.has(number)) return notFound();
      const all = [...context.state.comments.values()].filter((c) => c.issue === number);
      const { items, headers } = paginate(context, all);
      return { status: 200, body: items.map((c) => context.state.commentJson(c)), headers };
    },
  ],

  [
    "POST",
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    (context) => {
      const { state } = context;
      const number = issueNumber(context);
      if (!state.issues.has(number)) return notFound();
      const body = String(context.body?.body ?? "");
      if (body.length > 65536) return unprocessable("Body is too long (maximum is 65536 characters)");
      const comment = state.addComment(number, context.actor, body);
      context.hooks.deliver("issue_comment", commentPayload(context, comment.id, "created"));
      return { status: 201, body: state.commentJson(comment) };
    },
  ],

  [
    "PATCH",
    "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    (context) => {
      const { state } = context;
      const comment = state.comments.get(Number(context.params.comment_id));
      if (!comment) return notFound();
      // Authors edit their own comments; apps with issues:write and writers edit anyone's.
      const editor = state.user(context.actor);
      const canEdit =
        comment.user === context.actor ||
        editor.type === "Bot" ||
        ["admin", "maintain", "write"].includes(editor.permission ?? "");
      if (!canEdit) return { status: 403, body: { message: "Must have admin rights to Repository." } };
      const body = String(context.body?.body ?? "");
      if (body.length > 65536) return unprocessable("Body is too long (maximum is 65536 characters)");
      comment.body = body;
      comment.updatedAt = state.now();
      comment.history.push(body);
      context.hooks.deliver("issue_comment", commentPayload(context, comment.id, "edited"));
      return { status: 200, body: state.commentJson(comment) };
    },
  ],

  [
    "POST",
    "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
    (context) => {
      const { state } = context;
      const commentId = Number(context.params.comment_id);
      if (!state.comments.has(commentId)) return notFound();
      const content = String(context.body?.content ?? "");
      if (!REACTIONS.has(content)) return unprocessable(`invalid reaction ${content}`);
      // GitHub answers 200 with the existing reaction when the same user reacts the same way again.
      const existing = state.reactions.find(
        (r) => r.commentId === commentId && r.content === content && r.user === context.actor,
      );
      const reaction = existing ?? { id: state.id(), commentId, content, user: context.actor };
      if (!existing) state.reactions.push(reaction);
      return {
        status: existing ? 200 : 201,
        body: {
          id: reaction.id,
          node_id: `RE_${reaction.id}`,
          content,
          user: state.userJson(context.actor),
          created_at: state.now(),
        },
      };
    },
  ],

  [
    "POST",
    "/repos/{owner}/{repo}/issues/{issue_number}/labels",
    (context) => {
      const issue = context.state.issues.get(issueNumber(context));
      if (!issue) return notFound();
      const labels: unknown[] = Array.isArray(context.body?.labels) ? context.body.labels : [];
      for (const label of labels) {
        const name = typeof label === "string" ? label : String((label as { name?: unknown }).name ?? "");
        if (name && !issue.labels.includes(name)) issue.labels.push(name);
      }
      return {
        status: 200,
        body: issue.labels.map((name, i) => ({
          id: i + 1,
          node_id: `L_${i}`,
          url: "",
          name,
          color: "ededed",
          default: false,
          description: null,
        })),
      };
    },
  ],
];
