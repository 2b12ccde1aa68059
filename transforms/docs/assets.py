"""The site's stylesheet and script, inlined into the page: nothing is fetched when viewing."""

from __future__ import annotations

CSS = """
:root {
  --ink: #1f2933; --muted: #5f6c7b; --line: #e3e8ef; --bg: #f6f8fb; --card: #fff;
  --accent: #2456c7; --code-bg: #f3f5f9;
  --source: #64748b; --staging: #2563eb; --intermediate: #7c3aed; --marts: #0f8a5f;
  --error: #c62828; --warn: #b26a00; --ok: #1b7f4b;
  --mono: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html { scroll-behavior: smooth; }
body {
  margin: 0; color: var(--ink); background: var(--bg);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
}
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: var(--mono); font-size: 0.86em; }
code { background: var(--code-bg); padding: 0.1em 0.35em; border-radius: 4px; }
pre {
  background: #0f172a; color: #e2e8f0; padding: 14px 16px; border-radius: 8px;
  overflow-x: auto; line-height: 1.45; margin: 0.6em 0 0;
}
pre code { background: none; padding: 0; font-size: 12.5px; color: inherit; }

#sidebar {
  position: fixed; top: 0; left: 0; bottom: 0; width: 272px; overflow-y: auto;
  background: #fff; border-right: 1px solid var(--line); padding: 18px 14px 30px;
}
#sidebar .brand { font-weight: 700; font-size: 16px; color: var(--ink); display: block; }
#sidebar .tagline { color: var(--muted); font-size: 12.5px; margin: 2px 0 12px; }
#filter {
  width: 100%; padding: 6px 9px; border: 1px solid var(--line); border-radius: 6px;
  font: inherit; font-size: 13px; margin-bottom: 10px;
}
#sidebar h2 .dot { width: 9px; height: 9px; border-radius: 50%; display: inline-block; }
.dot.source { background: var(--source); } .dot.staging { background: var(--staging); }
.dot.intermediate { background: var(--intermediate); } .dot.marts { background: var(--marts); }
#sidebar h2 {
  font-size: 11px; letter-spacing: 0.08em; text-transform: uppercase; color: var(--muted);
  margin: 14px 0 4px; display: flex; align-items: center; gap: 6px;
}
#sidebar ul { list-style: none; margin: 0; padding: 0; }
#sidebar li a {
  display: block; padding: 2px 8px; border-radius: 5px; color: var(--ink);
  font-size: 12.5px; font-family: var(--mono); overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap;
}
#sidebar li a.page { font-family: inherit; font-size: 14px; }
#sidebar li a:hover { background: var(--bg); text-decoration: none; }
#sidebar li.hidden { display: none; }

main { margin-left: 272px; padding: 28px 32px 80px; max-width: 1560px; }
header.page h1 { margin: 0; font-size: 28px; }
header.page p { margin: 4px 0 0; color: var(--muted); }
section { margin-top: 34px; }
section > h2 {
  font-size: 21px; margin: 0 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line);
}
.card, .prose {
  background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 18px 22px; margin: 0 0 16px;
}
.prose { max-width: 980px; }
.prose > :first-child { margin-top: 0; }
.prose > :last-child { margin-bottom: 0; }
.prose h3 { margin: 1.1em 0 0.3em; font-size: 17px; }
.prose h3:first-child { margin-top: 0; }
.prose table { margin: 8px 0; }
article.card { scroll-margin-top: 12px; }
article.card:target { border-color: var(--accent); box-shadow: 0 0 0 3px #2456c733; }
article h3 { margin: 0; font-family: var(--mono); font-size: 18px; }
.title { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.title .rows { margin-left: auto; color: var(--muted); font-size: 13px; }
.grain { font-weight: 600; margin: 8px 0 4px; }
.description p { margin: 4px 0; color: var(--ink); }
.badge {
  display: inline-block; font-size: 11.5px; font-weight: 600; padding: 1px 8px;
  border-radius: 999px; color: #fff; line-height: 1.6; white-space: nowrap;
}
.badge.source { background: var(--source); }
.badge.staging { background: var(--staging); }
.badge.intermediate { background: var(--intermediate); }
.badge.marts { background: var(--marts); }
.badge.error { background: #fdecea; color: var(--error); }
.badge.warn { background: #fff4e0; color: var(--warn); }
.badge.pass { background: #e6f4ec; color: var(--ok); }
.badge.fail-error { background: var(--error); }
.badge.fail-warn { background: var(--warn); }
.badge.none { background: #eef1f5; color: var(--muted); }
.chip {
  display: inline-block; font-family: var(--mono); font-size: 11.5px; padding: 0 6px;
  margin: 1px 3px 1px 0; border-radius: 4px; background: #eef2ff; color: #3730a3;
  white-space: nowrap;
}
.chip.warn { background: #fff4e0; color: var(--warn); }
dl.deps { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 10px 0; }
dl.deps dt { color: var(--muted); font-size: 13px; }
dl.deps dd { margin: 0; font-family: var(--mono); font-size: 13px; }
dl.deps dd a { margin-right: 10px; }
dl.deps .none { color: var(--muted); font-family: inherit; }
h4 code { text-transform: none; letter-spacing: 0; }
p code { white-space: nowrap; }
h4 {
  margin: 16px 0 6px; font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em;
  color: var(--muted);
}
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th {
  text-align: left; font-weight: 600; color: var(--muted); font-size: 12px;
  border-bottom: 1px solid var(--line); padding: 5px 10px 5px 0;
}
td { border-bottom: 1px solid #f0f2f6; padding: 5px 10px 5px 0; vertical-align: top; }
tr:last-child td { border-bottom: none; }
td.name { font-family: var(--mono); font-size: 13px; white-space: nowrap; }
td.type { font-family: var(--mono); font-size: 12.5px; color: #0b5394; white-space: nowrap; }
td.null { color: var(--muted); white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr[id] { scroll-margin-top: 12px; }
tr:target td { background: #fff8d6; }
tr.picked td { background: #eef3ff; }
button.col {
  font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer;
  border-bottom: 1px dotted #9aa8bb;
}
button.col:hover { color: var(--accent); border-bottom-color: var(--accent); }
td.up { font-family: var(--mono); font-size: 12.5px; }
td.up div { padding-left: 16px; text-indent: -16px; }  /* wrapped lines indented */
td.up a, .column-path dd a { white-space: nowrap; margin-right: 8px; }
td.up .tbl, .column-path .tbl { color: var(--muted); margin-right: 6px; }
td.up .none { color: var(--muted); font-family: system-ui, sans-serif; }
a.filter { color: #7b93c9; }
td.up small {
  font: 11px system-ui, sans-serif; color: var(--muted); background: #eef1f5;
  border-radius: 4px; padding: 0 4px; margin-left: 3px;
}
.muted { color: var(--muted); }
details { margin-top: 14px; }
details pre { max-height: 560px; overflow: auto; }
summary { cursor: pointer; color: var(--accent); font-size: 13.5px; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 0 28px; }
@media (max-width: 1100px) { .two { grid-template-columns: 1fr; } }

.lineage-box {
  background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px;
  overflow-x: auto;
}
svg.lineage { display: block; width: 100%; height: auto; min-width: 900px; }
svg.lineage .band { fill: #f8fafc; stroke: #edf0f5; }
svg.lineage .band-title {
  font: 600 12px system-ui, sans-serif; fill: var(--muted); text-transform: uppercase;
  letter-spacing: 0.08em;
}
svg.lineage .edge { fill: none; stroke: #9aa8bb; stroke-width: 1.3; opacity: 0.75; }
svg.lineage .arrowhead { fill: #9aa8bb; }
svg.lineage .node rect { fill: #fff; stroke-width: 1.6; }
svg.lineage .node text { font: 13px var(--mono); fill: var(--ink); }
svg.lineage .node-source rect { stroke: var(--source); fill: #f1f5f9; }
svg.lineage .node-staging rect { stroke: var(--staging); fill: #eff5ff; }
svg.lineage .node-intermediate rect { stroke: var(--intermediate); fill: #f5f0ff; }
svg.lineage .node-marts rect { stroke: var(--marts); fill: #eafaf3; }
svg.lineage .node:hover rect, svg.lineage .node.picked rect { stroke-width: 2.6; }
svg.lineage.focus .node, svg.lineage.focus .edge { opacity: 0.18; }
svg.lineage.focus .node.lit { opacity: 1; }
svg.lineage.focus .edge.lit { opacity: 1; stroke: var(--accent); stroke-width: 2; }
.hint { color: var(--muted); font-size: 13px; margin: 6px 2px 0; }
.column-path { margin: 10px 0 0; padding: 12px 18px; }
#column-picked a { font-family: var(--mono); font-weight: 600; }
#column-clear {
  margin-left: auto; font: inherit; font-size: 13px; color: var(--accent); cursor: pointer;
  background: none; border: 1px solid var(--line); border-radius: 6px; padding: 1px 10px;
}
.run-summary { display: flex; gap: 26px; flex-wrap: wrap; margin-bottom: 8px; }
.run-summary div { font-size: 13px; color: var(--muted); }
.run-summary strong { display: block; font-size: 17px; color: var(--ink); }
"""

JS = """
(function () {
  "use strict";
  // Filter the sidebar's model list.
  var filter = document.getElementById("filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      document.querySelectorAll("#sidebar li.item").forEach(function (li) {
        li.classList.toggle("hidden", q !== "" && li.textContent.toLowerCase().indexOf(q) < 0);
      });
    });
  }
  // Lineage: hovering a node lights it, everything upstream and everything downstream.
  var svg = document.querySelector("svg.lineage");
  if (!svg) { return; }
  var nodes = svg.querySelectorAll(".node");
  var edges = Array.prototype.slice.call(svg.querySelectorAll(".edge"));
  var ups = {}, downs = {};
  edges.forEach(function (e) {
    var a = e.getAttribute("data-from"), b = e.getAttribute("data-to");
    (downs[a] = downs[a] || []).push(b);
    (ups[b] = ups[b] || []).push(a);
  });
  function reach(start, next) {
    var seen = {}, stack = [start];
    while (stack.length) {
      var n = stack.pop();
      (next[n] || []).forEach(function (m) {
        if (!seen[m]) { seen[m] = true; stack.push(m); }
      });
    }
    return seen;
  }
  function paint(lit, edgeLit) {
    svg.classList.add("focus");
    nodes.forEach(function (n) {
      n.classList.toggle("lit", !!lit[n.getAttribute("data-name")]);
    });
    edges.forEach(function (e) {
      e.classList.toggle("lit", edgeLit(e.getAttribute("data-from"), e.getAttribute("data-to")));
    });
  }
  var picked = null;  // {column, tables, carried}: the picked column's path
  function paintPicked() {
    paint(picked.tables, function (a, b) { return !!picked.carried[a + " " + b]; });
  }
  nodes.forEach(function (node) {
    var name = node.getAttribute("data-name");
    node.addEventListener("mouseenter", function () {
      var lit = Object.assign({}, reach(name, ups), reach(name, downs));
      lit[name] = true;
      paint(lit, function (a, b) { return !!lit[a] && !!lit[b]; });
    });
    node.addEventListener("mouseleave", function () {
      if (picked) { paintPicked(); } else { svg.classList.remove("focus"); }
    });
  });

  // Column lineage: picking a column lights the tables on its path and lists its columns.
  var data = JSON.parse(document.getElementById("column-lineage").textContent);
  var reads = {}, readBy = {};
  Object.keys(data.dependencies).forEach(function (col) {
    data.dependencies[col].forEach(function (d) {
      (reads[col] = reads[col] || []).push([d[0], d[1]]);
      (readBy[d[0]] = readBy[d[0]] || []).push([col, d[1]]);
    });
  });
  function table(col) { return col.split(".")[0]; }
  // Breadth first, as column_lineage does: "value" when a chain of value steps reaches it.
  // Every step taken marks the edge (upstream table, reading table) as carrying the path.
  function trace(start, step, upward, carried) {
    var kinds = {}, queue = [start];
    kinds[start] = "value";
    while (queue.length) {
      var col = queue.shift();
      (step[col] || []).forEach(function (d) {
        var there = d[0];
        var kind = d[1] === "value" && kinds[col] === "value" ? "value" : "filter";
        carried[upward ? table(there) + " " + table(col) : table(col) + " " + table(there)] = true;
        if (!kinds[there] || (kind === "value" && kinds[there] === "filter")) {
          kinds[there] = kind;
          queue.push(there);
        }
      });
    }
    delete kinds[start];
    return kinds;
  }
  function link(text, href, muted) {
    var a = document.createElement("a");
    a.setAttribute("href", href);
    a.textContent = text;
    if (muted) { a.className = "filter"; }
    return a;
  }
  function rowId(t, c) { return "col-" + t + "-" + c; }  // as column_anchor in lineage.py
  function list(dd, kinds) {
    dd.textContent = "";
    Object.keys(data.tables).forEach(function (t) {
      var line = document.createElement("div");
      data.tables[t].columns.forEach(function (c) {
        var kind = kinds[t + "." + c];
        if (kind) {
          line.appendChild(link(c, "#" + rowId(t, c), kind !== "value"));
          line.appendChild(document.createTextNode(" "));
        }
      });
      if (line.firstChild) {
        var name = document.createElement("span");
        name.className = "tbl";
        name.textContent = t;
        line.insertBefore(name, line.firstChild);
        dd.appendChild(line);
      }
    });
    dd.className = dd.firstChild ? "" : "none";
    if (!dd.firstChild) { dd.textContent = "none"; }
  }
  var panel = document.getElementById("column-path");
  function mark(column) {
    document.querySelectorAll("tr.picked").forEach(function (tr) {
      tr.classList.remove("picked");
    });
    nodes.forEach(function (n) {
      n.classList.toggle("picked", !!column && n.getAttribute("data-name") === table(column));
    });
    if (column) {
      var i = column.indexOf(".");
      document.getElementById(rowId(column.slice(0, i), column.slice(i + 1)))
        .classList.add("picked");
    }
  }
  function pick(column) {
    var carried = {};
    var up = trace(column, reads, true, carried), down = trace(column, readBy, false, carried);
    var tables = {};
    tables[table(column)] = true;
    Object.keys(up).concat(Object.keys(down)).forEach(function (c) { tables[table(c)] = true; });
    picked = {column: column, tables: tables, carried: carried};
    paintPicked();
    mark(column);
    var i = column.indexOf("."), name = document.getElementById("column-picked");
    name.textContent = "";
    name.appendChild(link(column, "#" + rowId(column.slice(0, i), column.slice(i + 1))));
    list(document.getElementById("column-upstream"), up);
    list(document.getElementById("column-downstream"), down);
    panel.hidden = false;
  }
  document.querySelectorAll("button.col").forEach(function (button) {
    button.addEventListener("click", function () {
      pick(button.getAttribute("data-col"));
      document.getElementById("lineage").scrollIntoView();  // the path is in the picture
    });
  });
  document.getElementById("column-clear").addEventListener("click", function () {
    picked = null;
    mark(null);
    panel.hidden = true;
    svg.classList.remove("focus");
  });
})();
"""
