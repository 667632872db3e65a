// a11y.js: the screen-reader mirror of the canvas. Dear ImGui draws to a <canvas> that assistive
// technology cannot read, so the page keeps off-screen ARIA live regions (web/index.html) with
// what a sighted student sees: the lesson, the current step's title and formula (in words), the
// focused or hovered value, and the status line. api.js calls update() whenever the app's summary
// changes (once per frame at most); nothing here reads the canvas.
//
// Also loaded by tests/e2e/a11y.test.mjs in node (no DOM): spokenFormula and texts are pure.
(function (root) {
  "use strict";

  // Symbols of the app's formulas (core/ and ui/ step formulas are Unicode text) in words.
  var SYMBOLS = {
    "·": " times ", "*": " times ", "×": " by ", "⊙": " elementwise times ", "−": " minus ", "+": " plus ",
    "=": " equals ", "≤": " at most ", "≥": " at least ", "≈": " approximately ", "≠": " not equal to ",
    "→": " to ", "←": " from ", "∞": " infinity ", "∈": " in ", "/": " over ", "ᵀ": " transposed ",
    "²": " squared ", "³": " cubed ", "'": " prime ", "∂": " partial ", "_": " sub ",
    "α": " alpha ", "β": " beta ", "γ": " gamma ", "δ": " delta ", "Δ": " delta ", "ε": " epsilon ",
    "η": " eta ", "θ": " theta ", "λ": " lambda ", "μ": " mu ", "π": " pi ", "σ": " sigma ", "τ": " tau ",
    "√": " square root of ", "Σ": " sum ", "∑": " sum ", "|": " "
  };

  // "o_i = Σ_j α_ij v_j" -> "o sub i equals sum over j of alpha sub ij v sub j".
  function spokenFormula(text) {
    var s = String(text)
      .replace(/[Σ∑]_?([A-Za-z0-9]+)/g, " sum over $1 of ")
      .replace(/√\(([^()]*)\)/g, " square root of ($1) ");
    var out = "";
    for (var i = 0; i < s.length; i++) {
      var c = s.charAt(i);
      out += Object.prototype.hasOwnProperty.call(SYMBOLS, c) ? SYMBOLS[c] : c;
    }
    return out.replace(/\s+/g, " ").replace(/ ([,.;:)])/g, "$1").replace(/\( /g, "(").trim();
  }

  function number(v) {
    if (typeof v !== "number" || !isFinite(v)) return String(v);
    return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
  }

  // The texts of the live regions for one summary (the part of state() api.js watches).
  function texts(s) {
    var step = s.stepCount > 0
      ? "Step " + (s.step + 1) + " of " + s.stepCount + ": " + s.stepTitle + "." +
        (s.formula ? " Formula: " + spokenFormula(s.formula) + "." : "")
      : "This view has no steps.";
    var value = "";
    if (s.focus) value = s.focus;
    else if (s.hover) value = s.hover.heatmap + ", row " + (s.hover.row + 1) + ", column " + (s.hover.col + 1) +
                              ": " + number(s.hover.value);
    return {
      lesson: "Lesson: " + s.lessonTitle,
      step: step,
      value: value,
      status: s.error ? "Error: " + s.error : s.status
    };
  }

  // While a live lesson runs its step changes every frame: the step region follows at most
  // every LIVE_STEP_MS then, so a screen reader is not flooded.
  var LIVE_STEP_MS = 2000;
  var lastStepAt = 0, lastLesson = null;

  function set(id, text) {
    var el = typeof document !== "undefined" && document.getElementById(id);
    if (el && el.textContent !== text) el.textContent = text;  // text, never HTML
  }

  function update(s) {
    var t = texts(s);
    set("a11y-lesson", t.lesson);
    var now = Date.now();
    // A live lesson's step text changes every frame: read at most every LIVE_STEP_MS, except
    // when the lesson itself changed (the old lesson's step must not stay).
    if (!s.live || s.lesson !== lastLesson || now - lastStepAt >= LIVE_STEP_MS) {
      set("a11y-step", t.step);
      lastStepAt = now;
      lastLesson = s.lesson;
    }
    if (t.value) set("a11y-value", t.value);  // keeps the last value when the mouse leaves
    set("a11y-status", t.status);
  }

  root.attnlabA11y = { spokenFormula: spokenFormula, texts: texts, update: update };
})(typeof window !== "undefined" ? window : globalThis);
