// The playground's page script: renders Mermaid diagrams with the bundled mermaid library, adds
// inline review comments when a line number is clicked, and reloads the page when the stand-in's
// state changes (a webhook answered, a workflow run finished) unless the person is typing.
/* global window, document, fetch, location, setTimeout, mermaid -- a browser script */
(function () {
  "use strict";
  window.__mermaid = { done: false, errors: [], rendered: 0 };
  async function renderDiagrams() {
    const blocks = Array.from(document.querySelectorAll("pre.mermaid"));
    if (blocks.length > 0 && typeof mermaid === "undefined") {
      window.__mermaid.errors.push("mermaid did not load");
    } else if (blocks.length > 0) {
      mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default" });
      for (const block of blocks) {
        const source = block.textContent || "";
        try {
          await mermaid.parse(source);
          const id = "mermaid-" + Math.random().toString(36).slice(2);
          const { svg } = await mermaid.render(id, source);
          block.innerHTML = svg;
          block.classList.add("rendered");
          window.__mermaid.rendered++;
        } catch (error) {
          window.__mermaid.errors.push(String((error && error.message) || error));
          block.classList.add("mermaid-error");
        }
      }
    }
    window.__mermaid.done = true;
  }

  function inlineComments() {
    const holder = document.getElementById("inline-comments");
    if (!holder) return;
    for (const button of document.querySelectorAll("button.line-comment")) {
      button.addEventListener("click", function () {
        const table = button.closest("table.diff");
        const path = table ? table.getAttribute("data-path") : "";
        const line = button.getAttribute("data-line");
        const row = document.createElement("div");
        row.className = "inline-comment-input";
        row.innerHTML =
          '<div class="inline-path"></div><input type="hidden" name="path"><input type="hidden" name="line">' +
          '<textarea name="comment" placeholder="Comment on this line" required></textarea>';
        row.querySelector(".inline-path").textContent = path + " line " + line;
        row.querySelector('input[name="path"]').value = path;
        row.querySelector('input[name="line"]').value = line;
        holder.appendChild(row);
        row.querySelector("textarea").focus();
        const tr = button.closest("tr");
        if (tr) tr.classList.add("commented");
      });
    }
  }

  function typing() {
    for (const field of document.querySelectorAll("textarea, input[name=title]")) {
      if (field === document.activeElement) return true;
      if (field.closest(".new-issue")) continue;
      if (field.tagName === "TEXTAREA" && field.value.trim() !== "") return true;
    }
    return document.querySelector(".inline-comment-input") !== null;
  }

  let version;
  async function poll() {
    try {
      const response = await fetch("/api/version", { cache: "no-store" });
      const state = await response.json();
      const busy = document.getElementById("busy");
      if (busy) busy.hidden = !state.busy;
      if (version !== undefined && state.version !== version && !typing()) {
        location.reload();
        return;
      }
      if (version === undefined || !typing()) version = state.version;
    } catch {
      // the server went away: keep the page as it is
    }
    setTimeout(poll, 1000);
  }

  renderDiagrams();
  inlineComments();
  poll();
})();
