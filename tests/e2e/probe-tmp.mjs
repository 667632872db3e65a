// measure-train.mjs: the Training lesson's figures for the report (not a test). Serves the built
// site, opens it in headless chromium and, for each task, presses Train (set("running", 1)) and
// measures the time until the held-out accuracy reaches the target, the steps that took, and the
// frame rate meanwhile (requestAnimationFrame callbacks per second: the mean, and the slowest
// one-second window).
//   node tests/e2e/measure-train.mjs [site-dir] [task[:target[:timeout_s[:seed]]] ...]
// Default: reverse:0.99:30 sort:0.98:60 induction:0.9:180 dates:0.98:120, seed 1. For dates the
// target is the held-out exact match (whole dates right, greedy), for the others the accuracy.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const site = process.argv[2] ?? join(here, "../../build/wasm/web/site");
const runs = (process.argv.length > 3 ? process.argv.slice(3) : ["reverse:0.99:30", "sort:0.98:60", "induction:0.9:180", "dates:0.98:120"])
  .map((s) => { const [task, target, timeout, seed] = s.split(":"); return { task, target: Number(target), timeout: Number(timeout ?? 120), seed: seed ?? "1",
    metric: task === "dates" ? "heldOutExact" : "heldOutAccuracy" }; });
const server = spawn(process.execPath, [join(here, "../../scripts/serve.mjs"), site, "0"], { stdio: ["ignore", "pipe", "inherit"] });
const base = await new Promise((r) => server.stdout.on("data", (d) => { const m = /http:\S+/.exec(String(d)); if (m) r(m[0]); }));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--use-gl=swiftshader",
  "--enable-unsafe-swiftshader", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"] });
for (const run of runs) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${base}?lesson=train&task=${run.task}&seed=${run.seed}${process.env.EXTRA ?? ""}`);
  await page.evaluate(() => window.attnlab.ready);
  await page.waitForFunction(() => !window.attnlab.state().live);  // step 0's evaluation
  const idle = await page.evaluate(() => new Promise((res) => { const s = []; const f = (now) => { s.push([now, window.attnlab.state()]); if (s.length < 60) requestAnimationFrame(f); else res({ fps: 59000 / (s[59][0] - s[0][0]) * 1000 / 1000, frameMs: s.map((x) => x[1].frameMs).slice(-5), computeMs: s.map((x) => x[1].computeMs).slice(-5) }); }; requestAnimationFrame(f); }));
  console.log("idle", JSON.stringify(idle));
  const result = await page.evaluate(({ target, timeout, metric }) => new Promise((resolve) => {
    const stamps = []; const samples = [];
    const t0 = performance.now();
    let reached = null;
    window.attnlab.set("running", 1);
    const tick = (now) => {
      stamps.push(now); const st = window.attnlab.state(); if (stamps.length % 15 == 0) samples.push([Math.round(now - t0), st.frameMs?.toFixed(1), st.advanceMs?.toFixed(1), st.advanceBudgetMs?.toFixed(1), st.computeMs?.toFixed(1), st.training.step]);
      const t = window.attnlab.state().training;
      if (!reached && t[metric] !== null && t[metric] >= target)
        reached = { seconds: (now - t0) / 1000, step: t.evaluatedStep, accuracy: t[metric] };
      if (reached || now - t0 > timeout * 1000) {
        window.attnlab.set("running", 0);
        let slowest = Infinity;
        for (let i = 0, j = 0; i < stamps.length; i++) {
          while (stamps[i] - stamps[j] > 1000) j++;
          if (stamps[i] - stamps[0] >= 1000) slowest = Math.min(slowest, i - j + 1);
        }
        resolve({ samples, reached, frames: stamps.length, seconds: (now - t0) / 1000, slowest, last: t });
      } else {
        requestAnimationFrame(tick);
      }
    };
    requestAnimationFrame(tick);
  }), run);
  const fps = result.frames / result.seconds; for (const s of result.samples) console.log(s.join(" "));
  const r = result.reached;
  console.log(`${run.task} (seed ${run.seed}): ${r ? `held-out ${run.metric} ${r.accuracy.toFixed(4)} ≥ ${run.target} at step ${r.step}, ${r.seconds.toFixed(1)} s after Train`
    : `not reached in ${run.timeout} s (step ${result.last.step}, ${run.metric} ${result.last[run.metric]})`}; ${fps.toFixed(1)} frames/s mean, slowest second ${result.slowest} frames; ${result.last.stepsPerSecond?.toFixed(0)} steps/s at the end`);
  await page.close();
}
await browser.close();
server.kill();
