// Browser tests of the first load and of offline use: what the first visit downloads (size
// budget, precompressed files, the loading indicator's byte count), the service worker (the app
// opens and every lesson works with the network off and the server stopped), and a new build's
// version replacing the cached one. Each test serves its own copy of the site (scripts/serve.mjs)
// so that it can stop the server or rebuild the copy.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "../..");
const site = process.env.ATTN_SITE ?? join(repo, "build/wasm/web/site");
let browser;
const servers = [];
const copies = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.ATTN_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--use-gl=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.kill();
  for (const d of copies) rmSync(d, { recursive: true, force: true });
});

async function serve(dir) {
  const server = spawn(process.execPath, [join(repo, "scripts/serve.mjs"), dir, "0"], { stdio: ["ignore", "pipe", "inherit"] });
  servers.push(server);
  const base = await new Promise((resolve, reject) => {
    server.stdout.on("data", (d) => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(String(d));
      if (m) resolve(m[0]);
    });
    server.on("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
  const stop = () => new Promise((resolve) => { server.once("exit", resolve); server.kill(); });
  return { base, stop };
}

function copySite() {
  const dir = mkdtempSync(join(tmpdir(), "attnlab-site-"));
  copies.push(dir);
  cpSync(site, dir, { recursive: true });
  return dir;
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(e.message));
  return { context, page, errors };
}

const ready = (page) => page.evaluate(() => window.attnlab.ready.then(() => true));
const frames = (page, n = 3) => page.evaluate((n) => new Promise((r) => {
  const tick = () => (n-- <= 0 ? r() : requestAnimationFrame(tick));
  tick();
}), n);
// Resolves when a service worker controls the page and its cache holds every file it lists.
const controlled = (page) => page.evaluate(async () => {
  if (!navigator.serviceWorker.controller) {
    await new Promise((r) => navigator.serviceWorker.addEventListener("controllerchange", r, { once: true }));
  }
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = (e) => resolve(e.data);
    navigator.serviceWorker.controller.postMessage("version", [ch.port2]);
  });
});
const cacheNames = (page) => page.evaluate(() => caches.keys());
const stepCount = (s) => s.stepCount;

let firstVisit = null;  // set by the next test: the raw and gzip -9 bytes of what the first visit fetched

test("the first visit fetches the page, scripts and wasm (no service worker yet), precompressed, with a byte count while the wasm loads", async () => {
  const { base } = await serve(site);
  const { context, page, errors } = await newPage();
  const fetched = [];
  page.on("response", (r) => fetched.push({ path: new URL(r.url()).pathname.slice(1) || "index.html",
                                             encoding: r.headers()["content-encoding"] }));
  await page.goto(base);
  await ready(page);
  // After the first frame the deferred code arrives and is linked in.
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((e) => e.name.endsWith("/attnlab.deferred.wasm")),
                             null, { timeout: 30000 });
  // Everything requested before the first frame: the page's resources that started before the
  // mark api.js sets when it draws (the work boot.js starts after the first frame comes later on
  // the same timeline; the responses seen here may arrive in any order around ready). Read once
  // the deferred code has come: a resource enters the timeline when its response has ended.
  const early = await page.evaluate(() => {
    const t = performance.getEntriesByName("attnlab-first-frame")[0].startTime;
    return performance.getEntriesByType("resource").filter((e) => e.startTime < t)
      .map((e) => new URL(e.name).pathname.slice(1));
  });
  const files = ["index.html", ...new Set(early)];
  const before = fetched.filter((f) => files.includes(f.path));
  for (const f of ["index.html", "api.js", "boot.js", "attnlab.js", "attnlab.wasm"]) {
    assert.ok(files.includes(f), `${f} was not fetched (fetched: ${files.join(", ")})`);
  }
  assert.ok(!files.includes("sw.js"), "the service worker is registered only after the first frame");
  assert.ok(!files.includes("attnlab.deferred.wasm"),
    "the deferred code is fetched only after the first frame (if the default lesson now runs code that is not in " +
    "web/first-load-funcs.txt, regenerate it: node tests/e2e/profile-first-load.mjs after the wasm build)");
  // Another lesson then opens and computes with the deferred code, linked in the background
  // (boot.js marks it): a placeholder's call before that would have downloaded it on the spot.
  await page.waitForFunction(() => performance.getEntriesByName("attnlab-deferred-linked").length > 0, null,
                             { timeout: 30000 });
  const train = await page.evaluate(() => window.attnlab.setLesson("train"));
  assert.equal(train.lesson, "train");
  assert.ok(train.stepCount > 1, "the Training lesson has its steps");
  const syncLoads = await page.evaluate(() => performance.getEntriesByType("resource")
    .filter((e) => e.name.endsWith("/attnlab.deferred.wasm") && e.initiatorType === "xmlhttprequest").length);
  assert.equal(syncLoads, 0, "the deferred code was linked in the background, not downloaded on a placeholder's call");
  let raw = 0, gz = 0;
  for (const f of files) {
    const bytes = readFileSync(join(site, f));
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  console.log(`# first visit: ${files.length} files, ${raw} B raw, ${gz} B gzip (${files.join(", ")})`);
  firstVisit = { raw, gz, files };
  // The server sent the big files from their precompressed copies.
  for (const f of ["attnlab.wasm", "attnlab.js"]) {
    const r = before.find((x) => x.path === f);
    assert.equal(r.encoding, "br", `${f} was sent without brotli`);
  }
  // The loading indicator counted the wasm's decoded bytes against the build's total.
  const bar = await page.evaluate(() => {
    const b = document.getElementById("loading-bar");
    return { value: b.value, max: b.max, loadingShown: getComputedStyle(document.getElementById("loading")).display !== "none" };
  });
  const wasmBytes = statSync(join(site, "attnlab.wasm")).size;
  assert.equal(bar.max, wasmBytes);
  assert.equal(bar.value, wasmBytes);
  assert.equal(bar.loadingShown, false, "the loading indicator is hidden after the first frame");
  assert.deepEqual(errors, []);
  await context.close();
});

// The target (issue 13): everything the first visit downloads before the default lesson
// is interactive — page, scripts, wasm, and the trained model the default lesson opens on (its
// path is kept in one place, ui/logic/shipped_models.hpp's kDefaultLessonModelPath; counted
// whether or not the lesson already fetched it before the first frame) — is at most 1.3 MB raw
// and 500 KB gzip -9. Sizes are deterministic for a build, so the bounds are exact.
function defaultLessonModel() {
  const header = readFileSync(join(repo, "ui/logic/shipped_models.hpp"), "utf8");
  const m = /kDefaultLessonModelPath\s*=\s*"([^"]+)"/.exec(header);
  assert.ok(m, "ui/logic/shipped_models.hpp declares kDefaultLessonModelPath");
  return m[1];
}

function firstVisitWithModel() {
  assert.ok(firstVisit, "the first-visit test ran");
  const model = defaultLessonModel();
  let { raw, gz } = firstVisit;
  if (!firstVisit.files.includes(model)) {
    const bytes = readFileSync(join(site, model));
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  console.log(`# first visit with ${model}: ${raw} B raw, ${gz} B gzip`);
  return { model, raw, gz };
}

// The targets (issue 13) hold since the build splits the wasm: attnlab.wasm holds only
// what the default lesson runs (web/first-load-funcs.txt), the rest (attnlab.deferred.wasm) comes
// after the first frame. The first visit with the dates model is about 0.76 MB raw and 338 KB
// gzip -9 (it was 1.38 MB and 590 KB).
test("the first visit, with the default lesson's model, downloads at most 1.3 MB raw", () => {
  const { model, raw } = firstVisitWithModel();
  assert.ok(raw <= 1_300_000, `first visit with ${model}: ${raw} B raw > 1.3 MB`);
});

test("the first visit, with the default lesson's model, downloads at most 500 KB gzip", () => {
  const { model, gz } = firstVisitWithModel();
  assert.ok(gz <= 500_000, `first visit with ${model}: ${gz} B gzip > 500 KB`);
});

// What holds today, a few per cent above the measured sizes: a change that makes the first
// visit heavier fails here (lower the bounds as the download shrinks).
test("the first visit, with the default lesson's model, does not grow: at most 0.8 MB raw and 355 KB gzip", () => {
  const { model, raw, gz } = firstVisitWithModel();
  assert.ok(raw <= 800_000, `first visit with ${model}: ${raw} B raw > 0.8 MB`);
  assert.ok(gz <= 355_000, `first visit with ${model}: ${gz} B gzip > 355 KB`);
});

test("after one visit the app opens with the network off and the server stopped, and every lesson works", async () => {
  const dir = copySite();
  const { base, stop } = await serve(dir);
  const { context, page, errors } = await newPage();
  await page.goto(base + "?lesson=basic");
  await ready(page);
  const version = await controlled(page);
  assert.match(version, /^[0-9a-f]{16}$/);
  assert.deepEqual(await cacheNames(page), [`attnlab-${version}`]);
  const cached = await page.evaluate((name) => caches.open(name).then((c) => c.keys()).then((k) => k.map((r) => new URL(r.url).pathname)), `attnlab-${version}`);
  for (const f of ["/index.html", "/attnlab.wasm", "/attnlab.js", "/api.js", "/boot.js", "/manifest.webmanifest", "/icon-192.png",
                   "/models/reverse.safetensors"]) {
    assert.ok(cached.includes(f), `${f} is not cached (cached: ${cached.join(", ")})`);
  }

  await stop();
  await context.setOffline(true);
  await page.reload();
  await ready(page);
  const lessons = await page.evaluate(() => window.attnlab.lessons());
  assert.ok(lessons.length >= 5, `only ${lessons.length} lessons`);
  for (const { id } of lessons) {
    const s = await page.evaluate((id) => window.attnlab.setLesson(id), id);
    assert.equal(s.lesson, id);
    await frames(page, 4);
    const t = await page.evaluate(() => window.attnlab.state());
    assert.equal(t.lesson, id, `${id}: the lesson did not stay open offline`);
    assert.ok(stepCount(t) > 0, `${id}: no steps offline`);
    if (stepCount(t) > 1) {
      const n = await page.evaluate(() => { window.attnlab.step(0); return window.attnlab.next(); });
      assert.equal(n.step, 1, `${id}: next() did not advance offline`);
    }
  }
  // A shipped model, never fetched before going offline, comes from the cache the first visit filled.
  await page.evaluate(() => { window.attnlab.setLesson("self"); window.attnlab.set("example", "reverse"); });
  await page.waitForFunction(() => window.attnlab.state().model?.state === "ready", null, { timeout: 30000 });
  assert.equal((await page.evaluate(() => window.attnlab.state())).error, "");
  // A deep link with a query opens offline too (navigations get the cached page).
  await page.goto(base + `?lesson=${lessons[1].id}`);
  await ready(page);
  assert.equal((await page.evaluate(() => window.attnlab.state())).lesson, lessons[1].id);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a new build's service worker replaces the cached version and deletes the old cache", async () => {
  const dir = copySite();
  const { base } = await serve(dir);
  const { context, page, errors } = await newPage();
  await page.goto(base);
  await ready(page);
  const first = await controlled(page);
  assert.deepEqual(await cacheNames(page), [`attnlab-${first}`]);

  // "Build" again: a changed api.js, then the build's last step on the copy.
  appendFileSync(join(dir, "api.js"), "\n// build two\n");
  execFileSync(process.execPath, [join(repo, "scripts/site.mjs"), dir, join(repo, "web/sw.js")]);
  const second = /const VERSION = "([0-9a-f]+)"/.exec(readFileSync(join(dir, "sw.js"), "utf8"))[1];
  assert.notEqual(second, first);

  await page.reload();  // the navigation checks sw.js: the new one installs and takes over
  await ready(page);
  // The new worker caches the new build, deletes the old cache, takes over, and the page says so.
  // (Headless chromium here starts the new worker up to about a minute after update() is asked.)
  await page.waitForFunction(() => getComputedStyle(document.getElementById("update")).display === "block", null,
                             { timeout: 150000 });
  // controllerchange comes with the activation; the worker's activate handler deletes the old cache.
  await page.waitForFunction((name) => caches.keys().then((k) => k.length === 1 && k[0] === name), `attnlab-${second}`,
                             { timeout: 30000 });
  // The next load runs the new build, from the new cache.
  await page.reload();
  await ready(page);
  assert.equal(await controlled(page), second);
  const api = await page.evaluate(() => fetch("api.js").then((r) => r.text()));
  assert.ok(api.includes("// build two"), "the new api.js is served");
  assert.deepEqual(errors, []);
  await context.close();
});
