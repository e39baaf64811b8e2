/**
 * The playground's pages: GitHub's issue, pull request (conversation, checks, files changed) and
 * workflow run pages, drawn from the GitHub stand-in's records. Ids come from one counter in the
 * stand-in, so sorting comments and reviews by id gives GitHub's timeline order.
 */
import type { CheckRunRecord, IssueRecord, SandboxState } from "../sandbox/sandbox-state.js";
import { escapeHtml as h, renderMarkdown } from "./markdown.js";

export const PEOPLE_SHOWN = ["maya", "rob", "sam", "rita"];

export interface PageContext {
  state: SandboxState;
  login: string;
  /** `/acme/accounts` */
  base: string;
  mode: string;
}

function md(ctx: PageContext, text: string): string {
  return `<div class="markdown">${renderMarkdown(text, {
    repoUrl: `https://github.com/${ctx.state.owner}/${ctx.state.repo}`,
    localBase: ctx.base,
  })}</div>`;
}

function avatar(login: string): string {
  const bot = login.endsWith("[bot]");
  return `<span class="avatar${bot ? " bot" : ""}" title="${h(login)}">${h(login.slice(0, 1).toUpperCase())}</span>`;
}

export function layout(ctx: PageContext, title: string, body: string): string {
  const people = PEOPLE_SHOWN.map((p) => {
    const perm = ctx.state.user(p).permission ?? "none";
    return `<option value="${p}"${p === ctx.login ? " selected" : ""}>@${p} (${perm})</option>`;
  }).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${h(title)} · ${h(ctx.state.owner)}/${h(ctx.state.repo)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/playground.css"></head>
<body>
<header class="top"><a class="logo" href="${ctx.base}/issues">◆ Planwright playground</a>
<span class="repo"><a href="${ctx.base}/issues">${h(ctx.state.owner)} / <b>${h(ctx.state.repo)}</b></a></span>
<span class="mode">${h(ctx.mode)}</span>
<form method="post" action="/session" class="who">acting as <select name="login" onchange="this.form.submit()">${people}</select></form>
</header>
<nav class="repo-tabs"><a href="${ctx.base}/issues">Issues</a><a href="${ctx.base}/pulls">Pull requests</a><a href="${ctx.base}/actions">Actions</a><span id="busy" class="busy" hidden>working…</span></nav>
<main>${body}</main>
${body.includes('class="mermaid"') ? '<script src="/assets/mermaid.min.js"></script>' : ""}
<script src="/assets/playground.js"></script>
</body></html>`;
}

function stateBadge(issue: IssueRecord): string {
  const label = issue.pull
    ? issue.pull.merged
      ? "Merged"
      : issue.state === "open"
        ? "Open"
        : "Closed"
    : issue.state === "open"
      ? "Open"
      : "Closed";
  return `<span class="state state-${label.toLowerCase()}">${label}</span>`;
}

function labels(issue: IssueRecord): string {
  return issue.labels.map((l) => `<span class="label">${h(l)}</span>`).join(" ");
}

export function listPage(ctx: PageContext, pulls: boolean): string {
  const rows = [...ctx.state.issues.values()]
    .filter((i) => Boolean(i.pull) === pulls)
    .reverse()
    .map(
      (i) =>
        `<li><a class="title" href="${ctx.base}/${pulls ? "pull" : "issues"}/${i.number}">${h(i.title)}</a> ${labels(i)}<div class="meta">#${i.number} opened by ${h(i.user)} · ${stateBadge(i)}</div></li>`,
    )
    .join("");
  const form = pulls
    ? ""
    : `<details class="new-issue" ${rows ? "" : "open"}><summary>New issue</summary>
<form method="post" action="${ctx.base}/issues"><input name="title" placeholder="Title" required value="Two-factor login">
<textarea name="body" placeholder="Leave a comment">Users want to protect their accounts with 2FA.</textarea>
<button class="primary" type="submit">Submit new issue</button></form></details>`;
  return layout(
    ctx,
    pulls ? "Pull requests" : "Issues",
    `${form}<ul class="list">${rows || `<li class="empty">No ${pulls ? "pull requests" : "issues"} yet.</li>`}</ul>`,
  );
}

function reactionsOf(ctx: PageContext, commentId: number): string {
  const list = ctx.state.reactions.filter((r) => r.commentId === commentId);
  const emoji: Record<string, string> = { eyes: "👀", "+1": "👍", rocket: "🚀", heart: "❤️", hooray: "🎉" };
  return list.length
    ? `<div class="reactions">${list.map((r) => `<span class="reaction" title="${h(r.user)}">${emoji[r.content] ?? h(r.content)}</span>`).join("")}</div>`
    : "";
}

function commentBox(
  ctx: PageContext,
  login: string,
  when: string,
  body: string,
  extra = "",
  id?: number,
): string {
  return `<div class="timeline-item"${id ? ` id="comment-${id}"` : ""}>${avatar(login)}<div class="comment"><div class="comment-head"><b>${h(login)}</b> ${h(when)}${extra}</div><div class="comment-body">${body}</div>${id ? reactionsOf(ctx, id) : ""}</div></div>`;
}

function timeline(ctx: PageContext, issue: IssueRecord): string {
  const items: { id: number; html: string }[] = [];
  for (const c of ctx.state.comments.values()) {
    if (c.issue !== issue.number) continue;
    items.push({ id: c.id, html: commentBox(ctx, c.user, "commented", md(ctx, c.body), "", c.id) });
  }
  for (const r of ctx.state.reviews.values()) {
    if (r.pull !== issue.number) continue;
    const verb =
      r.state === "APPROVED"
        ? "approved these changes"
        : r.state === "CHANGES_REQUESTED"
          ? "requested changes"
          : r.state === "DISMISSED"
            ? "review dismissed"
            : "reviewed";
    const inline = [...ctx.state.reviewComments.values()]
      .filter((c) => c.reviewId === r.id)
      .map(
        (c) =>
          `<div class="inline-comment"><div class="inline-path">${h(c.path)} line ${c.line}</div>${md(ctx, c.body)}</div>`,
      )
      .join("");
    const icon = r.state === "APPROVED" ? "✅" : r.state === "CHANGES_REQUESTED" ? "✋" : "💬";
    items.push({
      id: r.id,
      html: `<div class="timeline-item review review-${r.state.toLowerCase()}">${avatar(r.user)}<div class="comment"><div class="comment-head">${icon} <b>${h(r.user)}</b> ${verb} <span class="sha">${h(r.commitId.slice(0, 7))}</span></div>${r.body || inline ? `<div class="comment-body">${r.body ? md(ctx, r.body) : ""}${inline}</div>` : ""}</div></div>`,
    });
  }
  return items
    .sort((a, b) => a.id - b.id)
    .map((i) => i.html)
    .join("");
}

function newComment(ctx: PageContext, issue: IssueRecord): string {
  return `<form class="new-comment" method="post" action="${ctx.base}/issues/${issue.number}/comments">${avatar(ctx.login)}<div class="comment"><textarea name="body" placeholder="Leave a comment (try /plan add 2FA)" required></textarea><div class="form-actions"><button class="primary" type="submit">Comment</button></div></div></form>`;
}

export function issuePage(ctx: PageContext, issue: IssueRecord): string {
  const body = commentBox(
    ctx,
    issue.user,
    "opened this issue",
    md(ctx, issue.body || "_No description provided._"),
  );
  return layout(
    ctx,
    issue.title,
    `<h1>${h(issue.title)} <span class="number">#${issue.number}</span></h1><div class="subhead">${stateBadge(issue)} ${labels(issue)}</div>
<div class="timeline">${body}${timeline(ctx, issue)}</div>${newComment(ctx, issue)}`,
  );
}

export interface PullData {
  head: string;
  commits: { sha: string; subject: string }[];
  checks: CheckRunRecord[];
  /** Check runs on the branch's earlier commits (the per-task ones). */
  commitChecks: CheckRunRecord[];
  diff: string;
}

function pullHeader(ctx: PageContext, issue: IssueRecord, data: PullData, tab: string): string {
  const pull = issue.pull;
  const n = issue.number;
  const tabs = [
    ["conversation", "Conversation", ""],
    ["commits", "Commits", String(data.commits.length)],
    ["checks", "Checks", String(data.checks.length + data.commitChecks.length)],
    ["files", "Files changed", ""],
  ]
    .map(
      ([id, label, count]) =>
        `<a class="tab${id === tab ? " selected" : ""}" href="${ctx.base}/pull/${n}${id === "conversation" ? "" : `/${id}`}">${label}${count ? ` <span class="count">${count}</span>` : ""}</a>`,
    )
    .join("");
  return `<h1>${h(issue.title)} <span class="number">#${n}</span></h1>
<div class="subhead">${stateBadge(issue)} <b>${h(issue.user)}</b> wants to merge ${data.commits.length} commits into <code>${h(pull?.base ?? "")}</code> from <code>${h(pull?.head ?? "")}</code> ${labels(issue)}</div>
<nav class="tabs">${tabs}</nav>`;
}

function checkSummaryLine(run: CheckRunRecord): string {
  const state = run.status === "completed" ? (run.conclusion ?? "") : run.status;
  const icon =
    state === "success"
      ? "✓"
      : state === "failure" || state === "cancelled"
        ? "✗"
        : state === "action_required" || state === "neutral"
          ? "●"
          : "◌";
  return `<span class="check-icon check-${h(state)}">${icon}</span> <b>${h(run.name)}</b> <span class="check-state">${h(state)}</span> — ${h(run.output.title ?? "")}`;
}

function mergeBox(ctx: PageContext, issue: IssueRecord, data: PullData): string {
  const rows = data.checks
    .map(
      (r) =>
        `<li>${checkSummaryLine(r)} <a href="${ctx.base}/pull/${issue.number}/checks#check-${r.id}">Details</a></li>`,
    )
    .join("");
  return `<div class="merge-box"><div class="merge-title">Checks on ${h(data.head.slice(0, 7))}</div><ul>${rows || "<li>No checks yet</li>"}</ul></div>`;
}

export function pullConversation(ctx: PageContext, issue: IssueRecord, data: PullData): string {
  const body = commentBox(ctx, issue.user, "commented", md(ctx, issue.body));
  return layout(
    ctx,
    issue.title,
    `${pullHeader(ctx, issue, data, "conversation")}<div class="timeline">${body}${timeline(ctx, issue)}</div>${mergeBox(ctx, issue, data)}${newComment(ctx, issue)}`,
  );
}

export function pullCommits(ctx: PageContext, issue: IssueRecord, data: PullData): string {
  const rows = data.commits
    .map((c) => `<li><span class="sha">${h(c.sha.slice(0, 7))}</span> ${h(c.subject)}</li>`)
    .join("");
  return layout(
    ctx,
    issue.title,
    `${pullHeader(ctx, issue, data, "commits")}<ul class="list commits">${rows}</ul>`,
  );
}

function checkDetail(ctx: PageContext, issue: IssueRecord, run: CheckRunRecord, onHead: boolean): string {
  const buttons = (run.actions as { label?: string; identifier?: string; description?: string }[])
    .filter((a) => a?.identifier)
    .map(
      (a) =>
        `<form method="post" action="${ctx.base}/pull/${issue.number}/checks/${run.id}/actions/${h(a.identifier ?? "")}"><button class="primary" type="submit" title="${h(a.description ?? "")}">${h(a.label ?? "")}</button></form>`,
    )
    .join("");
  return `<section class="check" id="check-${run.id}"><div class="check-head">${checkSummaryLine(run)} <span class="sha">${h(run.headSha.slice(0, 7))}${onHead ? " (head)" : ""}</span><div class="check-actions">${buttons}</div></div>
${run.output.summary ? md(ctx, run.output.summary) : ""}${run.output.text ? md(ctx, run.output.text) : ""}</section>`;
}

export function pullChecks(ctx: PageContext, issue: IssueRecord, data: PullData): string {
  const head = data.checks.map((r) => checkDetail(ctx, issue, r, true)).join("");
  const earlier = data.commitChecks.map((r) => checkDetail(ctx, issue, r, false)).join("");
  return layout(
    ctx,
    issue.title,
    `${pullHeader(ctx, issue, data, "checks")}<div class="checks">${head || "<p>No check runs on the head commit.</p>"}${earlier ? `<h2>On the branch's task commits</h2>${earlier}` : ""}</div>`,
  );
}

/** The unified diff as GitHub's "Files changed": one table per file, line numbers on the new side clickable for inline comments. */
export function pullFiles(ctx: PageContext, issue: IssueRecord, data: PullData): string {
  const files: string[] = [];
  let current: { path: string; rows: string[] } | undefined;
  let newLine = 0;
  let oldLine = 0;
  const flush = () => {
    if (current)
      files.push(
        `<div class="file"><div class="file-head">${h(current.path)}</div><table class="diff" data-path="${h(current.path)}">${current.rows.join("")}</table></div>`,
      );
  };
  for (const line of data.diff.split("\n")) {
    if (line.startsWith("diff --git ")) {
      flush();
      current = { path: line.replace(/^diff --git a\/.* b\//, ""), rows: [] };
      continue;
    }
    if (
      !current ||
      line.startsWith("+++") ||
      line.startsWith("---") ||
      line.startsWith("index ") ||
      line.startsWith("new file") ||
      line.startsWith("deleted file")
    )
      continue;
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      current.rows.push(`<tr class="hunk"><td></td><td></td><td>${h(line)}</td></tr>`);
      continue;
    }
    const kind = line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "ctx";
    const left = kind === "add" ? "" : String(oldLine++);
    const right = kind === "del" ? "" : String(newLine++);
    const num = right
      ? `<button type="button" class="line-comment" data-line="${right}" title="Comment on line ${right}">${right}</button>`
      : "";
    current.rows.push(
      `<tr class="${kind}"><td class="num">${left}</td><td class="num">${num}</td><td class="code">${h(line)}</td></tr>`,
    );
  }
  flush();
  const form = `<form id="review" class="review-form" method="post" action="${ctx.base}/pull/${issue.number}/reviews">
<div class="review-title">Finish your review</div><div id="inline-comments"></div>
<textarea name="body" placeholder="Leave a comment"></textarea>
<label><input type="radio" name="state" value="COMMENTED" checked> Comment</label>
<label><input type="radio" name="state" value="APPROVED"> Approve</label>
<label><input type="radio" name="state" value="CHANGES_REQUESTED"> Request changes</label>
<div class="form-actions"><button class="primary" type="submit">Submit review</button></div></form>`;
  return layout(
    ctx,
    issue.title,
    `${pullHeader(ctx, issue, data, "files")}${form}<p class="hint">Click a line number to comment on that line.</p>${files.join("") || "<p>No changes.</p>"}`,
  );
}

export function actionsPage(ctx: PageContext): string {
  const rows = [...ctx.state.workflowRuns.values()]
    .reverse()
    .map(
      (r) =>
        `<li><a class="title" href="${ctx.base}/actions/runs/${r.id}">planwright ${h(r.inputs["command"] ?? "")} ${h(r.inputs["task"] ?? "")} #${h(r.inputs["pr"] ?? "")}</a><div class="meta">run ${r.id} · ${h(r.status)} ${h(r.conclusion ?? "")}</div></li>`,
    )
    .join("");
  return layout(
    ctx,
    "Actions",
    `<h1>Workflow runs</h1><ul class="list">${rows || '<li class="empty">No workflow runs yet.</li>'}</ul>`,
  );
}

export function runPage(ctx: PageContext, id: number): string | undefined {
  const run = ctx.state.workflowRuns.get(id);
  if (!run) return undefined;
  const [output = "", summary = ""] = run.log.split("\n--- job summary ---\n");
  return layout(
    ctx,
    `Run ${id}`,
    `<h1>planwright ${h(run.inputs["command"] ?? "")} #${h(run.inputs["pr"] ?? "")} <span class="number">run ${id}</span></h1><div class="subhead">${h(run.status)} ${h(run.conclusion ?? "")}</div>
<h2>Summary</h2><div class="job-summary">${summary ? md(ctx, summary) : "<p>No job summary yet.</p>"}</div>
<details><summary>Log</summary><pre class="log">${h(output)}</pre></details>`,
  );
}
