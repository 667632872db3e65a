// serve.mjs: a minimal static file server for the built web app (node, no dependencies).
//   node scripts/serve.mjs DIR [PORT]      serves DIR on http://127.0.0.1:PORT/ (default 8080; 0 = any free port)
// When the browser accepts it and the build wrote one (scripts/site.mjs), a file is sent from its
// precompressed copy F.br or F.gz with Content-Encoding: br / gzip (and Vary: Accept-Encoding).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";

const root = resolve(process.argv[2] ?? ".");
const port = Number(process.argv[3] ?? 8080);
const types = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm",
  ".json": "application/json", ".png": "image/png", ".css": "text/css",
  ".webmanifest": "application/manifest+json", ".ts": "text/plain; charset=utf-8", ".svg": "image/svg+xml",
};

// The encodings the request accepts, in our order of preference (q=0 excludes one).
function accepted(header = "") {
  const ok = new Set();
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)).find(Boolean);
    if (!q || Number(q[1]) > 0) ok.add(name);
  }
  return [["br", ".br"], ["gzip", ".gz"]].filter(([name]) => ok.has(name));
}

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const file = normalize(join(root, path.endsWith("/") ? path + "index.html" : path));
  if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
  const headers = { "content-type": types[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache",
                    "vary": "accept-encoding" };
  for (const [encoding, suffix] of accepted(req.headers["accept-encoding"])) {
    try {
      const body = await readFile(file + suffix);
      res.writeHead(200, { ...headers, "content-encoding": encoding, "content-length": body.length });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    } catch { /* no such copy: try the next encoding, then the file itself */ }
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { ...headers, "content-length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }
});
server.listen(port, "127.0.0.1", () =>
  console.log(`attnlab: serving ${root} on http://127.0.0.1:${server.address().port}/`));
