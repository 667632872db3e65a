// Browser tests of the Basic lesson's trained date translator: the model file is fetched when the
// lesson opens (once), the default date and a date from a deep link or set() translate to ISO, the
// alignment puts the year's output characters on the source's year, a weird text is flagged as
// out of the model's depth, and an empty box gets a message; never a NaN, never a console error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, state, frames } from "./harness.mjs";

const ready = (page) => page.waitForFunction(() => window.attnlab.state().model?.state === "ready");
const modelFetches = (page) =>
  page.evaluate(() => performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/models/dates.safetensors")).length);

// The alignment (output characters × source characters) at the last step that shows it.
async function alignment(page) {
  const count = (await state(page)).stepCount;
  for (let s = count - 1; s >= 0; s--) {
    const m = (await page.evaluate((s) => window.attnlab.step(s), s)).matrix;
    if (m.name === "weights") return m;
  }
  throw new Error("no step shows the alignment");
}

test("Basic opens on the trained date model, fetched once, and translates 23 Nov 2026", async () => {
  const { page, errors } = await open();
  await ready(page);
  let s = await state(page);
  assert.equal(s.lesson, "basic");
  assert.equal(s.params.example, "dates");
  assert.equal(s.model.path, "models/dates.safetensors");
  assert.equal(s.translation.source, "23 Nov 2026");
  assert.equal(s.translation.output, "2026-11-23");
  assert.equal(s.translation.outOfDepth, false);
  assert.equal(s.stepCount, 1 + 11 * 5);  // encode, then five stages per output character
  const m = await alignment(page);
  assert.deepEqual([m.rows, m.cols], [11, 11]);
  for (let t = 0; t < 4; t++) {  // the year's characters read "2026" (source characters 7..10)
    const row = m.data.slice(t * 11, t * 11 + 11);
    const year = row.slice(7).reduce((a, b) => a + b, 0);
    assert.ok(year > 0.5, `output ${t}: ${year} on the year`);
  }
  assert.equal(await modelFetches(page), 1);
  s = await page.evaluate(() => window.attnlab.set("example", "handset"));
  assert.equal(s.model, undefined);
  s = await page.evaluate(() => window.attnlab.set("example", "dates"));
  assert.equal(await modelFetches(page), 1, "kept, not fetched again");
  await frames(page, 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a date from a deep link and a typed date translate; the link carries the date and step", async () => {
  const { page, errors } = await open("lesson=basic&example=dates&date=" + encodeURIComponent("the 1st of January 1999") + "&step=7");
  await ready(page);
  let s = await state(page);
  assert.equal(s.translation.output, "1999-01-01");
  assert.equal(s.step, 7);
  assert.equal(s.stepKind, "softmax_row");
  s = await page.evaluate(() => window.attnlab.set("date", "November 9, 1989"));
  assert.equal(s.translation.output, "1989-11-09");
  assert.ok(s.translation.probabilities.every((p) => p > 0.5 && p <= 1));
  const link = await page.evaluate(() => window.attnlab.link());
  assert.match(link, /date=November%209%2C%201989/);
  await frames(page, 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a weird text is out of the model's depth, an empty box gets a message, nothing is NaN", async () => {
  const { page, errors } = await open("lesson=basic");
  await ready(page);
  let s = await page.evaluate(() => window.attnlab.set("date", "hello ☃ world, what day is it today?"));
  assert.equal(s.translation.outOfDepth, true);
  assert.ok(s.translation.warnings.some((w) => /<unk>/.test(w)), s.translation.warnings.join("; "));
  assert.ok(s.translation.probabilities.every(Number.isFinite));
  assert.ok((await alignment(page)).data.every(Number.isFinite));
  await frames(page, 2);
  s = await page.evaluate(() => window.attnlab.set("date", ""));
  assert.match(s.translation.error, /type a date/);
  assert.equal(s.stepCount, 0);
  await frames(page, 2);
  s = await page.evaluate(() => window.attnlab.set("date", "1".repeat(80)));
  assert.equal(s.translation.error, "the text has 80 characters, the limit is 64");
  await frames(page, 2);
  assert.deepEqual(errors, []);
  await page.close();
});
