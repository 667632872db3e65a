// attnlab.on(type, fn): events from API calls and from the user's keys and mouse, their
// payloads, unsubscribing, and no event storm while a lesson trains.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, state, frames, key } from "./harness.mjs";

// Records every event of the given types in window.events[type].
const record = (page, types) => page.evaluate((types) => {
  window.events = {};
  window.unsubscribe = {};
  for (const t of types) {
    window.events[t] = [];
    window.unsubscribe[t] = window.attnlab.on(t, (e) => window.events[t].push(e));
  }
}, types);
const events = (page) => page.evaluate(() => window.events);
const clear = (page) => page.evaluate(() => { for (const t in window.events) window.events[t] = []; });

test("API calls fire their events before they return, with the documented payloads", async () => {
  const { page, errors } = await open("lesson=dot");
  await record(page, ["lesson", "step", "params", "settings", "status"]);
  // next(): one step event, equal to the state the call returns; nothing else.
  const s1 = await page.evaluate(() => { const s = window.attnlab.next(); return { s, n: window.events.step.length }; });
  assert.equal(s1.n, 1, "the step event came before next() returned");
  let e = await events(page);
  assert.deepEqual(e.step[0], { lesson: "dot", step: s1.s.step, stepCount: s1.s.stepCount, stepTitle: s1.s.stepTitle,
                                stepKind: s1.s.stepKind, stepHead: s1.s.stepHead, formula: s1.s.formula });
  assert.deepEqual([e.lesson.length, e.params.length, e.settings.length], [0, 0, 0]);
  // A step call to the step already shown changes nothing: no event.
  await clear(page);
  await page.evaluate((i) => window.attnlab.step(i), s1.s.step);
  assert.equal((await events(page)).step.length, 0);
  // setLesson(): lesson, then its step and its parameters.
  await clear(page);
  const lessons = await page.evaluate(() => window.attnlab.lessons());
  const s2 = await page.evaluate(() => window.attnlab.setLesson("multihead"));
  e = await events(page);
  assert.deepEqual(e.lesson, [{ lesson: "multihead", lessonTitle: lessons.find((l) => l.id === "multihead").title, previous: "dot" }]);
  assert.equal(e.step.length, 1);
  assert.equal(e.step[0].lesson, "multihead");
  assert.equal(e.step[0].step, s2.step);
  assert.equal(e.params.length, 1);
  assert.deepEqual(e.params[0].params, s2.params);
  assert.deepEqual(e.params[0].changed.sort(), Object.keys(s2.params).sort());
  // set(): the parameter that changed, by its link name.
  await clear(page);
  const s3 = await page.evaluate(() => window.attnlab.set("heads", 2));
  e = await events(page);
  assert.equal(e.params.length, 1);
  assert.ok(e.params[0].changed.includes("heads"), JSON.stringify(e.params[0].changed));
  assert.equal(e.params[0].params.heads, "2");
  assert.deepEqual(e.params[0].params, s3.params);
  assert.deepEqual(e.lesson, []);
  // Settings.
  await clear(page);
  await page.evaluate(() => window.attnlab.set("colormap", "magma"));
  await page.evaluate(() => window.attnlab.set("highContrast", true));
  e = await events(page);
  assert.deepEqual(e.settings.map((x) => x.changed), [["colormap"], ["highContrast"]]);
  assert.deepEqual(e.settings[1], { colormap: "magma", fontScale: 1, highContrast: true, changed: ["highContrast"] });
  // A call that fails still reports what it changed: a broken scenario sets the status line.
  await clear(page);
  await assert.rejects(page.evaluate(() => window.attnlab.load("scenario", new Uint8Array([1, 2, 3]))), /./);
  e = await events(page);
  assert.equal(e.status.length, 1);
  assert.match(e.status[0].status, /scenario not loaded/);
  assert.equal(e.status[0].status, (await state(page)).status);
  assert.deepEqual(errors, []);
  await page.close();
});

test("on() returns an unsubscribe function, off() removes a listener, bad arguments throw", async () => {
  const { page, errors } = await open("lesson=dot");
  const r = await page.evaluate(() => {
    const a = [], b = [], c = [];
    const fa = (e) => a.push(e.step), fb = (e) => b.push(e.step), fc = (e) => c.push(e.step);
    const stopA = window.attnlab.on("step", fa);
    window.attnlab.on("step", fb);
    window.attnlab.on("step", fc);
    window.attnlab.next();
    stopA();
    window.attnlab.off("step", fb);
    window.attnlab.next();
    const errors = [];
    for (const bad of [() => window.attnlab.on("nope", fa), () => window.attnlab.on("step", 5)]) {
      try { bad(); } catch (e) { errors.push(`${e.name}: ${e.message}`); }
    }
    return { a: a.length, b: b.length, c: c.length, errors };
  });
  assert.deepEqual([r.a, r.b, r.c], [1, 1, 2]);
  assert.match(r.errors[0], /^TypeError: attnlab\.on: unknown event 'nope' \(events: lesson, step, params/);
  assert.match(r.errors[1], /^TypeError: attnlab\.on: the listener must be a function/);
  // A listener that throws does not keep the others from hearing, and its error is reported.
  const heard = await page.evaluate(() => {
    let n = 0;
    window.attnlab.on("step", () => { throw new Error("listener failed"); });
    window.attnlab.on("step", () => n++);
    window.attnlab.next();
    return n;
  });
  assert.equal(heard, 1);
  await frames(page, 3);
  assert.deepEqual(errors, ["listener failed"]);
  await page.close();
});

test("the user's keys fire events: a number key opens a lesson, an arrow key steps", async () => {
  const { page, errors } = await open("lesson=basic");
  await record(page, ["lesson", "step"]);
  const lessons = await page.evaluate(() => window.attnlab.lessons());
  await key(page, lessons[1].key);
  await page.waitForFunction(() => window.events.lesson.length > 0);
  let e = await events(page);
  assert.deepEqual(e.lesson, [{ lesson: lessons[1].id, lessonTitle: lessons[1].title, previous: "basic" }]);
  const before = await state(page);
  await clear(page);
  await key(page, "ArrowRight");
  await page.waitForFunction(() => window.events.step.length > 0);
  e = await events(page);
  const after = await state(page);
  assert.equal(after.step, before.step + 1);
  assert.deepEqual(e.step.map((x) => x.step), [after.step]);
  assert.equal(e.step[0].stepTitle, after.stepTitle);
  assert.deepEqual(errors, []);
  await page.close();
});

test("while a lesson trains, each event type fires at most once per frame", async () => {
  const { page, errors } = await open("lesson=train&task=reverse");
  await page.waitForFunction(() => !window.attnlab.state().live);  // the evaluation of step 0
  await record(page, ["training", "step", "params"]);
  // Count the page's frames while it trains 40 of them.
  const frameCount = await page.evaluate(() => new Promise((resolve) => {
    let n = 0;
    window.attnlab.set("running", true);
    const tick = () => (++n < 40 ? requestAnimationFrame(tick) : resolve(n));
    requestAnimationFrame(tick);
  }));
  const e = await page.evaluate(() => {
    const s = window.attnlab.set("running", false);
    return { counts: Object.fromEntries(Object.entries(window.events).map(([k, v]) => [k, v.length])), last: window.events.training.at(-1), s };
  });
  console.log(`# ${frameCount} frames: ${JSON.stringify(e.counts)} events, ${e.s.training.step} training steps`);
  // How many training steps fit in a frame depends on the machine (about 1.4 on the shared
  // 2-core one with SwiftShader); the bound below must hold either way.
  assert.ok(e.s.training.step >= 10, `it trained (${e.s.training.step} steps in ${frameCount} frames)`);
  assert.ok(e.counts.training >= 10, "training events while it ran");
  // One per frame, plus the two set() calls that started and stopped it, plus one frame of slack
  // (the page's frame counter and the app's frames may be one apart).
  for (const [type, n] of Object.entries(e.counts)) assert.ok(n <= frameCount + 3, `${type}: ${n} events in ${frameCount} frames`);
  assert.deepEqual(e.last, e.s.training);
  assert.deepEqual(errors, []);
  await page.close();
});
