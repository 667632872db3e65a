// api.js: window.attnlab, the page's JavaScript API (documented in README.md).
//   attnlab.ready            a Promise, resolved after the first frame is drawn
//   attnlab.state()          {lesson, step, stepCount, stepTitle, formula, params, matrix, ...}
//   attnlab.lessons()        [{id, title, key}] in menu order (key: its number key)
//   attnlab.setLesson(id)    one of lessons()' ids
//   attnlab.step(i)          go to step i (0-based)
//   attnlab.next(), prev()
//   attnlab.set(name, value) a lesson parameter (its link name), or colormap / fontScale / highContrast
//   attnlab.link()           the full deep link of the current view
//   attnlab.export(kind)     download "png" | "csv" | "json" (scenario)
//   attnlab.load(kind, bytes) load an image or a scenario from bytes (Uint8Array)
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
  api.state = function () { return JSON.parse(Module.ccall("attnlab_state", "string", [], [])); };
  api.lessons = function () { return JSON.parse(call("lessons")); };
  api.setLesson = function (id) { check(call("setLesson", id)); return api.state(); };
  api.step = function (i) { check(call("step", i)); return api.state(); };
  api.next = function () { call("next"); return api.state(); };
  api.prev = function () { call("prev"); return api.state(); };
  api.set = function (name, value) {
    var text = typeof value === "boolean" ? (value ? "1" : "0") : String(value);
    check(Module.ccall("attnlab_set", "string", ["string", "string"], [String(name), text]));
    return api.state();
  };
  api.link = function () { return location.origin + location.pathname + "?" + call("link"); };
  api.export = function (kind) { check(call("export", kind)); };
  api.load = function (kind, bytes) {
    var data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    var p = Module._malloc(Math.max(1, data.length));
    try {
      Module.HEAPU8.set(data, p);
      check(Module.ccall("attnlab_load", "string", ["string", "number", "number"], [String(kind), p, data.length]));
    } finally {
      Module._free(p);
    }
    return api.state();
  };
  window.attnlab = api;

  Module.attnlabFirstFrame = function () {
    document.getElementById("loading").style.display = "none";
    document.getElementById("canvas").focus();
    resolveReady(api);
  };

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
  // A background tab pauses live lessons (the browser also stops drawing frames there).
  document.addEventListener("visibilitychange", function () {
    if (typeof Module !== "undefined" && Module.calledRun) call("hidden", document.hidden ? "1" : "0");
  });
  document.addEventListener("DOMContentLoaded", function () {
    wirePicker("open-image", "image");
    wirePicker("open-scenario", "scenario");
  });
})();
