/**
 * The HTML report in a real browser: headless Chromium (Debian's `chromium`
 * package) driven by playwright-core. `.ci/run` installs Chromium and sets
 * IOSIM_BROWSER_TESTS=1, so there a missing browser fails the test; on a
 * machine without Chromium the test is skipped with a note.
 */

import assert from "node:assert/strict";
import { chromium } from "npm:playwright-core@1.57.0";
import { runScenario } from "../lib/scenario/run.ts";
import { scenario as blockingVsNonblocking } from "../sims/blocking_vs_nonblocking.ts";
import { runHtml, sweepHtml } from "../runner/html.ts";
import type { PointResult } from "../runner/output.ts";

const CHROMIUM = "/usr/bin/chromium";
const required = Deno.env.get("IOSIM_BROWSER_TESTS") === "1";
const present = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!present && !required) {
  console.warn(
    `html_report_test: ${CHROMIUM} is missing, browser tests skipped (apt-get install chromium)`,
  );
}
const ARTIFACTS = new URL("../artifacts/", import.meta.url);

async function withPage(
  html: string,
  fn: (page: import("npm:playwright-core@1.57.0").Page, errors: string[]) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/report.html`;
  await Deno.writeTextFile(file, html);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    // Nothing may be fetched: the report is one self-contained file.
    page.on("request", (r) => {
      if (!r.url().startsWith("file:")) errors.push(`network request to ${r.url()}`);
    });
    await page.goto(`file://${file}`);
    await fn(page, errors);
  } finally {
    await browser.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "the HTML report renders lanes and tables, and hovering a span shows its details",
  ignore: !present && !required,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const report = runScenario(blockingVsNonblocking, { params: { messages: 4 } });
    await withPage(runHtml(report), async (page, errors) => {
      const lanes = await page.locator("#timeline g.lane").count();
      assert.equal(lanes, 3); // the sender and the two readers
      assert.ok(await page.locator("#timeline rect.span").count() > 10);
      assert.match(await page.locator("table").first().innerText(), /blocking\.cpuNs/);
      // Hover the blocking reader's phase-1 span: the tooltip names it.
      const span = page.locator(
        'g.lane[data-lane="blocking: reader[1000]"] rect[data-cat="phase1"]',
      ).first();
      await span.hover();
      const tip = await page.locator("#tip").innerText();
      assert.match(tip, /blocked waiting for data \(phase 1\)/);
      assert.match(tip, /start .*(lasting|over)/s);
      // The busy-polling reader's lane is mostly wasted time.
      assert.ok(
        await page.locator('g.lane[data-lane="nonblocking: reader[1000]"] rect[data-cat="wasted"]')
          .count() > 0,
      );
      // Zooming in redraws a narrower window.
      const before = await page.locator("#window").innerText();
      await page.click("#zoom-in");
      assert.notEqual(await page.locator("#window").innerText(), before);
      await Deno.mkdir(ARTIFACTS, { recursive: true });
      await page.click("#zoom-reset");
      await page.screenshot({
        path: new URL("html-report.png", ARTIFACTS).pathname,
        fullPage: true,
      });
      assert.deepEqual(errors, []);
    });
  },
});

Deno.test({
  name: "a sweep's HTML report draws one chart per metric with a line per series",
  ignore: !present && !required,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const points: PointResult[] = [100, 1000, 10000].flatMap((n, i) =>
      ["poll", "epoll"].map((model, j) => ({
        index: i * 2 + j,
        total: 6,
        scenario: "demo",
        seed: 1,
        params: { connections: n, model },
        ok: true,
        virtualTimeNs: 1,
        metrics: { costNs: model === "poll" ? n * 60 : 300, requests: 10 },
        digest: "0",
      }))
    );
    await withPage(sweepHtml(points, ["connections", "model"]), async (page, errors) => {
      assert.equal(await page.locator(".chart").count(), 2);
      assert.equal(await page.locator("#chart-0 polyline").count(), 2);
      await page.locator("#chart-0 circle.point").last().hover();
      assert.match(await page.locator("#tip").innerText(), /connections 10000/);
      assert.deepEqual(errors, []);
    });
  },
});
