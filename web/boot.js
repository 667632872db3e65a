// boot.js: how the page starts (loaded after api.js, before attnlab.js).
//   - downloads attnlab.wasm itself (Module.instantiateWasm) to show the bytes received against
//     the total in the loading indicator, and compiles it while it streams in;
//   - after the first frame, fetches attnlab.deferred.wasm (the code the default lesson does not
//     run, split off by the build) and links it in, so other lessons open without a wait;
//   - after the first frame, registers the service worker (sw.js) that caches the site for
//     offline use, and says so when a newer build has been cached and a reload would show it.
(function () {
  "use strict";
  // The wasm's size in bytes, written by the build (scripts/site.mjs); 0 when unknown.
  var WASM_BYTES = /*wasm-bytes*/0;
  var text = document.getElementById("loading-text");
  var bar = document.getElementById("loading-bar");

  function kb(n) { return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.round(n / 1024) + " KB"; }
  function progress(received, total) {
    if (total > 0) {
      bar.max = total;
      bar.value = Math.min(received, total);
      text.textContent = "Loading attnlab… " + kb(received) + " of " + kb(total);
    } else {
      bar.removeAttribute("value");  // indeterminate
      text.textContent = "Loading attnlab… " + kb(received);
    }
  }

  // A stream that passes the response body through, counting bytes. The counted bytes are
  // decoded bytes (after Content-Encoding), so the total is the file's size, not the header's
  // Content-Length, unless the file came unencoded.
  function counted(response) {
    var total = WASM_BYTES;
    if (!total && !response.headers.get("content-encoding")) total = Number(response.headers.get("content-length")) || 0;
    if (!response.body || typeof ReadableStream === "undefined") return response;
    var reader = response.body.getReader();
    var received = 0;
    progress(0, total);
    var stream = new ReadableStream({
      pull: function (controller) {
        return reader.read().then(function (r) {
          if (r.done) {
            text.textContent = "Starting attnlab…";
            controller.close();
            return;
          }
          received += r.value.byteLength;
          progress(received, total);
          controller.enqueue(r.value);
        });
      },
      cancel: function (reason) { return reader.cancel(reason); }
    });
    return new Response(stream, { headers: { "content-type": "application/wasm" } });
  }

  // The deferred module (attnlab.deferred.wasm): the build moves every function the default lesson
  // does not run (web/first-load-funcs.txt) out of attnlab.wasm. Until it is linked in, such a
  // function is a placeholder; Emscripten calls Module.loadSplitModule on its first call, which
  // links the module in (from the compiled copy if it has arrived, or else downloaded on the spot:
  // a synchronous request, the only way to answer a call that cannot wait).
  // When it is fetched: a plain first visit (the default lesson, no query) fetches it after the
  // first frame, so it never delays that frame. A deep link (its lesson or parameters may need any
  // code) and a visit the service worker answers (from its cache: no download) fetch it beside
  // attnlab.wasm and link it before the app starts, so no placeholder is ever called then.
  var deferredModule = null;  // compiled
  var deferredLinked = false;
  var deferredEarly = !!(location.search.length > 1 || location.hash.length > 1 ||
                         ("serviceWorker" in navigator && navigator.serviceWorker.controller));
  function linkDeferred(imports) {
    if (deferredLinked) return;
    var module = deferredModule;
    if (!module) {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", "attnlab.deferred.wasm", false);
      xhr.overrideMimeType("text/plain; charset=x-user-defined");  // bytes as char codes
      xhr.send(null);
      if (xhr.status !== 200) throw new Error("attnlab.deferred.wasm: HTTP " + xhr.status);
      var text = xhr.responseText, bytes = new Uint8Array(text.length);
      for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 255;
      module = new WebAssembly.Module(bytes);
    }
    new WebAssembly.Instance(module, imports);  // fills the placeholders' table slots
    deferredLinked = true;
    if (window.performance && performance.mark) performance.mark("attnlab-deferred-linked");
  }
  Module.loadSplitModule = function (file, imports) { linkDeferred(imports); };
  function fetchDeferred() {
    return fetch("attnlab.deferred.wasm", { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return WebAssembly.compileStreaming ? WebAssembly.compileStreaming(response)
                                          : response.arrayBuffer().then(function (b) { return WebAssembly.compile(b); });
    }).then(function (module) {
      deferredModule = module;
    }).catch(function (e) {
      // Not fatal: a placeholder's first call tries again (and reports if that fails too).
      console.warn("attnlab: could not fetch attnlab.deferred.wasm (" + (e && e.message ? e.message : e) + ")");
    });
  }
  var deferredFetched = deferredEarly ? fetchDeferred() : null;
  window.attnlab.ready.then(function () {
    (deferredFetched || fetchDeferred()).then(function () { if (deferredModule) linkDeferred({ primary: Module.asm }); });
  });

  Module.instantiateWasm = function (imports, receiveInstance) {
    fetch("attnlab.wasm", { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("attnlab.wasm: HTTP " + response.status);
      var body = counted(response);
      if (WebAssembly.instantiateStreaming) return WebAssembly.instantiateStreaming(body, imports);
      return body.arrayBuffer().then(function (bytes) { return WebAssembly.instantiate(bytes, imports); });
    }).then(function (result) {
      if (!deferredFetched) return result;
      return deferredFetched.then(function () {
        if (deferredModule) linkDeferred({ primary: result.instance.exports });
        return result;
      });
    }).then(function (result) {
      receiveInstance(result.instance, result.module);
    }).catch(function (e) {
      attnlabFatal("could not load attnlab.wasm (" + (e && e.message ? e.message : e) + ")");
    });
    return {};  // the exports arrive later, through receiveInstance
  };


  // Offline use: the service worker is registered after the first frame, so caching the site
  // never slows the first download.
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  // Listening from the start: a newer build can take over while this page is still loading.
  // The first install also takes control (clients.claim) but replaces nothing: no notice then.
  var hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener("controllerchange", function () {
    if (!hadController) return;
    document.getElementById("update").style.display = "block";  // this page still runs the files it started with
  });
  window.attnlab.ready.then(function () {
    // register() alone does not look for a newer sw.js when this one is registered already, and
    // the browser's own check after a navigation can come much later: ask at once.
    navigator.serviceWorker.register("sw.js").then(function (registration) {
      if (hadController) return registration.update();
    }).catch(function (e) {
      if (navigator.onLine) console.warn("attnlab: offline use unavailable (" + e.message + ")");
    });
  });
})();
