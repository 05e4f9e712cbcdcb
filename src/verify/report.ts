// `verify --report report.html`: one self-contained page (inline CSS and SVG,
// no script, no network: its Content-Security-Policy forbids any fetch) that
// shows the parameter tree side by side, every check as a bar of its worst
// error against the tolerance on a log scale (failed ones first), the notes,
// and for each failed check where in the tensor its errors are.
import type { ParamMapDocument } from "../pipeline.js";
import type { ErrorDetail } from "./error-summary.js";
import type { CheckResult, VerifyReport } from "./index.js";

/** Marks the page as nnxport's, so a later run may replace it. */
export const GENERATOR = "nnxport verify --report";

type Entry = ParamMapDocument["params"][number] & { layout?: { reshape?: number[]; transpose?: number[] } };

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (x: number) => (Number.isFinite(x) ? (x === 0 ? "0" : x.toExponential(2)) : x > 0 ? "∞" : "—");

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #1d2330; padding: 0 16px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid #dde; padding-bottom: 4px; }
.status { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff; font-weight: 600; }
.ok { background: #2e7d32; } .fail { background: #c62828; }
.meta { color: #556; margin: 4px 0 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eef; vertical-align: top; }
th { background: #f4f5fa; } td.arrow { color: #99a; width: 1%; } code { font: 12px ui-monospace, monospace; }
tr.problem td { background: #fdecea; }
ul.notes li { color: #6d5000; } ul.diags li { color: #c62828; font-family: ui-monospace, monospace; font-size: 12px; }
.failure { border: 1px solid #f3c1bd; border-radius: 6px; padding: 8px 12px; margin: 12px 0; }
.failure h3 { font-size: 14px; margin: 0 0 6px; } .plots { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
figure { margin: 0; } figcaption { font-size: 12px; color: #556; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
`;

export function renderReport(report: VerifyReport, paramMap?: Pick<ParamMapDocument, "params">): string {
  const failed = report.checks.filter((c) => !c.ok);
  const title = `nnxport verify: ${report.file}`;
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p><span id="status" class="status ${report.ok ? "ok" : "fail"}">${report.ok ? "verified" : "NOT verified"}</span></p>`,
    `<p class="meta">${esc(report.framework ?? "unknown framework")}${report.backend ? `, TypeScript on ${esc(report.backend)}` : ""}; tolerance |ts − ref| ≤ ${report.tolerance.atol} + ${report.tolerance.rtol}·|ref|; ${report.checks.length - failed.length} of ${report.checks.length} checks passed</p>`,
    report.diagnostics.length ? `<h2>Diagnostics</h2><ul class="diags">${report.diagnostics.map((d) => `<li>${esc(d.text)}</li>`).join("")}</ul>` : "",
    `<h2>Checks</h2>`,
    report.checks.length ? checksChart(report.checks) : "<p>No checks ran.</p>",
    failed.length ? `<h2>Where the failed checks disagree</h2>${failed.map(failure).join("")}` : "",
    `<h2>Notes</h2>`,
    report.notes.length ? `<ul class="notes">${report.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : "<p>None: everything was compared.</p>",
    `<h2>Parameter tree</h2>`,
    paramTree(report, paramMap?.params as Entry[] | undefined),
  ].join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${GENERATOR}">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** log10 of the worst error/tolerance ratio, drawn from 10^-6 (or exact) to 10^4 (or beyond). */
const LOW = -6;
const HIGH = 4;

function checksChart(checks: CheckResult[]): string {
  const order = [...checks.filter((c) => !c.ok).sort((a, b) => worst(b) - worst(a)), ...checks.filter((c) => c.ok)];
  const labelW = 430;
  const barW = 460;
  const rowH = 18;
  const top = 26;
  const x = (ratio: number) => {
    const l = ratio > 0 ? Math.log10(ratio) : LOW;
    return labelW + (barW * (Math.min(HIGH, Math.max(LOW, l)) - LOW)) / (HIGH - LOW);
  };
  const height = top + rowH * order.length + 8;
  const ticks = [];
  for (let d = LOW; d <= HIGH; d += 2) {
    const tx = x(10 ** d);
    ticks.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${height - 6}" stroke="#e3e5ee"/><text x="${tx}" y="${top - 8}" text-anchor="middle">1e${d}</text>`);
  }
  const rows = order.map((c, i) => {
    const y = top + i * rowH;
    const w = worst(c);
    const end = x(w);
    const label = c.name.length > 64 ? c.name.slice(0, 61) + "…" : c.name;
    const value = c.errors ? (w === 0 ? "exact" : `${fmt(w)}× tol`) : "not comparable";
    return `<g class="check ${c.ok ? "pass" : "fail"}"><title>${esc(c.name)}: max abs err ${fmt(c.maxAbsError)}, max rel err ${fmt(c.maxRelError)}${c.errors ? `, ${c.errors.mismatched} of ${c.errors.size} elements beyond tolerance` : ""}</title>
<text x="${labelW - 8}" y="${y + 13}" text-anchor="end">${esc(label)}</text>
<rect x="${labelW}" y="${y + 3}" width="${Math.max(1.5, end - labelW)}" height="${rowH - 6}" fill="${c.ok ? "#66bb6a" : "#e53935"}"/>
<text x="${labelW + barW + 8}" y="${y + 13}">${esc(value)}</text></g>`;
  });
  const tol = x(1);
  return `<svg id="checks" xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 110}" height="${height}" role="img" aria-label="worst error over tolerance per check">
${ticks.join("\n")}
<line x1="${tol}" y1="${top - 4}" x2="${tol}" y2="${height - 6}" stroke="#c62828" stroke-dasharray="4 3"/>
<text x="${tol + 4}" y="${height - 8}" fill="#c62828">tolerance</text>
${rows.join("\n")}
</svg>
<p class="meta">Each bar: the worst element's |ts − ref| ÷ (atol + rtol·|ref|), log scale; right of the dashed line fails. Initial parameters are compared bit for bit (tolerance 0).</p>`;
}

/** Checks that could not be compared (missing, or of another shape) count as the worst. */
function worst(c: CheckResult): number {
  return c.errors ? c.errors.worst : Infinity;
}

function failure(c: CheckResult): string {
  const d = c.errors?.detail;
  const head = `<h3>${esc(c.name)} <code>[${c.shape.join(", ")}]</code></h3>`;
  if (!d) return `<div class="failure">${head}<p>Not comparable: the reference lacks this array or holds another shape.</p></div>`;
  const summary = `<p class="meta">${c.errors!.mismatched} of ${c.errors!.size} elements beyond tolerance; ${d.exact} exactly equal${d.nan ? `; ${d.nan} NaN` : ""}; max abs err ${fmt(c.maxAbsError)}</p>`;
  const worstRows = d.worstElements
    .map((w) => `<tr><td><code>[${w.index.join(", ")}]</code></td><td>${w.actual}</td><td>${w.expected}</td><td>${fmt(w.ratio)}×</td></tr>`)
    .join("");
  const table = worstRows ? `<table style="width:auto"><tr><th>index</th><th>TypeScript</th><th>reference</th><th>error / tol</th></tr>${worstRows}</table>` : "";
  return `<div class="failure">${head}${summary}<div class="plots">${heatmap(d)}${histogram(d)}</div>${table}</div>`;
}

/** Pooled cells of the worst ratio, green (within tolerance) to red (far beyond). */
function heatmap(d: ErrorDetail): string {
  const { rows, cols, cellRows, cellCols, cells } = d.heatmap;
  const size = Math.max(4, Math.floor(240 / Math.max(cellRows, cellCols)));
  const color = (r: number) => {
    if (!(r > 1)) {
      const t = Math.max(0, Math.min(1, (Math.log10(Math.max(r, 1e-6)) + 6) / 6));
      return `hsl(130, 45%, ${92 - 35 * t}%)`;
    }
    const t = Math.min(1, Math.log10(r) / 4);
    return `hsl(${20 - 20 * t}, 85%, ${62 - 27 * t}%)`;
  };
  const rects = cells.map((r, i) => `<rect x="${(i % cellCols) * size}" y="${Math.floor(i / cellCols) * size}" width="${size}" height="${size}" fill="${color(r)}"/>`);
  const w = cellCols * size;
  const h = cellRows * size;
  return `<figure><svg class="heatmap" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="error heatmap">${rects.join("")}</svg>
<figcaption>${rows} × ${cols} (leading axes × last axis)${rows > cellRows || cols > cellCols ? `, pooled to ${cellRows} × ${cellCols} cells` : ""}; red: beyond tolerance</figcaption></figure>`;
}

function histogram(d: ErrorDetail): string {
  const { low, step, counts } = d.histogram;
  const w = 320;
  const h = 140;
  const bw = w / counts.length;
  const max = Math.max(1, ...counts);
  const bars = counts.map((n, i) => {
    const bh = n ? Math.max(1, ((h - 20) * Math.log1p(n)) / Math.log1p(max)) : 0;
    return `<rect x="${i * bw + 1}" y="${h - 16 - bh}" width="${bw - 2}" height="${bh}" fill="#5c6bc0"><title>|err| in 1e${(low + i * step).toFixed(2)}…1e${(low + (i + 1) * step).toFixed(2)}: ${n}</title></rect>`;
  });
  return `<figure><svg class="histogram" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="error histogram">${bars.join("")}
<text x="0" y="${h - 2}">1e${low}</text><text x="${w}" y="${h - 2}" text-anchor="end">1e${(low + counts.length * step).toFixed(1)}</text></svg>
<figcaption>|ts − ref| per element (log bins, log counts); ${d.exact} exact not shown</figcaption></figure>`;
}

function layoutChange(e: Entry): string {
  const parts = [];
  if (e.layout?.reshape) parts.push(`reshape to [${e.layout.reshape.join(", ")}]`);
  if (e.layout?.transpose) parts.push(`transpose (${e.layout.transpose.join(", ")})`);
  if (e.keepdims) parts.push("drop leading size-1 axes");
  return parts.length ? esc(parts.join(", then ")) : "—";
}

function paramTree(report: VerifyReport, entries: Entry[] | undefined): string {
  const problems = report.params?.problems ?? [];
  const summary = report.params ? `<p class="meta">${report.params.matched} of ${report.params.total} matched</p>` : "";
  if (!entries?.length) return summary + (problems.length ? `<ul class="diags">${problems.map((p) => `<li>${esc(p)}</li>`).join("")}</ul>` : "<p>No parameter map (the translation did not get that far).</p>");
  const claimed = new Set<string>();
  const rows = entries.map((e) => {
    const mine = problems.filter((p) => p.startsWith(`${e.source}:`) || p.startsWith(`${e.nnx}:`));
    mine.forEach((p) => claimed.add(p));
    return `<tr class="${mine.length ? "problem" : ""}"><td><code>${esc(e.source)}</code></td><td class="arrow">→</td><td><code>${esc(e.nnx)}</code></td><td>${esc(e.type)}</td><td><code>[${e.shape.join(", ")}]</code></td><td>${layoutChange(e)}</td><td>${mine.length ? esc(mine.join("; ")) : "ok"}</td></tr>`;
  });
  const rest = problems.filter((p) => !claimed.has(p));
  return `${summary}<table id="params"><tr><th>source path</th><th></th><th>NNX path</th><th>type</th><th>shape</th><th>layout change</th><th>status</th></tr>${rows.join("")}</table>${
    rest.length ? `<ul class="diags">${rest.map((p) => `<li>${esc(p)}</li>`).join("")}</ul>` : ""
  }`;
}
