/**
 * The page of the HTML report (an Eta template: `<%= %>` escapes, `<%~ %>` is raw and used only
 * for the chart SVG that charts.ts rendered and checked) and its one style sheet, which the CSP
 * allows by hash. Light and dark follow prefers-color-scheme; print CSS gives A4 pages.
 */

export const CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1d2330; --muted: #5b6474; --line: #d9dee6; --card: #f5f7fa;
  --accent: #1f5fbf; --grid: #e3e7ee; --axis: #8a93a3; --up: #2b8a3e; --down: #c92a2a;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #12151b; --fg: #e6e9ef; --muted: #a3acbb; --line: #2f3542; --card: #1b2029;
    --accent: #8ab4f8; --grid: #2a303b; --axis: #6f7888; --up: #69db7c; --down: #ff8787;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body {
  margin: 0 auto; max-width: 62rem; padding: 2rem 1.25rem 4rem;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
}
h1 { font-size: 1.8rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 .5rem; padding-top: .5rem; border-top: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 1.25rem 0 .25rem; }
p, li { max-width: 48rem; }
a { color: var(--accent); }
.sub { color: var(--muted); margin: 0 0 1.5rem; }
.scope { background: var(--card); border-left: 4px solid var(--accent); padding: .5rem .9rem; font-weight: 600; }
.figures { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; padding: 0; list-style: none; }
.figures li { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .9rem; }
.figures b { display: block; font-size: 1.35rem; }
nav ol { columns: 2; padding-left: 1.25rem; }
table { border-collapse: collapse; margin: .75rem 0; font-size: .9rem; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); }
td.num, th.num { text-align: right; white-space: nowrap; }
td.name { max-width: 28rem; overflow-wrap: anywhere; }
code { font-size: .85em; overflow-wrap: anywhere; }
.chart { margin: .75rem 0; overflow-x: auto; }
.chart svg { max-width: 100%; height: auto; }
.chart svg text { fill: var(--fg); }
.chart svg .role-axis-grid line { stroke: var(--grid); }
.chart svg .role-axis-domain line, .chart svg .role-axis-tick line { stroke: var(--axis); }
.chart svg .role-legend-symbol path { stroke: none; }
.meaning { margin: .5rem 0; }
.advice { background: var(--card); border-left: 3px solid var(--accent); padding: .5rem .9rem; margin: .75rem 0; }
.advice p { margin: .25rem 0; }
.advice pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: .25rem 0; font-size: .85rem; }
.note { color: var(--muted); font-size: .9rem; }
.up { color: var(--up); }
.down { color: var(--down); }
dl.method { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.method dt { color: var(--muted); }
dl.method dd { margin: 0; overflow-wrap: anywhere; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  html, body { background: #fff; color: #000; }
  :root { --fg: #000; --muted: #444; --line: #bbb; --card: #f3f3f3; --grid: #ddd; --axis: #666; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  section.topic { break-inside: avoid-page; }
  .chart { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
`;

/** `it` is the view built by renderHtml (index.ts). */
export const TEMPLATE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="<%= it.csp %>">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="mailsec <%= it.version %>">
<title>Domain security report: <%= it.scan %></title>
<style><%~ it.css %></style>
</head>
<body>
<header>
<h1>Domain security report</h1>
<p class="sub">Scan <b><%= it.scan %></b><% if (it.methodology) { %>, begun <%= it.methodology.started %><% } %> · rendered by mailsec <%= it.version %> on <%= it.generatedAt %></p>
<% if (it.scope) { %><p class="scope" id="scope">Only the domains with <%= it.scope %>: every figure, share and change below is over those domains.</p><% } %>
<ul class="figures">
<li><b data-path="<%= it.domains.path %>"><%= it.domains.text %></b>domains</li>
<li><b data-path="<%= it.domainsWithMx.path %>"><%= it.domainsWithMx.text %></b>with MX</li>
<% if (it.compare) { %>
<li><b data-path="<%= it.compare.domains.path %>"><%= it.compare.domains.text %></b>domains in <%= it.compare.scan %></li>
<% } %>
</ul>
<p class="note">Every figure is a count over a denominator (all domains, or domains with MX). A domain whose answer could not be determined (timeout, SERVFAIL, refused) counts as <em>could not test</em>, one not tested (an option such as --no-smtp, or a missing prerequisite) as <em>not tested</em>: neither is ever counted as “no”.</p>
</header>
<nav>
<h2>Contents</h2>
<ol>
<li><a href="#methodology">Methodology</a></li>
<% if (it.compared) { %><li><a href="#changes">Largest changes</a></li><% } %>
<% it.topics.forEach(function (t) { %><li><a href="#<%= t.id %>"><%= t.title %></a></li>
<% }) %>
<% if (it.other.length) { %><li><a href="#other">Other statistics</a></li><% } %>
</ol>
</nav>
<section id="methodology">
<h2>Methodology</h2>
<% if (it.methodology) { const m = it.methodology %>
<dl class="method">
<dt>scan</dt><dd><%= it.scan %></dd>
<dt>begun</dt><dd><%= m.started %></dd>
<dt>domains checked</dt><dd><%= m.firstChecked %> – <%= m.lastChecked %></dd>
<dt>input</dt><dd><code><%= m.input %></code></dd>
<dt>names in the input</dt><dd><% if (m.total) { %><span data-path="<%= m.total.path %>"><%= m.total.text %></span><% } else { %>–<% } %></dd>
<dt>documents stored</dt><dd><span data-path="<%= m.stored.path %>"><%= m.stored.text %></span></dd>
<% if (it.scope) { %><dt>restricted to</dt><dd>the domains with <%= it.scope %></dd><% } %>
<dt>domains</dt><dd><span data-path="<%= it.domains.path %>"><%= it.domains.text %></span>, of which <span data-path="<%= it.domainsWithMx.path %>"><%= it.domainsWithMx.text %></span> with MX (Null MX and localhost targets included)</dd>
<dt>resolver</dt><dd><code><%= m.resolvers %></code>: validating for <span data-path="<%= m.validatedYes.path %>"><%= m.validatedYes.text %></span> domains, not validating for <span data-path="<%= m.validatedNo.path %>"><%= m.validatedNo.text %></span> (DNSSEC and DANE are then not tested)</dd>
<% m.options.forEach(function (op) { %><dt><%= op.name %></dt><dd><code><%= op.value %></code></dd>
<% }) %>
<dt>report</dt><dd>mailsec <%= it.version %>, <%= it.generatedAt %></dd>
</dl>
<% } else { %>
<p class="note">The report document carries no methodology block.</p>
<% } %>
<% if (it.compare) { %>
<p>Compared with scan <b><%= it.compare.scan %></b>: <span data-path="<%= it.compare.added.path %>"><%= it.compare.added.text %></span> domains added, <span data-path="<%= it.compare.removed.path %>"><%= it.compare.removed.text %></span> removed, <span data-path="<%= it.compare.common.path %>"><%= it.compare.common.text %></span> in both (the change over those is a change in adoption, not in population).</p>
<% } %>
<p class="note">Definitions of every key: docs/scan.md. Percentages are count ÷ denominator, rounded to two decimals.</p>
</section>
<% if (it.compared) { %>
<section id="changes">
<h2>Largest changes</h2>
<table>
<thead><tr><th>statistic</th><th class="num">previous</th><th class="num">now</th><th class="num">change</th></tr></thead>
<tbody>
<% it.largest.forEach(function (r) { %>
<tr><td><%= r.label %> <code><%= r.key %></code></td><td class="num"><% if (r.previous) { %><span data-path="<%= r.previous.percent.path %>"><%= r.previous.percent.text %></span><% } %></td><td class="num" data-path="<%= r.percent.path %>"><%= r.percent.text %></td><td class="num"><% if (r.change) { %><span class="<%= r.change.arrow === '▲' ? 'up' : r.change.arrow === '▼' ? 'down' : '' %>"><%= r.change.arrow %></span> <span data-path="<%= r.change.percentPoints.path %>"><%= r.change.percentPoints.text %></span><% } %></td></tr>
<% }) %>
</tbody>
</table>
</section>
<% } %>
<%
function statTable(rows) { %>
<table>
<thead><tr><th>statistic</th><th class="num">count</th><th class="num">of</th><th class="num">percent</th><th class="num">could not test</th><th class="num">not tested</th><% if (it.compared) { %><th class="num">previous</th><th class="num">change</th><th class="num">change (same domains)</th><% } %></tr></thead>
<tbody>
<% rows.forEach(function (r) { %>
<tr>
<td><%= r.label %><br><code><%= r.key %></code></td>
<td class="num" data-path="<%= r.count.path %>"><%= r.count.text %></td>
<td class="num"><span data-path="<%= r.denominator.path %>"><%= r.denominator.text %></span><br><span class="note"><%= r.base %></span></td>
<td class="num" data-path="<%= r.percent.path %>"><%= r.percent.text %></td>
<td class="num"><span data-path="<%= r.error.count.path %>"><%= r.error.count.text %></span><br><span class="note" data-path="<%= r.error.percent.path %>"><%= r.error.percent.text %></span></td>
<td class="num"><span data-path="<%= r.skipped.count.path %>"><%= r.skipped.count.text %></span><br><span class="note" data-path="<%= r.skipped.percent.path %>"><%= r.skipped.percent.text %></span></td>
<% if (it.compared) { %>
<td class="num"><% if (r.previous) { %><span data-path="<%= r.previous.count.path %>"><%= r.previous.count.text %></span><br><span class="note" data-path="<%= r.previous.percent.path %>"><%= r.previous.percent.text %></span><% } %></td>
<td class="num"><% if (r.change) { %><span class="<%= r.change.arrow === '▲' ? 'up' : r.change.arrow === '▼' ? 'down' : '' %>"><%= r.change.arrow %></span> <span data-path="<%= r.change.count.path %>"><%= r.change.count.text %></span><br><span class="note" data-path="<%= r.change.percentPoints.path %>"><%= r.change.percentPoints.text %></span><% } %></td>
<td class="num"><% if (r.changeCommon) { %><span data-path="<%= r.changeCommon.path %>"><%= r.changeCommon.text %></span><% } %></td>
<% } %>
</tr>
<% }) %>
</tbody>
</table>
<% } %>
<% it.topics.forEach(function (t) { %>
<section class="topic" id="<%= t.id %>">
<h2><%= t.title %></h2>
<p class="meaning"><%= t.meaning %></p>
<% t.charts.forEach(function (svg) { %><figure class="chart" data-topic="<%= t.id %>"><%~ svg %></figure>
<% }) %>
<% if (t.empty) { %><p class="note"><%= t.empty %></p><% } %>
<% if (t.rows.length) { statTable(t.rows) } %>
<% if (t.shares.length) { %>
<table>
<thead><tr><th>#</th><th>name</th><th class="num">domains</th><th class="num">of</th><th class="num">percent</th></tr></thead>
<tbody>
<% t.shares.forEach(function (s, i) { %>
<tr><td class="rank"><%= i + 1 %></td><td class="name"><%= s.name %></td><td class="num" data-path="<%= s.count.path %>"><%= s.count.text %></td><td class="num" data-path="<%= s.denominator.path %>"><%= s.denominator.text %></td><td class="num" data-path="<%= s.percent.path %>"><%= s.percent.text %></td></tr>
<% }) %>
</tbody>
</table>
<p class="note">Over <%= t.shareBase %>; the document lists the largest entries.</p>
<% } %>
<% if (t.advice.length) { %>
<div class="advice">
<h3>What a domain owner should do</h3>
<% t.advice.forEach(function (a) { %>
<p><code><%= a.id %></code>: <%= a.why %></p>
<% if (a.fix) { %><pre><%= a.fix %></pre><% } %>
<% }) %>
</div>
<% } %>
</section>
<% }) %>
<% if (it.other.length) { %>
<section class="topic" id="other">
<h2>Other statistics</h2>
<% statTable(it.other) %>
</section>
<% } %>
<footer>
<p>mailsec <%= it.version %> · scan <%= it.scan %> · this file loads nothing and runs no script.</p>
</footer>
</body>
</html>
`;
