/**
 * GitHub-flavoured Markdown for the playground, rendered with `marked` (GFM: tables, task lists,
 * strikethrough, autolinks). Raw HTML is handled as GitHub's sanitiser does for what Planwright
 * writes: HTML comments (the status markers) disappear, a short list of harmless tags such as
 * `<details>` stays, everything else is shown as text. Mermaid blocks become `<pre class="mermaid">`
 * for the `mermaid` library in the page; links to the repository on github.com point at the
 * playground's own pages.
 */
import { Marked, type Tokens } from "marked";

/** Tags GitHub keeps that Planwright's text uses; attributes are dropped, except `open`. */
const ALLOWED_TAGS = new Set([
  "details",
  "summary",
  "br",
  "b",
  "i",
  "em",
  "strong",
  "code",
  "sub",
  "sup",
  "kbd",
  "p",
]);

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Raw HTML as GitHub shows it: comments dropped, allowed tags kept bare, the rest escaped. */
function sanitizeHtml(html: string): string {
  return html.replace(/<!--[\s\S]*?(-->|$)/g, "").replace(/<[^>]*>|[^<]+|</g, (part) => {
    const tag = /^<\s*(\/?)\s*([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>$/.exec(part);
    if (!tag) return part.startsWith("<") ? escapeHtml(part) : part;
    const [, close = "", name = "", attrs = ""] = tag;
    const lower = name.toLowerCase();
    if (!ALLOWED_TAGS.has(lower)) return escapeHtml(part);
    const open = !close && lower === "details" && /\bopen\b/i.test(attrs) ? " open" : "";
    return `<${close}${lower}${open}>`;
  });
}

export interface MarkdownOptions {
  /** `https://github.com/<owner>/<repo>`: links under it are rewritten to `localBase`. */
  repoUrl?: string;
  localBase?: string;
}

/** Markdown to HTML as GitHub renders a PR body, comment or check run summary. */
export function renderMarkdown(markdown: string, options: MarkdownOptions = {}): string {
  const marked = new Marked({ gfm: true, breaks: false });
  marked.use({
    renderer: {
      html(token: Tokens.HTML | Tokens.Tag): string {
        return sanitizeHtml(token.text);
      },
      code(token: Tokens.Code): string {
        const lang = (token.lang ?? "").trim().split(/\s+/)[0] ?? "";
        if (lang === "mermaid") return `<pre class="mermaid">${escapeHtml(token.text)}</pre>\n`;
        const cls = lang ? ` class="language-${escapeHtml(lang)}"` : "";
        return `<pre><code${cls}>${escapeHtml(token.text)}</code></pre>\n`;
      },
      link(token: Tokens.Link): string {
        let href = token.href;
        if (options.repoUrl && options.localBase !== undefined && href.startsWith(options.repoUrl)) {
          href = options.localBase + href.slice(options.repoUrl.length);
        }
        if (!/^(https?:|mailto:|\/|#)/i.test(href)) href = "#";
        const text = this.parser.parseInline(token.tokens);
        return `<a href="${escapeHtml(href)}">${text}</a>`;
      },
      image(token: Tokens.Image): string {
        return `<span class="image">[image: ${escapeHtml(token.text)}]</span>`;
      },
    },
  });
  return marked.parse(markdown, { async: false });
}
