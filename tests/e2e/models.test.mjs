// Browser tests of the shipped trained models and the Training lesson's model files: the models
// are separate static files (site/models/), fetched only when a lesson needs one, with "loading"
// while they come and a visible failure when they do not; the self-attention lesson's trained
// reverse head is an anti-diagonal; a model file goes into the Training lesson through
// attnlab.load("model", bytes) and comes out through attnlab.export("model").
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { open as openPage, state, site } from "./harness.mjs";

// A page with the app ready; records page errors (not console errors: a failed fetch logs one)
// and the model files it requested. route: an optional handler for requests of models/*.
const open = (query = "", route = null) => openPage(query, { route, consoleErrors: false });

// Steps back from the last until the shown matrix is the n×n attention weights.
async function weights(page) {
  const count = (await state(page)).stepCount;
  for (let s = count - 1; s >= 0; s--) {
    const m = (await page.evaluate((s) => window.attnlab.step(s), s)).matrix;
    if (m.name === "weights" && m.rows === m.cols) return m;
  }
  throw new Error("no step shows the weights");
}

test("the trained reverse head in the self-attention lesson is an anti-diagonal, fetched when chosen", async () => {
  const { page, errors, modelRequests } = await open("lesson=self");
  // Nothing is fetched until the trained example is chosen (the model is not in the wasm).
  assert.deepEqual(modelRequests, []);
  const wasm = await readFile(join(site, "attnlab.wasm"));
  const model = await readFile(join(site, "models/reverse.safetensors"));
  assert.equal(wasm.indexOf(model.subarray(8, 72)), -1, "the model's header is not inside the wasm");
  await page.evaluate(() => window.attnlab.set("example", "reverse"));
  await page.waitForFunction(() => window.attnlab.state().model?.state === "ready");
  assert.equal(modelRequests.length, 1);
  assert.match(modelRequests[0], /\/models\/reverse\.safetensors$/);
  const s = await state(page);
  assert.equal(s.error, "");
  assert.ok(s.model.maxDifference < 1e-5, `max difference ${s.model.maxDifference}`);
  for (const seed of [1, 2, 3]) {
    await page.evaluate((seed) => window.attnlab.set("seed", seed), seed);
    const m = await weights(page);
    const n = m.rows;
    assert.equal(n, 8);
    let anti = 0;
    for (let i = 0; i < n; i++) {
      const row = m.data.slice(i * n, (i + 1) * n);
      if (row.indexOf(Math.max(...row)) === n - 1 - i) anti++;
    }
    assert.ok(anti >= 7, `seed ${seed}: ${anti} of ${n} rows peak at n - 1 - i`);
  }
  assert.equal(modelRequests.length, 1, "fetched once");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a model on its way shows loading; a missing one a message, and the other examples still work", async () => {
  let release;
  const held = new Promise((r) => { release = r; });
  const { page, errors } = await open("lesson=self", async (route) => { await held; await route.continue(); });
  await page.evaluate(() => window.attnlab.set("example", "reverse"));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal((await state(page)).model.state, "loading");
  release();
  await page.waitForFunction(() => window.attnlab.state().model?.state === "ready");
  await page.close();

  const { page: p2, errors: e2 } = await open("lesson=self&example=reverse", (route) => route.fulfill({ status: 404, body: "" }));
  await p2.waitForFunction(() => window.attnlab.state().model?.state === "failed");
  const s = await state(p2);
  assert.match(s.model.error, /^could not load the trained model models\/reverse\.safetensors: HTTP 404/);
  assert.equal(s.matrix.rows, 0, "nothing stands in for the model");
  const r = await p2.evaluate(() => window.attnlab.set("example", "random"));
  assert.equal(r.error, "");
  assert.ok((await weights(p2)).rows > 0);
  assert.deepEqual(errors, []);
  assert.deepEqual(e2, []);
  await p2.close();
});

test("the Training lesson imports a model file from bytes and exports its model", async () => {
  const { page, errors } = await open("lesson=train&task=sort");
  const bytes = [...(await readFile(join(site, "models/reverse.safetensors")))];
  let s = await page.evaluate((b) => window.attnlab.load("model", new Uint8Array(b)), bytes);
  assert.equal(s.params.task, "reverse");
  assert.equal(s.training.imported.step, 400);
  await page.waitForFunction(() => window.attnlab.state().training.evaluatedStep === 0);
  s = await state(page);
  assert.ok(s.training.heldOutAccuracy >= 0.99, `the shipped reverse model: ${s.training.heldOutAccuracy}`);
  // A wrong file: an error with its message, the run untouched.
  const err = await page.evaluate(() => {
    try { window.attnlab.load("model", new Uint8Array([1, 2, 3])); return ""; } catch (e) { return e.message; }
  });
  assert.match(err, /^model file: /);
  assert.equal((await state(page)).training.imported.step, 400);
  const [download] = await Promise.all([page.waitForEvent("download"), page.evaluate(() => window.attnlab.export("model"))]);
  assert.equal(download.suggestedFilename(), "attnlab-reverse-step0.safetensors");
  const exported = await readFile(await download.path());
  assert.deepEqual(exported.subarray(exported.length - 64), (await readFile(join(site, "models/reverse.safetensors"))).subarray(-64),
                   "the same weights come back out (the last tensor's bytes)");
  assert.deepEqual(errors, []);
  await page.close();
});
