// Browser end-to-end tests: the web app served on 127.0.0.1, driven in Debian's chromium by
// playwright-core. Run by scripts/test after the wasm build (ATTN_SITE = the built site folder).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { open, state, frames } from "./harness.mjs";

test("the page loads with no console errors and opens the Basic lesson on its trained example", async () => {
  const { page, errors, firstFrameMs } = await open();
  // Its example is the trained date translator, fetched when the lesson opens.
  await page.waitForFunction(() => window.attnlab.state().model?.state === "ready");
  const s = await state(page);
  console.log(`# time to first frame: ${firstFrameMs} ms`);
  assert.equal(s.lesson, "basic");
  assert.ok(s.stepCount > 0, "the example has steps");
  assert.ok(s.matrix.rows > 0 && s.matrix.cols > 0);
  await frames(page);
  assert.deepEqual(errors, []);
  await page.close();
});

test("every lesson is reachable through the JS API and through a deep link", async () => {
  const { page, errors } = await open();
  // The lessons come from the app's registry, in menu order, with their number keys.
  const lessons = await page.evaluate(() => window.attnlab.lessons());
  assert.ok(lessons.length >= 7, `lessons(): ${JSON.stringify(lessons)}`);
  assert.equal(lessons[0].id, "basic");
  lessons.forEach((l, k) => {
    assert.equal(l.key, String(k + 1));
    assert.ok(l.title.length > 0);
  });
  const LESSONS = lessons.map((l) => l.id);
  const ids = [];
  for (const id of LESSONS) {
    const s = await page.evaluate((id) => window.attnlab.setLesson(id), id);
    assert.equal(s.lesson, id);
    assert.equal(s.error, "", `${id}: ${s.error}`);
    ids.push(id);
    await frames(page, 2);
  }
  await assert.rejects(page.evaluate(() => window.attnlab.setLesson("nope")), /unknown lesson 'nope'/);
  assert.deepEqual(errors, []);
  await page.close();
  for (const id of LESSONS) {
    const { page: p, errors: e } = await open(`lesson=${id}&step=1`);
    // A lesson whose example is a shipped model (Basic's dates) has its steps once the model
    // arrives; the link's step waits for them.
    await p.waitForFunction(() => window.attnlab.state().model?.state !== "loading");
    const s = await state(p);
    assert.equal(s.lesson, id);
    assert.ok(s.stepCount > 0, `${id}: ${s.stepCount} steps (model ${JSON.stringify(s.model)})`);
    assert.equal(s.step, Math.min(1, s.stepCount - 1), id);
    await frames(p, 2);
    assert.deepEqual(e, [], `${id}: console errors`);
    await p.close();
  }
});

test("stepping changes state(), and the link restores the view", async () => {
  const { page } = await open("lesson=dot");
  const s0 = await page.evaluate(() => window.attnlab.step(0));
  const s1 = await page.evaluate(() => window.attnlab.next());
  assert.equal(s1.step, s0.step + 1);
  assert.notEqual(s1.stepTitle, s0.stepTitle);
  assert.ok(s1.formula.length > 0);
  const s2 = await page.evaluate(() => window.attnlab.set("dk", "64"));
  assert.equal(s2.params.dk, "64");
  await page.evaluate(() => window.attnlab.step(7));
  const link = await page.evaluate(() => window.attnlab.link());
  const back = await page.evaluate(() => window.attnlab.prev());
  assert.equal(back.step, 6);
  await assert.rejects(page.evaluate(() => window.attnlab.set("dk", "100000")), /dk: 100000 is outside 2\.\.512/);
  await page.close();
  const { page: p2 } = await open(link.split("?")[1]);
  const restored = await state(p2);
  assert.equal(restored.lesson, "dot");
  assert.equal(restored.step, 7);
  assert.equal(restored.params.dk, "64");
  await p2.close();
});

test("the heatmap area is drawn (not the background) and hovering it shows a tooltip", async () => {
  const { page } = await open("lesson=dot&step=49");
  await frames(page, 3);
  const s = await state(page);
  assert.ok(s.heatmaps.length > 0, "heatmaps were drawn");
  const h = s.heatmaps[s.heatmaps.length > 1 ? 1 : 0];
  const shot = await page.screenshot({ clip: { x: h.x, y: h.y, width: Math.max(2, h.w), height: Math.max(2, h.h) } });
  const bg = await page.screenshot({ clip: { x: 2, y: 790, width: 4, height: 4 } });
  assert.ok(!shot.equals(bg));
  const before = await page.screenshot();
  await page.mouse.move(h.x + h.w * 0.5, h.y + h.h * 0.5);
  await frames(page, 4);
  const hovered = await state(page);
  assert.ok(hovered.hover, "state().hover is set while the mouse is over a heatmap");
  assert.equal(typeof hovered.hover.value, "number");
  const after = await page.screenshot();
  assert.ok(!after.equals(before), "the tooltip changed the picture");
  await page.close();
});

test("CSV export holds exactly state().matrix", async () => {
  const { page } = await open("lesson=dot&step=49");
  const s = await state(page);
  const [download] = await Promise.all([page.waitForEvent("download"), page.evaluate(() => window.attnlab.export("csv"))]);
  const text = await readFile(await download.path(), "utf8");
  const rows = text.trim().split("\n").map((l) => l.split(",").map(Number));
  assert.equal(rows.length, s.matrix.rows);
  assert.equal(rows[0].length, s.matrix.cols);
  rows.flat().forEach((v, i) => assert.ok(Math.abs(v - s.matrix.data[i]) <= 1e-6 * Math.max(1, Math.abs(v)), `cell ${i}`));
  await page.close();
});

test("an undecodable image upload shows an error and the app keeps running", async () => {
  const { page, errors } = await open("lesson=conv");
  await page.setInputFiles("#open-image", { name: "broken.png", mimeType: "image/png", buffer: Buffer.from("this is not a png at all") });
  await page.waitForFunction(() => window.attnlab.state().status !== "");
  const s = await state(page);
  assert.match(s.status, /image/i);
  assert.equal(s.lesson, "conv");
  const n = await page.evaluate(() => window.attnlab.next());
  assert.equal(n.lesson, "conv");
  await frames(page, 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a hostile deep link is ignored with a message, and nothing from it becomes HTML", async () => {
  const evil = encodeURIComponent("<img src=x onerror=window.pwned=1>");
  const { page, errors } = await open(`lesson=${evil}&step=99999999999&dk=${evil}&n=1e308`);
  const s = await state(page);
  assert.equal(s.lesson, "basic");
  assert.match(s.status, /link:/);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.evaluate(() => document.querySelectorAll("img").length), 0);
  await frames(page, 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test("state() carries each step's typed kind and head; static lessons are not live", async () => {
  const { page } = await open("lesson=multihead&detail=coarse");
  const n = (await state(page)).stepCount;
  const kinds = new Set();
  const heads = new Set();
  for (let i = 0; i < n; i++) {
    const s = await page.evaluate((i) => window.attnlab.step(i), i);
    kinds.add(s.stepKind);
    heads.add(s.stepHead);
    assert.equal(s.live, false);
    assert.equal(s.follow, "fixed");
  }
  for (const k of ["projection", "scores", "softmax", "concat"]) assert.ok(kinds.has(k), `${k} in ${[...kinds]}`);
  for (const h of [-1, 0, 1]) assert.ok(heads.has(h), `head ${h} in ${[...heads]}`);
  await page.close();
});

test("the Training lesson trains in the page: accuracy rises while the page keeps drawing frames", async () => {
  const { page, errors } = await open("lesson=train");
  let s = await page.evaluate(() => window.attnlab.set("task", "reverse"));
  assert.equal(s.training.task, "reverse");
  assert.equal(s.training.step, 0);
  assert.ok(s.stepCount > 0, "step 1 is recorded before training starts");
  await page.waitForFunction(() => !window.attnlab.state().live);  // the held-out evaluation of step 0
  const first = (await state(page)).training.heldOutAccuracy;
  assert.equal(typeof first, "number");
  // Frames per second paused (1 s), then training (3 s): requestAnimationFrame callbacks.
  const rate = (ms) => page.evaluate((ms) => new Promise((resolve) => {
    let n = 0;
    const t0 = performance.now();
    const tick = () => { n++; performance.now() - t0 < ms ? requestAnimationFrame(tick) : resolve(n / (ms / 1000)); };
    requestAnimationFrame(tick);
  }), ms);
  const idle = await rate(1000);
  await page.evaluate(() => window.attnlab.set("running", 1));
  const training = await rate(3000);
  s = await page.evaluate(() => window.attnlab.set("running", 0));
  console.log(`# frames/s: ${idle.toFixed(1)} paused, ${training.toFixed(1)} training (${s.training.step} steps in 3 s); held-out accuracy ${first} -> ${s.training.heldOutAccuracy}`);
  assert.equal(s.training.running, false);
  assert.ok(s.training.step > 20, `steps: ${s.training.step}`);
  assert.ok(s.training.heldOutAccuracy > first + 0.3, `accuracy ${first} -> ${s.training.heldOutAccuracy}`);
  await page.waitForFunction(() => !window.attnlab.state().live);  // an evaluation due finishes first
  assert.equal((await state(page)).follow, "fixed");
  // Training takes at most its 8 ms slice of each frame: the page keeps most of its frame rate
  // (relative, because the machine's own rate varies; the absolute rate is printed above).
  assert.ok(training >= 0.5 * idle, `${training.toFixed(1)} frames/s training, ${idle.toFixed(1)} paused`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a Training link retrains to the same step and shows the same numbers", async () => {
  const { page } = await open("lesson=train&task=sort&spf=5");
  await page.evaluate(() => window.attnlab.set("running", 1));
  await page.waitForFunction(() => window.attnlab.state().training.step >= 60);
  await page.evaluate(() => window.attnlab.set("running", 0));
  await page.waitForFunction(() => !window.attnlab.state().live);  // the evaluation due, if any
  const trained = (await state(page)).training;
  const link = await page.evaluate(() => window.attnlab.link());
  assert.match(link, new RegExp(`steps=${trained.step}`));
  await page.close();
  const { page: p2, errors } = await open(link.split("?")[1]);
  let s = await state(p2);
  assert.equal(s.training.replayTarget, trained.step);
  await p2.waitForFunction(() => { const s = window.attnlab.state(); return !s.training.replaying && !s.live; });
  s = await state(p2);
  assert.equal(s.training.step, trained.step);
  assert.equal(s.training.loss, trained.loss);
  assert.equal(s.training.heldOutAccuracy, trained.heldOutAccuracy);
  assert.equal(s.training.evaluatedStep, trained.evaluatedStep);
  assert.deepEqual(errors, []);
  await p2.close();
});

// Every key of state(), nested ones too, is camelCase; only params' keys are lesson parameter
// names, which keep the spelling they have in links (d_model, block_q).
function snakeKeys(value, path = "state()") {
  if (value === null || typeof value !== "object") return [];
  const out = [];
  for (const [k, v] of Object.entries(value)) {
    if (Array.isArray(value)) { out.push(...snakeKeys(v, `${path}[${k}]`)); continue; }
    if (!/^[a-z][a-zA-Z0-9]*$/.test(k)) out.push(`${path}.${k}`);
    if (path === "state()" && k === "params") continue;
    out.push(...snakeKeys(v, `${path}.${k}`));
  }
  return out;
}

test("state() uses camelCase keys in every lesson, and set() takes the app's settings by those names", async () => {
  const { page, errors } = await open();
  const lessons = await page.evaluate(() => window.attnlab.lessons());
  for (const { id } of lessons) {
    await page.evaluate((id) => window.attnlab.setLesson(id), id);
    await frames(page, 2);
    const s = await state(page);
    assert.deepEqual(snakeKeys(s), [], `${id}`);
    for (const k of ["stepCount", "stepTitle", "stepKind", "stepHead", "frameMs", "advanceMs", "frameBudgetMs", "advanceBudgetMs", "lessonTitle"])
      assert.ok(k in s, `${id}: state().${k}`);
    assert.ok("rowLabels" in s.matrix && "colLabels" in s.matrix, `${id}: matrix labels`);
  }
  let s = await page.evaluate(() => window.attnlab.set("fontScale", 2));
  assert.equal(s.fontScale, 2);
  s = await page.evaluate(() => window.attnlab.set("highContrast", true));
  assert.equal(s.highContrast, true);
  s = await page.evaluate(() => window.attnlab.set("highContrast", false));
  assert.equal(s.highContrast, false);
  await assert.rejects(page.evaluate(() => window.attnlab.set("fontScale", 9)), /fontScale: 9 is outside 1\.\.3/);
  await assert.rejects(page.evaluate(() => window.attnlab.set("font_scale", 2)), /unknown parameter 'font_scale'/);
  await frames(page, 2);
  assert.deepEqual(errors, []);
  await page.close();
});
