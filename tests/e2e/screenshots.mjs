// screenshots.mjs: a PNG of every lesson at its default step, for comparing two builds by eye
// or pixel by pixel (not a test). Serves the site, opens each lesson in headless chromium at
// 1280×800 and saves OUT/<id>.png after a few frames.
//   node tests/e2e/screenshots.mjs SITE-DIR OUT-DIR [id ...]   (ids default to attnlab.lessons())
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const [site, out, ...wanted] = process.argv.slice(2);
if (!site || !out) {
  console.error("usage: node tests/e2e/screenshots.mjs SITE-DIR OUT-DIR [id ...]");
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const server = spawn(process.execPath, [join(here, "../../scripts/serve.mjs"), site, "0"], { stdio: ["ignore", "pipe", "inherit"] });
const base = await new Promise((r) => server.stdout.on("data", (d) => { const m = /http:\S+/.exec(String(d)); if (m) r(m[0]); }));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--use-gl=swiftshader",
  "--enable-unsafe-swiftshader", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(base);
  await page.evaluate(() => window.attnlab.ready);
  const ids = wanted.length ? wanted : (await page.evaluate(() => window.attnlab.lessons())).map((l) => l.id);
  for (const id of ids) {
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await p.goto(`${base}?lesson=${id}`);
    await p.evaluate(() => window.attnlab.ready);
    await p.mouse.move(1279, 799);  // no hover tooltip
    await p.evaluate(() => new Promise((r) => { let n = 6; const t = () => (n-- <= 0 ? r() : requestAnimationFrame(t)); t(); }));
    await p.screenshot({ path: join(out, `${id}.png`) });
    console.log(`${id}: ${join(out, `${id}.png`)}`);
    await p.close();
  }
} finally {
  await browser.close();
  server.kill();
}
