// profile-first-load.mjs: writes web/first-load-funcs.txt, the wasm functions that go into
// attnlab.wasm (the first download); the build (web/CMakeLists.txt) moves every other function
// into attnlab.deferred.wasm, which the page fetches after the first frame (boot.js). Run it
// after a wasm build when the code the default lesson runs has changed (not a test; a function
// missing from the list still works: its first call loads the deferred module if it has not
// arrived yet, at the cost of a synchronous download then).
//   node tests/e2e/profile-first-load.mjs [build/wasm]
// It instruments the build's whole module (build/wasm/web/attnlab.full.wasm, with function
// names) with binaryen's wasm-split, opens a copy of the site with it in headless chromium,
// and does what a first visit does before and while using the default lesson: the first frames
// at a desktop size and at a phone's (stacked layout), every step of the default lesson
// forwards and back, hovering its views, and typing a date. The functions that ran are the list.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "../..");
const build = process.argv[2] ?? join(repo, "build/wasm");
const full = join(build, "web/attnlab.full.wasm");
const features = ["--enable-simd", "--enable-exception-handling", "--enable-bulk-memory", "--enable-sign-ext",
  "--enable-mutable-globals", "--enable-nontrapping-float-to-int"];
const dir = mkdtempSync(join(tmpdir(), "attnlab-profile-"));
const site = join(dir, "site");
cpSync(join(build, "web/site"), site, { recursive: true });
for (const f of ["attnlab.wasm.gz", "attnlab.wasm.br", "attnlab.deferred.wasm", "attnlab.deferred.wasm.gz", "attnlab.deferred.wasm.br", "sw.js"]) rmSync(join(site, f), { force: true });
execFileSync("wasm-split", [full, "--instrument", "-o", join(site, "attnlab.wasm"), ...features], { stdio: "inherit" });
// boot.js checks the size it was built with only for the loading bar: no change needed.

const server = spawn(process.execPath, [join(repo, "scripts/serve.mjs"), site, "0"], { stdio: ["ignore", "pipe", "inherit"] });
const base = await new Promise((r) => server.stdout.on("data", (d) => { const m = /http:\S+/.exec(String(d)); if (m) r(m[0]); }));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--use-gl=swiftshader",
  "--enable-unsafe-swiftshader", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
// The instrumented module has no placeholders: keep boot.js from fetching a deferred module.
await page.route("**/attnlab.deferred.wasm", (r) => r.abort());
await page.addInitScript(() => {
  const streaming = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = async (...args) => {
    const result = await streaming.apply(WebAssembly, args);
    window.profiledInstance = result.instance;
    return result;
  };
});
await page.goto(base);
await page.evaluate(() => window.attnlab.ready);
const frames = (n) => page.evaluate((n) => new Promise((r) => { let k = 0; const t = () => (++k < n ? requestAnimationFrame(t) : r()); requestAnimationFrame(t); }), n);
async function useDefaultLesson() {
  await frames(10);
  const count = await page.evaluate(() => window.attnlab.state().stepCount);
  for (let i = 0; i < count; i++) { await page.evaluate(() => window.attnlab.next()); await frames(1); }
  for (let i = 0; i < count; i++) { await page.evaluate(() => window.attnlab.prev()); await frames(1); }
  const { width, height } = page.viewportSize();
  for (let y = 40; y < height; y += 60) for (let x = 40; x < width; x += 120) { await page.mouse.move(x, y); await frames(1); }
  await page.evaluate(() => window.attnlab.set("date", "the 1st of January 1999"));
  await page.evaluate(() => window.attnlab.set("date", "not a date"));
  await page.evaluate(() => window.attnlab.set("date", "23 Nov 2026"));
  await frames(5);
}
await useDefaultLesson();
await page.setViewportSize({ width: 390, height: 844 });
await useDefaultLesson();
const profile = await page.evaluate(() => {
  const ex = window.profiledInstance.exports;
  const memory = Object.values(ex).find((v) => v instanceof WebAssembly.Memory);
  const size = 1 << 20, p = Module._malloc(size);
  const n = ex.__write_profile(p, size);
  return Array.from(new Uint8Array(memory.buffer, p, n));
});
await browser.close();
server.kill();
writeFileSync(join(dir, "first-load.prof"), Buffer.from(profile));

execFileSync("wasm-split", [full, `--profile=${join(dir, "first-load.prof")}`, "--symbolmap", "-o1", join(dir, "primary.wasm"),
  "-o2", join(dir, "secondary.wasm"), ...features], { stdio: "inherit" });
// primary.wasm.symbols: "index:name" per function of the primary module (imports included).
const names = readFileSync(join(dir, "primary.wasm.symbols"), "utf8").split("\n")
  .map((l) => l.slice(l.indexOf(":") + 1)).filter((n) => n && !n.startsWith("placeholder"));
const out = join(repo, "web/first-load-funcs.txt");
writeFileSync(out, [...new Set(names)].sort().join("\n") + "\n");
console.log(`profile-first-load: ${names.length} functions in the first download -> ${out}`);
rmSync(dir, { recursive: true, force: true });
