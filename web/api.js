// api.js: window.attnlab, the page's JavaScript API (documented in README.md; types in
// attnlab.d.ts, shipped with the site).
//   attnlab.ready            a Promise, resolved after the first frame is drawn
//   attnlab.state()          {lesson, step, stepCount, stepTitle, formula, params, matrix, ...}
//   attnlab.lessons()        [{id, title, key}] in menu order (key: its number key)
//   attnlab.setLesson(id)    one of lessons()' ids
//   attnlab.step(i)          go to step i (0-based)
//   attnlab.next(), prev()
//   attnlab.set(name, value) a lesson parameter (its link name), or colormap / fontScale / highContrast
//   attnlab.link()           the full deep link of the current view
//   attnlab.export(kind)     download "png" | "csv" | "json" (scenario) | "model" (Training lesson)
//   attnlab.load(kind, bytes) load an image, a scenario or a model (Training lesson) from bytes (Uint8Array)
//   attnlab.on(type, fn)     listen to "lesson" | "step" | "params" | "settings" | "status" |
//                            "training" | "hover" | "focus"; returns a function that unsubscribes
//   attnlab.off(type, fn)    the same as calling what on() returned
// Calls that fail throw an Error with the app's message; the app keeps running. state()'s keys
// and the app's settings are camelCase; lesson parameters keep their link names (d_model, block_q).
(function () {
  "use strict";
  var resolveReady;
  var api = {
    ready: new Promise(function (r) { resolveReady = r; })
  };
  function call(fn, arg) {
    var err = Module.ccall("attnlab_call", "string", ["string", "string"], [fn, arg === undefined ? "" : String(arg)]);
    return err;
  }
  function check(err) {
    if (err) throw new Error(err);
  }
  // A call that changes the app: its events are dispatched before it returns, even when it throws
  // (a refused value can still set the status line).
  function change(fn) {
    try {
      fn();
    } finally {
      poll();
    }
    return api.state();
  }
  api.state = function () { return JSON.parse(Module.ccall("attnlab_state", "string", [], [])); };
  api.lessons = function () { return JSON.parse(call("lessons")); };
  api.setLesson = function (id) { return change(function () { check(call("setLesson", id)); }); };
  api.step = function (i) { return change(function () { check(call("step", i)); }); };
  api.next = function () { return change(function () { call("next"); }); };
  api.prev = function () { return change(function () { call("prev"); }); };
  api.set = function (name, value) {
    var text = typeof value === "boolean" ? (value ? "1" : "0") : String(value);
    return change(function () {
      check(Module.ccall("attnlab_set", "string", ["string", "string"], [String(name), text]));
    });
  };
  api.link = function () { return location.origin + location.pathname + "?" + call("link"); };
  api.export = function (kind) {
    try { check(call("export", kind)); } finally { poll(); }
  };
  api.load = function (kind, bytes) {
    var data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    return change(function () {
      var p = Module._malloc(Math.max(1, data.length));
      try {
        Module.HEAPU8.set(data, p);
        check(Module.ccall("attnlab_load", "string", ["string", "number", "number"], [String(kind), p, data.length]));
      } finally {
        Module._free(p);
      }
    });
  };

  // [events] The app's summary (App::summary_json: the part of state() without matrices and
  // timings) is compared after every frame and after every API call that changes something;
  // what differs becomes events. So each type fires at most once per frame, however many
  // training steps or parameter changes happened in it.
  var listeners = {lesson: [], step: [], params: [], settings: [], status: [], training: [], hover: [], focus: []};
  var SETTINGS = ["colormap", "fontScale", "highContrast"];
  var started = false, lastText = "", last = null, dispatching = false, again = false;

  api.on = function (type, fn) {
    if (!Object.prototype.hasOwnProperty.call(listeners, type))
      throw new TypeError("attnlab.on: unknown event '" + String(type).slice(0, 40) + "' (events: " +
                          Object.keys(listeners).join(", ") + ")");
    if (typeof fn !== "function") throw new TypeError("attnlab.on: the listener must be a function");
    listeners[type].push(fn);
    return function () { api.off(type, fn); };
  };
  api.off = function (type, fn) {
    var list = listeners[type];
    if (!list) return;
    var i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  };

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  // The events from summary `prev` to summary `cur`, in order: [type, payload].
  function events(prev, cur) {
    var out = [];
    if (cur.lesson !== prev.lesson)
      out.push(["lesson", {lesson: cur.lesson, lessonTitle: cur.lessonTitle, previous: prev.lesson}]);
    if (cur.lesson !== prev.lesson || cur.step !== prev.step || cur.stepTitle !== prev.stepTitle ||
        cur.stepKind !== prev.stepKind || cur.stepHead !== prev.stepHead || cur.formula !== prev.formula)
      out.push(["step", {lesson: cur.lesson, step: cur.step, stepCount: cur.stepCount, stepTitle: cur.stepTitle,
                         stepKind: cur.stepKind, stepHead: cur.stepHead, formula: cur.formula}]);
    var changed = Object.keys(cur.params).filter(function (k) {
      return cur.lesson !== prev.lesson || prev.params[k] !== cur.params[k];
    });
    if (changed.length) out.push(["params", {lesson: cur.lesson, params: cur.params, changed: changed}]);
    var settings = SETTINGS.filter(function (k) { return cur[k] !== prev[k]; });
    if (settings.length)
      out.push(["settings", {colormap: cur.colormap, fontScale: cur.fontScale, highContrast: cur.highContrast,
                             changed: settings}]);
    if (cur.status !== prev.status || cur.error !== prev.error)
      out.push(["status", {status: cur.status, error: cur.error}]);
    if (cur.training && !same(cur.training, prev.training)) out.push(["training", cur.training]);
    if (!same(cur.hover, prev.hover)) out.push(["hover", {hover: cur.hover}]);
    if (cur.focus !== prev.focus) out.push(["focus", {focus: cur.focus}]);
    return out;
  }

  function emit(type, payload) {
    listeners[type].slice().forEach(function (fn) {
      try {
        fn(payload);
      } catch (e) {
        setTimeout(function () { throw e; });  // reported like any uncaught error; the app goes on
      }
    });
  }

  function poll() {
    if (!started) return;
    if (dispatching) {  // a listener called the API: its changes are picked up after this round
      again = true;
      return;
    }
    dispatching = true;
    try {
      // A listener that changes the app again gets a few more rounds; the rest waits a frame.
      for (var round = 0; round < 4; round++) {
        again = false;
        var text = Module.ccall("attnlab_summary", "string", [], []);
        if (text === lastText) break;
        var cur = JSON.parse(text), prev = last;
        lastText = text;
        last = cur;
        if (window.attnlabA11y) window.attnlabA11y.update(cur);  // the screen-reader mirror
        events(prev, cur).forEach(function (e) { emit(e[0], e[1]); });
        if (!again) break;
      }
    } finally {
      dispatching = false;
    }
  }

  window.attnlab = api;

  Module.attnlabFirstFrame = function () {
    document.getElementById("loading").style.display = "none";
    document.getElementById("canvas").focus();
    lastText = Module.ccall("attnlab_summary", "string", [], []);
    last = JSON.parse(lastText);
    if (window.attnlabA11y) window.attnlabA11y.update(last);
    started = true;
    // The first frame, on the page's performance timeline: what was fetched before it is what the
    // default lesson waited for (tests/e2e/offline.test.mjs; boot.js's work after it comes later).
    if (window.performance && performance.mark) performance.mark("attnlab-first-frame");
    resolveReady(api);
  };
  Module.attnlabAfterFrame = poll;

  function wirePicker(id, kind) {
    var input = document.getElementById(id);
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      file.arrayBuffer().then(function (buf) {
        try { api.load(kind, new Uint8Array(buf)); } catch (e) { console.warn("attnlab: " + e.message); }
        input.value = "";
      });
    });
  }
  // Emscripten's GLFW listens to the whole window and cancels every Tab (preventDefault), which
  // would keep the keyboard from reaching the canvas and trap it there. Tab goes to the app only
  // while the canvas has the focus, and Shift+Tab outside the app's keyboard navigation leaves
  // the canvas, as the page's key help says. (This listener runs before GLFW's: same phase,
  // added first.)
  window.addEventListener("keydown", function (e) {
    if (e.key !== "Tab") return;
    var inApp = document.activeElement === document.getElementById("canvas");
    if (!inApp || (e.shiftKey && !(last && last.keyboardNav))) e.stopImmediatePropagation();
  }, true);
  // A background tab pauses live lessons (the browser also stops drawing frames there).
  document.addEventListener("visibilitychange", function () {
    if (typeof Module !== "undefined" && Module.calledRun) call("hidden", document.hidden ? "1" : "0");
  });
  document.addEventListener("DOMContentLoaded", function () {
    wirePicker("open-image", "image");
    wirePicker("open-scenario", "scenario");
    wirePicker("open-model", "model");
  });
})();
