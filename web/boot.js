// boot.js: how the page starts (loaded after api.js, before attnlab.js).
//   - downloads attnlab.wasm itself (Module.instantiateWasm) to show the bytes received against
//     the total in the loading indicator, and compiles it while it streams in;
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

  Module.instantiateWasm = function (imports, receiveInstance) {
    fetch("attnlab.wasm", { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("attnlab.wasm: HTTP " + response.status);
      var body = counted(response);
      if (WebAssembly.instantiateStreaming) return WebAssembly.instantiateStreaming(body, imports);
      return body.arrayBuffer().then(function (bytes) { return WebAssembly.instantiate(bytes, imports); });
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
