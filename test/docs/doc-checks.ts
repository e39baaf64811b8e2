/**
 * Checks over the documentation as plain text, kept pure so the tests can show each check failing
 * on a doctored copy: GitHub's heading anchors, the relative links and images of a Markdown page,
 * configuration keys from the zod schema, and the CLI's commands and flags from commander.
 */
import type { Command } from "commander";
import { z } from "zod";

/** Markdown without fenced code blocks and inline code (links there are not links). */
export function proseOf(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes. */
export function githubSlug(heading: string): string {
  return heading
    .replace(/`/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every anchor of a page, with GitHub's `-1`, `-2` suffixes for repeated headings. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const match of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = githubSlug(match[1] ?? "");
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/** Link and image targets of a page (inline `[text](target)` and `<img src>`), outside code. */
export function linkTargetsOf(markdown: string): string[] {
  const prose = proseOf(markdown);
  const targets = [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => m[1] ?? "",
  );
  targets.push(...[...prose.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1] ?? ""));
  return targets;
}

/** Problems with the relative links of `file` (a repository path), given every page's text. */
export function brokenLinks(
  file: string,
  pages: ReadonlyMap<string, string>,
  exists: (path: string) => boolean,
): string[] {
  const text = pages.get(file) ?? "";
  const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : "";
  const problems: string[] = [];
  for (const target of linkTargetsOf(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [pathPart = "", anchor] = target.split("#", 2);
    const resolved = pathPart === "" ? file : normalise(dir ? `${dir}/${pathPart}` : pathPart);
    if (resolved === null || !exists(resolved)) {
      problems.push(`${file}: link to ${target}: no such file`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith(".md")) {
      const page = pages.get(resolved);
      if (page === undefined) problems.push(`${file}: link to ${target}: page not read`);
      else if (!anchorsOf(page).has(anchor)) problems.push(`${file}: link to ${target}: no such heading`);
    }
  }
  return problems;
}

function normalise(path: string): string | null {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join("/");
}

/** Every leaf key path of a zod object schema: `model`, `approvals.required`, `policy.paths.allow`, … */
export function keyPathsOf(schema: z.ZodType): string[] {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const out: string[] = [];
  const walk = (node: JsonSchema, path: string[]) => {
    const props = node.properties ?? node.anyOf?.find((n) => n.properties)?.properties;
    if (path.length > 0 && !props) out.push(path.join("."));
    for (const [key, child] of Object.entries(props ?? {})) walk(child, [...path, key]);
  };
  walk(json, []);
  return out;
}

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
}

/** Keys the page does not name in backticks as their whole dotted path. */
export function undocumentedKeys(keys: readonly string[], page: string): string[] {
  return keys.filter((key) => !page.includes(`\`${key}\``));
}

/** The section of `markdown` under the heading whose text is `title`, up to the next heading of its level or above. */
export function sectionOf(markdown: string, title: string): string | undefined {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => /^#{1,6} /.test(line) && line.replace(/^#+\s+/, "") === title);
  if (start < 0) return undefined;
  const level = /^#+/.exec(lines[start] ?? "")?.[0].length ?? 1;
  const end = lines.findIndex((line, i) => i > start && (/^#+/.exec(line)?.[0].length ?? 99) <= level);
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

/** Each command of the program without a `planwright <name>` section naming all its flags. */
export function undocumentedFlags(program: Command, page: string): string[] {
  const problems: string[] = [];
  for (const command of program.commands) {
    const section = sectionOf(page, `\`planwright ${command.name()}\``);
    if (section === undefined) {
      problems.push(`planwright ${command.name()}: no section`);
      continue;
    }
    for (const option of command.options) {
      for (const flag of [option.long, option.short]) {
        if (flag && !new RegExp(`\`${flag}[\\s\`]`).test(section)) {
          problems.push(`planwright ${command.name()} ${flag}`);
        }
      }
    }
  }
  return problems;
}
