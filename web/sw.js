// sw.js: the service worker that lets attnlab open with the network off (registered by boot.js
// after the first frame, so caching never competes with the first download).
// The build (scripts/site.mjs) fills in VERSION, a hash of every file of the site, and FILES, the
// site's files (page, js, wasm, icons, models/...). A new build therefore has a new sw.js: the
// browser installs it, it caches the new files under a new name, and on activation it deletes
// every older attnlab cache. Until then the open page keeps the files it started with.
// Requests: same-origin GETs are answered from the cache first (navigations, whatever their
// ?lesson=... query, get the cached index.html); anything not cached (a file added after this
// build) is fetched and, when that works, kept in the current cache.
/* global self, caches, fetch, Response, URL */
"use strict";
const VERSION = "dev";
const FILES = [];
const PREFIX = "attnlab-";
const CACHE = PREFIX + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(FILES.map((f) => new Request(f, { cache: "reload" }))))
      .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // The app's page answers navigations to the site's root and to index.html, whatever the query
  // (deep links); other pages (embed-example.html) are looked up as themselves.
  const root = new URL(self.registration.scope).pathname;
  const appPage = request.mode === "navigate" && (url.pathname === root || url.pathname === root + "index.html");
  const key = appPage ? new URL("index.html", self.registration.scope).href : request;
  // caches.match(..., {cacheName}) and caches.has(): an outdated worker still answering a request
  // must not re-create the cache that its successor has just deleted (caches.open would).
  event.respondWith(
    caches.match(key, { cacheName: CACHE, ignoreSearch: request.mode === "navigate" }).then((hit) => {
      if (hit) return hit;
      return fetch(request).then((response) => {
        if (response.ok && response.type === "basic") {
          const copy = response.clone();
          caches.has(CACHE).then((has) => has && caches.open(CACHE).then((cache) => cache.put(request, copy)));
        }
        return response;
      });
    }));
});

// The page asks which version serves it (shown in tests and useful when reporting a problem).
self.addEventListener("message", (event) => {
  if (event.data === "version" && event.ports[0]) event.ports[0].postMessage(VERSION);
});
