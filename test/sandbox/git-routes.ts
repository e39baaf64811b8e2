/**
 * Sandbox routes for git data, contents, commits and compare, over the real bare repository. A ref
 * update without force that is not a fast-forward is refused with 422, as GitHub does; a ref that
 * moved meanwhile loses at `update-ref`'s old-value check.
 */
import { GitDataError, type CommitData } from "./bare-repo.js";
import { firstUnverified, signsCommits, verificationOfCommit, writeSignedCommit } from "./commit-signing.js";
import { notFound, paginate, unprocessable, type RouteContext, type RouteDef } from "./route-kit.js";

async function commitJson(context: RouteContext, commit: CommitData): Promise<Record<string, unknown>> {
  const api = `${context.state.baseUrl()}/repos/${context.state.owner}/${context.state.repo}`;
  return {
    sha: commit.sha,
    node_id: `C_${commit.sha}`,
    url: `${api}/git/commits/${commit.sha}`,
    html_url: `https://github.com/${context.state.owner}/${context.state.repo}/commit/${commit.sha}`,
    author: commit.author,
    committer: commit.committer,
    message: commit.message.replace(/\n$/, ""),
    tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
    parents: commit.parents.map((sha) => ({ sha, url: `${api}/git/commits/${sha}`, html_url: "" })),
    verification: await verificationOfCommit(context.state.git, commit.sha),
  };
}

/** The `commit` shape of the commits and compare APIs (a git commit wrapped with GitHub users). */
async function repoCommitJson(context: RouteContext, commit: CommitData): Promise<Record<string, unknown>> {
  const login = (email: string) => context.state.loginByEmail(email);
  const author = login(commit.author.email);
  const committer = login(commit.committer.email);
  return {
    sha: commit.sha,
    node_id: `C_${commit.sha}`,
    commit: { ...(await commitJson(context, commit)), comment_count: 0 },
    author: author ? context.state.userJson(author) : null,
    committer: committer ? context.state.userJson(committer) : null,
    parents: commit.parents.map((sha) => ({ sha, url: "" })),
    url: "",
    html_url: "",
    comments_url: "",
  };
}

function refJson(context: RouteContext, ref: string, sha: string): Record<string, unknown> {
  return {
    ref,
    node_id: `REF_${ref}`,
    url: `${context.state.baseUrl()}/repos/${context.state.owner}/${context.state.repo}/git/${ref}`,
    object: { type: "commit", sha, url: "" },
  };
}

async function moveRef(context: RouteContext, ref: string, sha: string, create: boolean, force: boolean) {
  const { git } = context.state;
  if (!/^refs\/heads\/[A-Za-z0-9._/-]+$/.test(ref) || ref.includes(".."))
    return unprocessable(`invalid ref ${ref}`);
  if ((await git.objectType(sha)) !== "commit") return unprocessable("Object does not exist");
  const current = (await git.refs(ref)).get(ref);
  if (create && current) return unprocessable("Reference already exists");
  if (!create && !current) return unprocessable("Reference does not exist");
  if (current && !force && !(await git.isAncestor(current, sha)))
    return unprocessable("Update is not a fast forward");
  if (context.state.rules.requireSignedCommits) {
    const unsigned = await firstUnverified(git, current ?? "0".repeat(40), sha);
    if (unsigned)
      return unprocessable(
        `Repository rule violations found\n\nCommits must have verified signatures.\n\n${unsigned}`,
      );
  }
  try {
    await git.updateRef(ref, sha, current ?? "");
  } catch {
    return unprocessable("Reference cannot be updated");
  }
  context.state.pushedBy.set(sha, context.actor);
  await context.hooks.refsChanged(context.actor);
  return { status: create ? 201 : 200, body: refJson(context, ref, sha) };
}

export const gitRoutes: RouteDef[] = [
  [
    "GET",
    "/repos/{owner}/{repo}/git/ref/{ref}",
    async (context) => {
      const ref = `refs/${context.params.ref ?? ""}`;
      const sha = (await context.state.git.refs(ref)).get(ref);
      return sha ? { status: 200, body: refJson(context, ref, sha) } : notFound();
    },
  ],

  [
    "POST",
    "/repos/{owner}/{repo}/git/refs",
    (context) =>
      moveRef(context, String(context.body?.ref ?? ""), String(context.body?.sha ?? ""), true, false),
  ],

  [
    "PATCH",
    "/repos/{owner}/{repo}/git/refs/{ref}",
    (context) =>
      moveRef(
        context,
        `refs/${context.params.ref ?? ""}`,
        String(context.body?.sha ?? ""),
        false,
        context.body?.force === true,
      ),
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/git/commits/{commit_sha}",
    async (context) => {
      try {
        return {
          status: 200,
          body: await commitJson(context, await context.state.git.commit(context.params.commit_sha ?? "")),
        };
      } catch {
        return notFound();
      }
    },
  ],

  [
    "POST",
    "/repos/{owner}/{repo}/git/commits",
    async (context) => {
      const { git } = context.state;
      const user = context.state.user(context.actor);
      try {
        const input = {
          tree: String(context.body?.tree ?? ""),
          parents: Array.isArray(context.body?.parents) ? context.body.parents.map(String) : [],
          message: String(context.body?.message ?? ""),
        };
        const email = context.state.emailOf(user.login);
        // GitHub signs an App's API commits when it chooses author and committer itself
        const signed = signsCommits(user.login) && !context.body?.author && !context.body?.committer;
        const sha = signed
          ? await writeSignedCommit(git, { ...input, name: user.login, email })
          : await git.writeCommit({ ...input, author: { name: user.login, email } });
        context.state.commitMessages.push(input.message);
        return { status: 201, body: await commitJson(context, await git.commit(sha)) };
      } catch (error) {
        return unprocessable(error instanceof GitDataError ? error.message : "Invalid commit");
      }
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/git/trees/{tree_sha}",
    async (context) => {
      const { git } = context.state;
      const sha = await git.resolve(context.params.tree_sha ?? "", "tree");
      if (!sha) return notFound();
      const entries = await git.tree(sha, context.query.has("recursive"));
      return {
        status: 200,
        body: { sha, url: "", truncated: false, tree: entries.map((e) => ({ ...e, url: "" })) },
      };
    },
  ],

  [
    "POST",
    "/repos/{owner}/{repo}/git/trees",
    async (context) => {
      const { git } = context.state;
      const base = context.body?.base_tree === undefined ? undefined : String(context.body.base_tree);
      const entries = Array.isArray(context.body?.tree) ? context.body.tree : [];
      try {
        const sha = await git.writeTree(base, entries);
        const listed = await git.tree(sha, false);
        return {
          status: 201,
          body: { sha, url: "", truncated: false, tree: listed.map((e) => ({ ...e, url: "" })) },
        };
      } catch (error) {
        return unprocessable(error instanceof GitDataError ? error.message : "Invalid tree");
      }
    },
  ],

  [
    "POST",
    "/repos/{owner}/{repo}/git/blobs",
    async (context) => {
      const encoding = String(context.body?.encoding ?? "utf-8");
      const content = Buffer.from(
        String(context.body?.content ?? ""),
        encoding === "base64" ? "base64" : "utf8",
      );
      const sha = await context.state.git.writeBlob(content);
      return { status: 201, body: { sha, url: "" } };
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/git/blobs/{file_sha}",
    async (context) => {
      try {
        const content = await context.state.git.blob(context.params.file_sha ?? "");
        return {
          status: 200,
          body: {
            sha: context.params.file_sha,
            size: content.length,
            content: content.toString("base64"),
            encoding: "base64",
            url: "",
            node_id: "",
          },
        };
      } catch {
        return notFound();
      }
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/contents/{path}",
    async (context) => {
      const { git } = context.state;
      const path = context.params.path ?? "";
      const ref = context.query.get("ref") ?? context.state.defaultBranch;
      const entry = await git.pathBlob(ref, path);
      if (!entry || entry.type !== "blob") return notFound();
      const content = await git.blob(entry.sha);
      if (/raw/.test(context.accept)) return { status: 200, raw: content.toString("utf8") };
      return {
        status: 200,
        body: {
          type: "file",
          encoding: "base64",
          size: content.length,
          name: path.split("/").pop(),
          path,
          content: content.toString("base64"),
          sha: entry.sha,
          url: "",
          git_url: null,
          html_url: null,
          download_url: null,
          _links: { self: "", git: null, html: null },
        },
      };
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/commits",
    async (context) => {
      const { git } = context.state;
      const head = await git.resolve(context.query.get("sha") ?? context.state.defaultBranch);
      if (!head) return notFound();
      const { items, headers } = paginate(context, await git.revList(head));
      const commits = await Promise.all(
        items.map(async (sha) => await repoCommitJson(context, await git.commit(sha))),
      );
      return { status: 200, body: commits, headers };
    },
  ],

  [
    "GET",
    "/repos/{owner}/{repo}/compare/{basehead}",
    async (context) => {
      const { git } = context.state;
      const [baseName, headName] = (context.params.basehead ?? "").split("...");
      const base = await git.resolve(baseName ?? "");
      const head = await git.resolve(headName ?? "");
      if (!base || !head) return notFound();
      const mergeBase = (await git.mergeBase(base, head)) ?? base;
      const ahead = (await git.revList(head, mergeBase)).reverse();
      const behind = await git.revList(base, mergeBase);
      const status =
        ahead.length === 0 && behind.length === 0
          ? "identical"
          : behind.length === 0
            ? "ahead"
            : ahead.length === 0
              ? "behind"
              : "diverged";
      const { items } = paginate(context, ahead);
      const commits = await Promise.all(
        items.map(async (sha) => await repoCommitJson(context, await git.commit(sha))),
      );
      return {
        status: 200,
        body: {
          url: "",
          html_url: "",
          permalink_url: "",
          diff_url: "",
          patch_url: "",
          base_commit: await repoCommitJson(context, await git.commit(base)),
          merge_base_commit: await repoCommitJson(context, await git.commit(mergeBase)),
          status,
          ahead_by: ahead.length,
          behind_by: behind.length,
          total_commits: ahead.length,
          commits,
        },
      };
    },
  ],
];
