// Accessibility: the off-screen ARIA live regions that mirror the canvas (web/a11y.js), the
// canvas's role and label, and keyboard use alone: Tab from the page into the app, number keys
// for lessons, arrows for steps, Tab into ImGui's keyboard navigation and out again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import vm from "node:vm";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { open, state, frames, key } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));

// web/a11y.js in node, without a page.
async function a11y() {
  const context = { globalThis: {} };
  context.globalThis = context;
  vm.runInNewContext(await readFile(join(here, "../../web/a11y.js"), "utf8"), context);
  return context.attnlabA11y;
}

test("formulas are read in words", async () => {
  const { spokenFormula } = await a11y();
  assert.equal(spokenFormula("o_i = Σ_j α_ij v_j"), "o sub i equals sum over j of alpha sub ij v sub j");
  assert.equal(spokenFormula("S0 = Q0·K0ᵀ / √8"), "S0 equals Q0 times K0 transposed over square root of 8");
  assert.equal(spokenFormula("dS_i = P_i ⊙ (dP_i − r_i)"), "dS sub i equals P sub i elementwise times (dP sub i minus r sub i)");
  assert.equal(spokenFormula("3·n·d² + 2·n²·d"), "3 times n times d squared plus 2 times n squared times d");
  assert.equal(spokenFormula(""), "");
});

test("the live regions' texts say the lesson, the step with its formula, the value and the status", async () => {
  const { texts } = await a11y();
  const base = { lessonTitle: "Dot product", step: 2, stepCount: 10, stepTitle: "scores row 2", formula: "s_ij = q_i·k_j",
                 focus: null, hover: null, status: "", error: "", live: false };
  assert.deepEqual({ ...texts(base) }, {
    lesson: "Lesson: Dot product",
    step: "Step 3 of 10: scores row 2. Formula: s sub ij equals q sub i times k sub j.",
    value: "",
    status: "",
  });
  const hovered = texts({ ...base, hover: { heatmap: "weights", row: 0, col: 3, value: 0.123456 } });
  assert.equal(hovered.value, "weights, row 1, column 4: 0.1235");
  assert.equal(texts({ ...base, hover: hovered, focus: "tokens n: 8" }).value, "tokens n: 8");  // focus first
  assert.equal(texts({ ...base, stepCount: 0 }).step, "This view has no steps.");
  assert.equal(texts({ ...base, error: "d_k: 0 is outside 2..512" }).status, "Error: d_k: 0 is outside 2..512");
});

const text = (page, id) => page.evaluate((id) => document.getElementById(id).textContent, id);
const stepText = (s) => `Step ${s.step + 1} of ${s.stepCount}: ${s.stepTitle}.`;

test("keyboard alone: Tab into the app, keys open lessons and step, and the live regions follow", async () => {
  const { page, errors } = await open();
  // The canvas is announced as an application with a name and its keys.
  const canvas = await page.evaluate(() => {
    const c = document.getElementById("canvas");
    return { role: c.getAttribute("role"), label: c.getAttribute("aria-label"),
             keys: document.getElementById(c.getAttribute("aria-describedby")).textContent,
             live: ["a11y-lesson", "a11y-step", "a11y-value"].map((id) => document.getElementById(id).getAttribute("aria-live")) };
  });
  assert.equal(canvas.role, "application");
  assert.match(canvas.label, /attnlab/);
  assert.match(canvas.keys, /number keys open the lessons/);
  assert.deepEqual(canvas.live, ["polite", "polite", "polite"]);
  const lessons = await page.evaluate(() => window.attnlab.lessons());
  assert.equal(await text(page, "a11y-lesson"), `Lesson: ${lessons[0].title}`);

  // From the page (a link before the app, as a page around it would have), Tab reaches the canvas.
  await page.evaluate(() => {
    const a = document.createElement("a");
    a.href = "#";
    a.id = "before";
    a.textContent = "before the app";
    document.body.prepend(a);
    a.focus();
  });
  assert.equal(await page.evaluate(() => document.activeElement.id), "before");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "canvas");

  // Every lesson by its number key; the lesson and step regions say where the student is.
  for (const l of lessons.slice(0, 9)) {
    await key(page, l.key);
    await page.waitForFunction((id) => window.attnlab.state().lesson === id, l.id);
    await frames(page, 2);
    const s = await state(page);
    assert.equal(await text(page, "a11y-lesson"), `Lesson: ${l.title}`);
    const spoken = await text(page, "a11y-step");
    if (s.stepCount > 0) assert.ok(spoken.startsWith(stepText(s)), `${l.id}: "${spoken}" for ${JSON.stringify(stepText(s))}`);
  }

  // The step player by the arrows: the step region reads the new step and its formula in words.
  await key(page, lessons[1].key);
  await page.waitForFunction((id) => window.attnlab.state().lesson === id, lessons[1].id);
  await key(page, "Home");
  await key(page, "ArrowRight");
  await frames(page, 2);
  const s = await state(page);
  assert.equal(s.step, 1);
  const spoken = await text(page, "a11y-step");
  assert.ok(spoken.startsWith(stepText(s)), spoken);
  if (s.formula) assert.match(spoken, / Formula: \S/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("keyboard navigation: Tab focuses the open lesson's button, arrows and Space open another, Escape gives the arrows back to the player", async () => {
  const { page, errors } = await open("lesson=basic");
  const lessons = await page.evaluate(() => window.attnlab.lessons());
  // The Basic lesson's steps come with its model (and the link's default step with them).
  await page.waitForFunction(() => window.attnlab.state().model?.state !== "loading");
  const before = await state(page);
  await key(page, "Tab");
  let s = await state(page);
  assert.equal(s.keyboardNav, true);
  assert.equal(s.focus, `lesson 1 ${lessons[0].title} (open)`);
  assert.equal(await text(page, "a11y-value"), s.focus, "the value region reads the focused widget");
  // The arrows now move the focus, not the step: along every lesson's button and on.
  const seen = [s.focus];
  for (let i = 0; i <= lessons.length; i++) {
    await key(page, "ArrowRight");
    seen.push((await state(page)).focus);
  }
  assert.deepEqual(seen, [...lessons.map((l, k) => `lesson ${k + 1} ${l.title}${k === 0 ? " (open)" : ""}`), "copy link", "view options"]);
  assert.equal((await state(page)).step, before.step);
  for (let i = 0; i < lessons.length; i++) await key(page, "ArrowLeft");
  s = await state(page);
  assert.equal(s.focus, `lesson 2 ${lessons[1].title}`);
  assert.equal(s.step, before.step);
  await key(page, "Space");
  await page.waitForFunction((id) => window.attnlab.state().lesson === id, lessons[1].id);
  assert.equal(await text(page, "a11y-lesson"), `Lesson: ${lessons[1].title}`);
  // Escape leaves the keyboard navigation: the arrows step again.
  await key(page, "Escape");
  s = await state(page);
  assert.equal(s.keyboardNav, false);
  await key(page, "ArrowRight");
  assert.equal((await state(page)).step, s.step + 1);
  // Shift+Tab, outside the navigation, leaves the canvas: no keyboard trap.
  await page.keyboard.press("Shift+Tab");
  assert.notEqual(await page.evaluate(() => document.activeElement.id), "canvas");
  assert.deepEqual(errors, []);
  await page.close();
});
