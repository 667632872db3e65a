// Phones, tablets, touch and embedding: the web app in chromium's mobile emulation (viewport,
// device scale factor, touch events), driven by real touch events (CDP Input.dispatchTouchEvent).
// Every lesson of attnlab.lessons() is checked at 390×844 (portrait phone, DPR 3), 844×390
// (landscape) and 1024×768 (tablet, DPR 2): the step player and the lesson's view are inside the
// viewport, the text is at least 12 CSS px and the canvas is backed at device resolution; a tap on
// "next" advances the step, a touch drag on a slider changes its parameter, a long press shows the
// tooltip a hover shows. Then: scrolling by one and two fingers, the on-screen keyboard's hidden
// input, and an embedded lesson in an <iframe> (?embed=1&hide=...).
// Positions come from state().layout (regions and parameter widgets in CSS px, ui/app/app.cpp).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const site = process.env.ATTN_SITE ?? join(here, "../../build/wasm/web/site");
let server, base, browser;

export const DEVICES = {
  portrait: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
  landscape: { viewport: { width: 844, height: 390 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
  tablet: { viewport: { width: 1024, height: 768 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
};

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

const frames = (page, n = 3) => page.evaluate((n) => new Promise((r) => {
  const tick = () => (n-- <= 0 ? r() : requestAnimationFrame(tick));
  tick();
}), n);
const state = (page) => page.evaluate(() => window.attnlab.state());
// The state once the layout has settled: a new step's views are measured at the full height for
// one frame, then the stacked page shrinks them to what they use (ui/app/app.cpp, App::view).
async function settled(page) {
  const key = (s) => JSON.stringify([s.layout, s.heatmaps]);
  let s = await state(page);
  for (let i = 0; i < 10; i++) {
    await frames(page, 1);
    const t = await state(page);
    if (key(t) === key(s)) return t;
    s = t;
  }
  return s;
}

// A page of the app on an emulated device; console errors and page errors are collected.
async function open(device, query = "") {
  const context = await browser.newContext(DEVICES[device]);
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(base + (query ? "?" + query : ""));
  await page.evaluate(() => window.attnlab.ready);
  await frames(page, 4);  // the layout of a frame is reported by the next state()
  const cdp = await context.newCDPSession(page);
  return { page, context, errors, cdp };
}

// Touches through the browser's input pipeline, as a touch screen sends them.
const touch = (cdp, type, points) => cdp.send("Input.dispatchTouchEvent", {
  type, touchPoints: points.map(([x, y], id) => ({ x, y, id, radiusX: 4, radiusY: 4, force: 1 })),
});
// A tap: the finger lifts at once (touch.js latches the press for the next frame); software
// rendering at DPR 3 takes long enough per frame that waiting for one would make a long press.
async function tap(page, cdp, x, y) {
  await touch(cdp, "touchStart", [[x, y]]);
  await touch(cdp, "touchEnd", []);
  await frames(page, 3);
}
async function drag(page, cdp, from, to, steps = 8) {
  await touch(cdp, "touchStart", [from]);
  await frames(page, 2);
  for (let i = 1; i <= steps; i++) {
    await touch(cdp, "touchMove", [[from[0] + ((to[0] - from[0]) * i) / steps, from[1] + ((to[1] - from[1]) * i) / steps]]);
    await frames(page, 1);
  }
  await touch(cdp, "touchEnd", []);
  await frames(page, 3);
}
const center = (r) => [r.x + r.w / 2, r.y + r.h / 2];
const inside = (r, vw, vh, what) => {
  assert.ok(r, `${what}: not drawn`);
  assert.ok(r.x >= -0.5 && r.y >= -0.5 && r.x + r.w <= vw + 0.5 && r.y + r.h <= vh + 0.5,
    `${what} ${JSON.stringify(r)} is not inside the ${vw}×${vh} viewport`);
};

// Scrolls by one-finger drags off every widget until the rectangle `pick(state)` is inside the
// viewport; returns the state then. Stacked, the drag is on the page's left margin; wide, on the
// side panel's (the parameters are there).
async function scrollIntoView(page, cdp, pick, vh) {
  let s = await state(page);
  for (let i = 0; i < 12 && pick(s) && (pick(s).y < 0 || pick(s).y + pick(s).h > vh); i++) {
    const r = pick(s);
    const side = s.layout.regions.side;
    const x = side ? side.x + 2 : 1;
    const dy = Math.max(-vh * 0.6, Math.min(vh * 0.6, vh / 2 - (r.y + r.h / 2)));
    const y0 = dy < 0 ? vh * 0.8 : vh * 0.2;
    await drag(page, cdp, [x, y0], [x, y0 + dy]);
    s = await state(page);
  }
  return s;
}

let LESSONS = null;
async function lessonIds() {
  if (LESSONS) return LESSONS;
  const { page, context } = await open("portrait");
  LESSONS = (await page.evaluate(() => window.attnlab.lessons())).map((l) => l.id);
  await context.close();
  assert.ok(LESSONS.length >= 8, `lessons(): ${LESSONS}`);
  return LESSONS;
}

for (const device of Object.keys(DEVICES)) {
  test(`${device}: every lesson fits, a tap on next steps, a drag on a slider changes it, a long press shows a tooltip`, async () => {
    const { width: vw, height: vh } = DEVICES[device].viewport;
    const dpr = DEVICES[device].deviceScaleFactor;
    const report = [];
    for (const id of await lessonIds()) {
      const { page, context, errors, cdp } = await open(device, `lesson=${id}`);
      let s = await state(page);
      assert.equal(s.lesson, id);
      const L = s.layout;
      assert.equal(L.mode, device === "tablet" ? "wide" : "stacked", `${id}: layout mode`);
      assert.ok(L.fontPx >= 12, `${id}: text of ${L.fontPx} CSS px`);
      // HiDPI: the canvas's backing store is its CSS size times the device pixel ratio.
      const backing = await page.evaluate(() => { const c = document.getElementById("canvas"); return [c.width, c.height, c.clientWidth, c.clientHeight]; });
      assert.deepEqual(backing, [Math.round(backing[2] * dpr), Math.round(backing[3] * dpr), vw, vh], `${id}: canvas backing`);
      // The player and the start of the lesson's view are in sight, nothing cut off at the sides.
      inside(L.regions.player, vw, vh, `${id}: player`);
      for (const b of ["playerFirst", "playerPrev", "playerPlay", "playerNext", "playerLast", "playerSlider"])
        inside(L.regions[b], vw, vh, `${id}: ${b}`);
      const view = L.regions.view;
      assert.ok(view && view.x >= 0 && view.x + view.w <= vw + 0.5 && view.y < vh * 0.5,
        `${id}: view ${JSON.stringify(view)} in ${vw}×${vh}`);
      if (L.regions.lessonBar) assert.ok(L.regions.lessonBar.x + L.regions.lessonBar.w <= vw + 0.5, `${id}: lesson bar cut off`);
      // The first heatmap (the main one where a lesson has heatmaps) is scaled to the width.
      if (s.heatmaps.length) {
        const h = s.heatmaps[0];
        assert.ok(h.x >= view.x - 0.5 && h.x + h.w <= view.x + view.w + 0.5, `${id}: heatmap ${JSON.stringify(h)} wider than the view ${JSON.stringify(view)}`);
      }

      // Tap on "next".
      const before = s.step;
      if (s.step + 1 < s.stepCount) {
        await tap(page, cdp, ...center(L.regions.playerNext));
        s = await settled(page);
        assert.equal(s.step, before + 1, `${id}: a tap on next`);
      }

      // A long press on a heatmap in sight shows its tooltip (state().hover) while held, and
      // clicks nothing when released.
      const visible = s.heatmaps.filter((h) => h.y >= 0 && h.y + h.h <= vh && h.w > 8 && h.h > 8);
      if (visible.length) {
        const [x, y] = center(visible[0]);
        await touch(cdp, "touchStart", [[x, y]]);
        await page.waitForTimeout(700);
        await frames(page, 10);  // touch.js: 500 ms and 8 frames
        const held = await state(page);
        assert.ok(held.hover, `${id}: no tooltip on a long press at ${x},${y}`);
        await touch(cdp, "touchEnd", []);
        await frames(page, 3);
        const released = await state(page);
        assert.equal(released.hover, null, `${id}: the tooltip stays after the finger lifted`);
        assert.equal(released.step, s.step);
      }

      // A drag on a slider (scrolled into view by a drag off the widgets); a slider whose range is
      // a single value (the Training lesson's layer with one layer) cannot change: the next one.
      const sliders = (st) => st.layout.paramWidgets.filter((w) => w.kind === "slider");
      let dragged = null;
      for (let k = 0; k < Math.min(3, sliders(s).length) && !dragged; k++) {
        const name = sliders(s)[k].name;
        const pick = (st) => sliders(st).find((w) => w.name === name);
        s = await scrollIntoView(page, cdp, pick, vh);
        const w = pick(s);
        if (!w) continue;
        inside(w, vw, vh, `${id}: slider ${w.name} after scrolling`);
        const v0 = s.params[w.name];
        const from = [w.x + w.w * 0.1, w.y + w.h / 2], to = [w.x + w.w * 0.9, w.y + w.h / 2];
        await drag(page, cdp, from, to);
        let s2 = await state(page);
        if (s2.params[w.name] === v0) {  // it started at the top of its range: drag the other way
          await drag(page, cdp, to, from);
          s2 = await state(page);
          // A disabled slider is no widget to a drag: the drag scrolled the view; scroll it back.
          if (s2.layout.viewScrollX !== s.layout.viewScrollX) {
            await drag(page, cdp, from, to);
            s2 = await state(page);
          }
        }
        if (s2.params[w.name] !== v0) dragged = `${id}: ${w.name} ${v0} → ${s2.params[w.name]}`;
        s = s2;
      }
      if (sliders(s).length) {
        assert.ok(dragged, `${id}: dragging its sliders changed none of them`);
        report.push(dragged);
      }
      await frames(page, 2);
      assert.deepEqual(errors, [], `${id}: console errors`);
      await context.close();
    }
    console.log(`# ${device}: ${report.join("; ")}`);
    assert.ok(report.length >= 4, `sliders dragged in fewer than 4 lessons: ${report}`);
  });
}

test("portrait: one finger off the widgets scrolls the page, two fingers pan a wide heatmap", async () => {
  const { page, context, cdp } = await open("portrait", "lesson=self&n=64");
  const s0 = await state(page);
  assert.ok(s0.layout.pageHeight > 844, `page height ${s0.layout.pageHeight}`);
  assert.equal(s0.layout.scrollY, 0);
  await drag(page, cdp, [1, 700], [1, 300]);
  const s1 = await state(page);
  assert.ok(s1.layout.scrollY > 300, `scrolled by ${s1.layout.scrollY} after a drag of 400 px`);
  await drag(page, cdp, [1, 300], [1, 700]);
  assert.equal((await state(page)).layout.scrollY, 0);
  // Two fingers moving up together scroll the page (or the view under them) down.
  const view = (await state(page)).layout.regions.view;
  const x = view.x + view.w / 2, y = Math.min(600, view.y + view.h / 2);
  await touch(cdp, "touchStart", [[x - 30, y], [x + 30, y]]);
  await frames(page, 2);
  for (let i = 1; i <= 6; i++) {
    await touch(cdp, "touchMove", [[x - 30, y - 40 * i], [x + 30, y - 40 * i]]);
    await frames(page, 1);
  }
  await touch(cdp, "touchEnd", []);
  await frames(page, 3);
  const s2 = await state(page);
  const moved = s2.layout.scrollY > 0 || s2.layout.viewScrollY > 0;
  assert.ok(moved, `two-finger pan moved nothing: ${JSON.stringify(s2.layout)}`);
  assert.equal(s2.step, s0.step, "a pan is not a tap");
  await context.close();
});

test("portrait: tapping a text field focuses the hidden input; typed text and Enter reach the field", async () => {
  const { page, context, cdp, errors } = await open("portrait", "lesson=viz");
  const field = (st) => st.layout.paramWidgets.find((w) => w.name === "sentence");
  const s = await scrollIntoView(page, cdp, field, 844);
  const f = field(s);
  assert.ok(f, "the sentence field is drawn");
  await tap(page, cdp, f.x + f.w - 4, f.y + f.h / 2);
  await frames(page, 3);
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), "text-input",
    "the hidden input has the focus (a phone shows its keyboard)");
  await page.keyboard.press("End");
  await page.keyboard.insertText(" hello");
  await frames(page, 2);
  await page.keyboard.press("Enter");
  await frames(page, 4);
  const after = await state(page);
  assert.ok(after.matrix.rowLabels.includes("hello"), `the typed word is a token: ${JSON.stringify(after.matrix.rowLabels)}`);
  // A tap elsewhere (off the widgets) ends the editing and gives the focus back.
  await tap(page, cdp, 1, 400);
  await frames(page, 6);
  assert.notEqual(await page.evaluate(() => document.activeElement && document.activeElement.id), "text-input");
  assert.deepEqual(errors, []);
  await context.close();
});

test("embed: an <iframe> shows one lesson without the lesson bar, sized to the frame, and hide= hides parts", async () => {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(base + "embed-example.html");
  const frameOf = async (src) => {
    await page.evaluate((src) => { document.querySelector("iframe").src = src; }, src);
    // Wait for the new document: until it replaces the old one, the old one's attnlab answers.
    await page.waitForFunction((src) => {
      const w = document.querySelector("iframe").contentWindow;
      return w.location.href.endsWith(src) && w.attnlab && w.attnlab.ready && w.Module && w.Module.calledRun;
    }, src);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    await frame.evaluate(() => window.attnlab.ready);
    await frame.evaluate(() => new Promise((r) => { let n = 4; const t = () => (n-- <= 0 ? r() : requestAnimationFrame(t)); t(); }));
    return frame;
  };
  // The example page's own frame: dot-product attention, the controls and explanation hidden.
  let frame = await frameOf("index.html?embed=1&lesson=dot&step=5&hide=controls,explain");
  let s = await frame.evaluate(() => window.attnlab.state());
  const box = await page.evaluate(() => { const f = document.querySelector("iframe"); return [f.clientWidth, f.clientHeight]; });
  const canvas = await frame.evaluate(() => { const c = document.getElementById("canvas"); return [c.clientWidth, c.clientHeight]; });
  assert.deepEqual(canvas, box, "the app fills its frame");
  assert.equal(s.lesson, "dot");
  assert.equal(s.step, 5);
  assert.equal(s.layout.embed, true);
  assert.equal(s.layout.regions.lessonBar, undefined, "no lesson bar");
  assert.equal(s.layout.regions.explain, undefined);
  assert.equal(s.layout.regions.controls, undefined);
  assert.deepEqual(s.layout.paramWidgets, [], "no parameter widgets");
  assert.ok(s.layout.regions.player && s.layout.regions.view);
  assert.match(s.link, /embed=1&hide=controls,explain$/, "the link keeps the embedding");
  // The number keys do not leave the lesson.
  await frame.focus("canvas");
  await page.keyboard.press("3");
  await frame.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal((await frame.evaluate(() => window.attnlab.state())).lesson, "dot");

  // One parameter hidden by name, the rest shown; an unknown name is reported.
  frame = await frameOf("index.html?embed=1&lesson=dot&hide=dk,bogus");
  s = await frame.evaluate(() => window.attnlab.state());
  const names = s.layout.paramWidgets.map((w) => w.name);
  assert.ok(!names.includes("dk"), `dk hidden: ${names}`);
  assert.ok(names.length > 0, "the other parameters are shown");
  assert.match(s.status, /hide: unknown part 'bogus' \(parts: controls, explain, player, export, or a parameter of this lesson: .*dk/);
  assert.deepEqual(errors, []);
  await context.close();
});
