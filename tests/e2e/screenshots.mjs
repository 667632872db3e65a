// screenshots.mjs: a PNG of every lesson at its default step, for comparing two builds by eye
// or pixel by pixel (not a test). Serves the site, opens each lesson in headless chromium at
// 1280×800 and saves OUT/<id>.png after a few frames.
//   node tests/e2e/screenshots.mjs [--mobile] SITE-DIR OUT-DIR [id ...]   (ids default to attnlab.lessons())
// --mobile: instead, each lesson on a phone in portrait (390×844, DPR 3) and landscape (844×390,
// DPR 3) and a tablet (1024×768, DPR 2), with touch, as OUT/<id>-<device>.png; the portrait one
// continues as OUT/<id>-portrait-1.png, -2, …: the page scrolled a screen at a
// time by the app's own touch drag.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const mobile = argv[0] === "--mobile";
const [site, out, ...wanted] = mobile ? argv.slice(1) : argv;
if (!site || !out) {
  console.error("usage: node tests/e2e/screenshots.mjs [--mobile] SITE-DIR OUT-DIR [id ...]");
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
  if (mobile) {
    const devices = {
      portrait: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
      landscape: { viewport: { width: 844, height: 390 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
      tablet: { viewport: { width: 1024, height: 768 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
    };
    const frames = (p, n) => p.evaluate((n) => new Promise((r) => { const t = () => (n-- <= 0 ? r() : requestAnimationFrame(t)); t(); }), n);
    for (const id of ids) {
      for (const [name, device] of Object.entries(devices)) {
        const context = await browser.newContext(device);
        const p = await context.newPage();
        await p.goto(`${base}?lesson=${id}`);
        await p.evaluate(() => window.attnlab.ready);
        await frames(p, 6);
        await p.screenshot({ path: join(out, `${id}-${name}.png`) });
        console.log(`${id}: ${join(out, `${id}-${name}.png`)}`);
        if (name === "portrait") {
          // The rest of the page, one screen at a time: drag on the left margin (off the widgets).
          const cdp = await context.newCDPSession(p);
          const touch = (type, pts) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: pts.map(([x, y], i) => ({ x, y, id: i })) });
          for (let k = 1; k <= 6; k++) {
            const s0 = await p.evaluate(() => window.attnlab.state().layout);
            if (s0.scrollY + device.viewport.height >= s0.pageHeight - 1) break;
            await touch("touchStart", [[1, 800]]);
            for (let i = 1; i <= 10; i++) { await touch("touchMove", [[1, 800 - 70 * i]]); await frames(p, 1); }
            await touch("touchEnd", []);
            await frames(p, 4);
            await p.screenshot({ path: join(out, `${id}-portrait-${k}.png`) });
          }
        }
        await context.close();
      }
    }
    process.exitCode = 0;
  }
  for (const id of mobile ? [] : ids) {
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
