// measure.mjs: figures for the front-end report (not a test). Serves the built site, opens it
// in headless chromium and prints: time to first frame, wasm + js size (raw and gzip), and the
// median per-frame CPU time of App::frame (state().frameMs) for each lesson at its default
// size and for the self-attention lesson at n = 1024 and 2048.
//   node tests/e2e/measure.mjs [site-dir]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const site = process.argv[2] ?? join(here, "../../build/wasm/web/site");
for (const f of ["attnlab.wasm", "attnlab.js"]) {
  const b = readFileSync(join(site, f));
  console.log(`${f}: ${(b.length / 1024).toFixed(0)} KiB raw, ${(gzipSync(b, { level: 9 }).length / 1024).toFixed(0)} KiB gzip`);
}
const server = spawn(process.execPath, [join(here, "../../scripts/serve.mjs"), site, "0"], { stdio: ["ignore", "pipe", "inherit"] });
const base = await new Promise((r) => server.stdout.on("data", (d) => { const m = /http:\S+/.exec(String(d)); if (m) r(m[0]); }));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--use-gl=swiftshader",
  "--enable-unsafe-swiftshader", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const t0 = Date.now();
await page.goto(base);
await page.evaluate(() => window.attnlab.ready);
console.log(`time to first frame: ${Date.now() - t0} ms (headless chromium, software WebGL)`);
const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
async function sample(label) {
  const ms = await page.evaluate(() => new Promise((resolve) => {
    const out = [];
    const tick = () => { out.push(window.attnlab.state().frameMs); out.length < 40 ? requestAnimationFrame(tick) : resolve(out.slice(5)); };
    requestAnimationFrame(tick);
  }));
  console.log(`${label.padEnd(28)} frame CPU median ${median(ms).toFixed(2)} ms, max ${Math.max(...ms).toFixed(2)} ms`);
}
for (const { id } of await page.evaluate(() => window.attnlab.lessons())) {
  await page.evaluate((id) => window.attnlab.setLesson(id), id);
  await sample(`${id} (default)`);
}
for (const n of [1024, 2048]) {
  const s = await page.evaluate((n) => { window.attnlab.setLesson("self"); return window.attnlab.set("n", String(n)); }, n);
  await sample(`self n=${n} (compute ${s.computeMs.toFixed(0)} ms)`);
}
await browser.close();
server.kill();
