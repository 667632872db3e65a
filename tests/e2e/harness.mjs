// harness.mjs: the site served on 127.0.0.1 and Debian's chromium, shared by the browser tests
// (all but offline.test.mjs, which stops and restarts its own server).
import { before, after } from "node:test";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const site = process.env.ATTN_SITE ?? join(here, "../../build/wasm/web/site");
let server, base, browser;

before(async () => {
  server = spawn(process.execPath, [join(here, "../../scripts/serve.mjs"), site, "0"], { stdio: ["ignore", "pipe", "inherit"] });
  base = await new Promise((resolve, reject) => {
    server.stdout.on("data", (d) => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(String(d));
      if (m) resolve(m[0]);
    });
    server.on("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
  browser = await chromium.launch({
    executablePath: process.env.ATTN_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--use-gl=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

// A page with the app ready (its JS API's ready promise resolved). Options:
//   context        open the page in this browser context (newContext(): a phone's viewport, touch)
//                  instead of a 1280×800 page that accepts downloads;
//   route          a handler for the page's requests of models/* (page.route);
//   consoleErrors  false: `errors` holds uncaught page errors only, not console errors (a test of
//                  a failing fetch expects the browser's own "Failed to load resource" line).
// Returns { page, errors, modelRequests (URLs of models/* requested), firstFrameMs }.
export async function open(query = "", { context = null, route = null, consoleErrors = true } = {}) {
  const page = context ? await context.newPage()
                       : await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const errors = [], modelRequests = [];
  if (consoleErrors) page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("request", (r) => { if (r.url().includes("/models/")) modelRequests.push(r.url()); });
  if (route) await page.route("**/models/*", route);
  const t0 = Date.now();
  await page.goto(base + (query ? "?" + query : ""));
  await page.evaluate(() => window.attnlab.ready);
  return { page, errors, modelRequests, firstFrameMs: Date.now() - t0 };
}

// A browser context with these options (playwright's newContext: viewport, deviceScaleFactor,
// isMobile, hasTouch, ...).
export const newContext = (options) => browser.newContext(options);

// The served site's address ("http://127.0.0.1:PORT/"), once the tests run.
export const baseUrl = () => base;

export const state = (page) => page.evaluate(() => window.attnlab.state());

// Waits for n animation frames of the page.
export const frames = (page, n = 3) => page.evaluate((n) => new Promise((r) => {
  const tick = () => (n-- <= 0 ? r() : requestAnimationFrame(tick));
  tick();
}), n);

// Presses a key for exactly one of the app's frames. ImGui reads the keys once a frame: a press
// and release between two frames would go unseen, and a key seen down in two slow frames
// (swiftshader on a loaded machine) would repeat. So the page sends keydown, and keyup from the
// next animation frame's callback, which runs after the app's own (registered a frame earlier).
// Emscripten's GLFW reads keyCode, which a synthetic KeyboardEvent cannot be given otherwise.
const KEY_CODES = { Tab: 9, Enter: 13, Escape: 27, Space: 32, End: 35, Home: 36, ArrowLeft: 37, ArrowUp: 38, ArrowRight: 39, ArrowDown: 40 };
export async function key(page, k) {
  const keyCode = KEY_CODES[k] ?? k.toUpperCase().charCodeAt(0);  // "1" -> 49
  await page.evaluate(([k, keyCode]) => new Promise((resolve) => {
    const send = (type) => {
      const e = new KeyboardEvent(type, { key: k === "Space" ? " " : k, bubbles: true, cancelable: true });
      Object.defineProperty(e, "keyCode", { get: () => keyCode });
      Object.defineProperty(e, "which", { get: () => keyCode });
      (document.activeElement ?? document.body).dispatchEvent(e);
    };
    send("keydown");
    requestAnimationFrame(() => {
      send("keyup");
      requestAnimationFrame(() => requestAnimationFrame(resolve));
    });
  }), [k, keyCode]);
}
