#!/usr/bin/env node
// Open pages in Debian's Chromium and run axe-core on each, at the widths and colour
// schemes asked for; write a screenshot of each and print one JSON report.
//
//   node axe.js --shots DIR --width 390 --width 1280 --scheme light --scheme dark FILE...
//
// Only local files are opened, and the browser is told not to reach the network:
// a page that asked for anything but a file: or data: URL is reported as a failure.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { pathToFileURL } = require("url");
const puppeteer = require("puppeteer-core");

const AXE = require.resolve("axe-core/axe.min.js");
// The probe's flags for this closed network: no background connections, no updates.
const FLAGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--disable-default-apps", "--disable-extensions", "--font-render-hinting=none",
  // No name resolves and every connection goes to a closed port: a page cannot reach
  // the network by any means (WebSocket and WebRTC bypass request interception).
  "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
];

function parse(argv) {
  const options = { widths: [], schemes: [], files: [], shots: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--width") options.widths.push(Number(argv[++i]));
    else if (arg === "--scheme") options.schemes.push(argv[++i]);
    else if (arg === "--shots") options.shots = argv[++i];
    else options.files.push(arg);
  }
  if (!options.widths.length) options.widths = [390, 1280];
  if (!options.schemes.length) options.schemes = ["light", "dark"];
  return options;
}

async function check(browser, file, width, scheme, shots) {
  const page = await browser.newPage();
  const refused = [];
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const url = request.url();
    if (url.startsWith("file:") || url.startsWith("data:")) request.continue();
    else { refused.push(url); request.abort(); }
  });
  await page.setViewport({ width, height: 900 });
  await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    // Every rule axe has, WCAG 2.2 AA and best practices alike.
    const found = await window.axe.run(document, { resultTypes: ["violations"] });
    return found.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 10), count: v.nodes.length,
    }));
  });
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  let shot = null;
  if (shots) {
    shot = path.join(shots, `${path.basename(file)}-${width}-${scheme}.png`);
    await page.screenshot({ path: shot, fullPage: true });
  }
  await page.close();
  return { file, width, scheme, violations: result, overflow, refused, screenshot: shot };
}

async function main() {
  const options = parse(process.argv.slice(2));
  if (options.shots) fs.mkdirSync(options.shots, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "citepress-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [...FLAGS, `--user-data-dir=${profile}`],
    headless: true,
  });
  const results = [];
  try {
    for (const file of options.files)
      for (const width of options.widths)
        for (const scheme of options.schemes)
          results.push(await check(browser, path.resolve(file), width, scheme, options.shots));
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(results, null, 2) + "\n");
}

main().catch((error) => { console.error(error); process.exit(2); });
