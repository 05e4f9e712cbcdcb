// `verify --report`: the page renders in a real headless browser (Debian's
// chromium, driven by playwright-core), with no console errors and no network,
// and shows the parameter tree, one bar per check (failed first) and, for a
// failed check, where in the tensor the errors are.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { summarizeErrors } from "../../src/verify/error-summary.js";
import { verify, type VerifyArtifacts, type VerifyReport } from "../../src/verify/index.js";
import { renderReport } from "../../src/verify/report.js";
import { nnxport } from "../helpers/cli.js";
import { FIXTURES } from "../helpers/translate.js";

const CHROMIUM = process.env.NNXPORT_CHROMIUM ?? "/usr/bin/chromium";

describe("error summaries", () => {
  test("the heatmap cell and the worst elements are where the errors are", () => {
    const shape = [100, 60];
    const expected = Float32Array.from({ length: 6000 }, (_, i) => Math.sin(i));
    const actual = expected.slice();
    actual[73 * 60 + 41] += 0.5; // one bad element, row 73, column 41
    actual[10 * 60 + 2] += 1e-3;
    const s = summarizeErrors(actual, expected, shape, { atol: 1e-5, rtol: 1e-4 }, true);
    expect(s.mismatched).toBe(2);
    expect(s.worst).toBeGreaterThan(1000);
    const { cellRows, cellCols, cells } = s.detail!.heatmap;
    expect([cellRows, cellCols]).toEqual([48, 48]);
    const hot = cells.map((r, i) => [r, i] as const).filter(([r]) => r > 1).map(([, i]) => [Math.floor(i / cellCols), i % cellCols]);
    expect(hot).toEqual([
      [Math.floor((10 * 48) / 100), Math.floor((2 * 48) / 60)],
      [Math.floor((73 * 48) / 100), Math.floor((41 * 48) / 60)],
    ]);
    expect(s.detail!.worstElements.map((w) => w.index)).toEqual([[73, 41], [10, 2]]);
    expect(s.detail!.exact).toBe(5998);
    expect(s.detail!.histogram.counts.reduce((a, b) => a + b, 0)).toBe(2);
  });
});

describe("the HTML report in headless chromium", () => {
  let browser: Browser;
  let failing: { report: VerifyReport; artifacts: VerifyArtifacts };
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: \`npm run setup\` installs Debian's chromium (or set NNXPORT_CHROMIUM)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    dir = mkdtempSync(join(tmpdir(), "nnxport-report-"));
    const artifacts: VerifyArtifacts = {};
    const report = await verify(FIXTURES + "state/linen_model.py", {
      artifacts,
      // Break a few rows of the first kernel: outputs and gradients fail, the init check does not.
      tamper: (model, { tf }) => {
        const kernel = (model as unknown as { block: { linear: { kernel: { value: import("../../runtime/tf.js").Tensor } } } }).block.linear.kernel;
        kernel.value = tf.tidy(() => tf.add(kernel.value, tf.concat([tf.fill([10, 256], 0.01), tf.zeros([774, 256])])));
      },
    });
    failing = { report, artifacts };
  }, 600_000);
  afterAll(async () => browser?.close());

  async function open(html: string, name: string) {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => (m.type() === "error" ? errors.push(m.text()) : undefined));
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    const shot = join(dir, `${name}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    return { page, errors, requests, shot, file };
  }

  test("a failing verify: failed checks first, heatmap and histogram drawn, tree side by side, no console errors, no network", async () => {
    const { report, artifacts } = failing;
    expect(report.ok).toBe(false);
    const { page, errors, requests, shot, file } = await open(renderReport(report, artifacts.translation!.paramMap), "failing");
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    expect(await page.textContent("#status")).toBe("NOT verified");

    const bars = await page.$$eval("#checks g.check", (gs) => gs.map((g) => g.getAttribute("class")));
    expect(bars).toHaveLength(report.checks.length);
    const failedCount = report.checks.filter((c) => !c.ok).length;
    expect(failedCount).toBeGreaterThan(0);
    expect(bars.slice(0, failedCount).every((c) => c === "check fail")).toBe(true);
    expect(bars.slice(failedCount).every((c) => c === "check pass")).toBe(true);
    const widths = await page.$$eval("#checks g.check rect", (rs) => rs.map((r) => r.getBoundingClientRect().width));
    expect(widths.every((w) => w > 0)).toBe(true);

    expect(await page.locator(".failure").count()).toBe(failedCount);
    const heat = await page.$$eval(".failure svg.heatmap", (ss) => ss.map((s) => [s.getBoundingClientRect().width, s.querySelectorAll("rect").length]));
    expect(heat.length).toBeGreaterThan(0);
    expect(heat.every(([w, n]) => w > 0 && n > 0)).toBe(true);
    expect(await page.locator(".failure svg.histogram rect").count()).toBeGreaterThan(0);

    const rows = await page.$$eval("#params tr", (trs) => trs.slice(1).map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.textContent)));
    const map = artifacts.translation!.paramMap.params;
    expect(rows.map((r) => [r[0], r[2], r[4]])).toEqual(map.map((e) => [e.source, e.nnx, `[${e.shape.join(", ")}]`]));
    expect(await page.locator("ul.notes li, h2:has-text('Notes') + p").count()).toBeGreaterThan(0);
  });

  test("nnxport verify --report writes the page for a passing run, which renders clean", async () => {
    const out = join(dir, "cli.html");
    const r = nnxport(["verify", FIXTURES + "basic/haiku_model.py", "--report", out]);
    expect(r.code).toBe(0);
    const { page, errors, shot } = await open(readFileSync(out, "utf8"), "passing");
    expect(errors).toEqual([]);
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(await page.textContent("#status")).toBe("verified");
    expect(await page.locator("#checks g.check.pass").count()).toBeGreaterThan(3);
    expect(await page.locator("#params tr").count()).toBe(5); // header + 4 parameters
    expect(await page.locator(".failure").count()).toBe(0);
  }, 600_000);
});
