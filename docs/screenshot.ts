/**
 * Renders a scenario's HTML report in headless Chromium and saves a PNG:
 * the picture in the README.
 *
 * `deno run -A docs/screenshot.ts REPORT.html OUT.png [width] [height]`
 * (Debian's `chromium` at /usr/bin/chromium).
 */

import { chromium } from "npm:playwright-core@1.57.0";

const [input, output, width = "1200", height = "760"] = Deno.args;
if (input === undefined || output === undefined) {
  console.error("usage: deno run -A docs/screenshot.ts REPORT.html OUT.png [width] [height]");
  Deno.exit(2);
}
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
try {
  const page = await browser.newPage({
    viewport: { width: Number(width), height: Number(height) },
    deviceScaleFactor: 1,
  });
  await page.goto(new URL(input, `file://${Deno.cwd()}/`).href);
  await page.screenshot({ path: output });
} finally {
  await browser.close();
}
