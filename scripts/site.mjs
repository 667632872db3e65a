// site.mjs: finishes the built web site after attnlab.js and attnlab.wasm are linked (run by the
// build, web/CMakeLists.txt; node, no dependencies). Steps, in this order:
//   1. icons: draws icon-192.png and icon-512.png (a small attention heatmap; our own PNG writer)
//   2. boot.js: writes the wasm's size in bytes into it (the loading indicator's total)
//   3. sw.js: the service worker template with this build's version (a hash of every other
//      file's path and bytes) and the list of files it caches, so a new build replaces the cache
//   4. precompressed copies next to each compressible file: F.gz (gzip -9) and F.br (brotli,
//      quality 11), which scripts/serve.mjs (and any static host set up for it) sends with
//      Content-Encoding; kept only when they are smaller than the file
// Usage: node scripts/site.mjs SITE_DIR SW_TEMPLATE
// Prints the version and what the first visit downloads (raw, gzip, brotli).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { brotliCompressSync, constants, deflateSync, gzipSync } from "node:zlib";

const [site, template] = process.argv.slice(2);
if (!site || !template) {
  console.error("usage: node scripts/site.mjs SITE_DIR SW_TEMPLATE");
  process.exit(2);
}

// ---- 1. icons -------------------------------------------------------------------------------
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
// rgb: a function (x, y) -> [r, g, b] over a size × size image; an 8-bit RGB PNG.
function png(size, rgb) {
  const rows = Buffer.alloc(size * (1 + 3 * size));
  for (let y = 0; y < size; y++) {
    const o = y * (1 + 3 * size);  // filter byte 0 (none), then the row's pixels
    for (let x = 0; x < size; x++) rows.set(rgb(x, y), o + 1 + 3 * x);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);  // 8 bits, RGB, deflate, no filter, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
}
// The icon: a 4 × 4 grid of attention weights (each row a softmax peaked near the diagonal) in
// the app's viridis-like colours, on the page's background, inside the maskable safe zone.
function icon(size) {
  const n = 4;
  const weights = Array.from({ length: n }, (_, i) => {
    const e = Array.from({ length: n }, (_, j) => Math.exp(-1.6 * Math.abs(i - j) + (j === 0 ? 0.4 : 0)));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
  const ramp = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const colour = (t) => {
    const f = Math.min(0.999, Math.max(0, t)) * (ramp.length - 1);
    const k = Math.floor(f), u = f - k;
    return ramp[k].map((c, i) => Math.round(c + u * (ramp[k + 1][i] - c)));
  };
  const margin = Math.round(size * 0.14), gap = Math.max(1, Math.round(size * 0.02));
  const cell = (size - 2 * margin - (n - 1) * gap) / n;
  return png(size, (x, y) => {
    const cx = x - margin, cy = y - margin;
    const j = Math.floor(cx / (cell + gap)), i = Math.floor(cy / (cell + gap));
    const inCell = i >= 0 && j >= 0 && i < n && j < n && cx - j * (cell + gap) < cell && cy - i * (cell + gap) < cell;
    return inCell ? colour(weights[i][j] / 0.75) : [23, 25, 31];
  });
}
for (const size of [192, 512]) writeFileSync(join(site, `icon-${size}.png`), icon(size));

// ---- 2. boot.js: the wasm's size ----------------------------------------------------------
const wasmBytes = statSync(join(site, "attnlab.wasm")).size;
const bootPath = join(site, "boot.js");
writeFileSync(bootPath, readFileSync(bootPath, "utf8").replace(/\/\*wasm-bytes\*\/\d+/, `/*wasm-bytes*/${wasmBytes}`));

// ---- 3. sw.js: version and file list ------------------------------------------------------
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]);
}
const isCopy = (f) => f.endsWith(".gz") || f.endsWith(".br");
for (const f of walk(site)) if (isCopy(f)) rmSync(f);  // stale copies of a previous build
const files = walk(site).map((f) => relative(site, f).split(sep).join("/"))
  .filter((f) => f !== "sw.js").sort();
const hash = createHash("sha256");
hash.update(readFileSync(template));  // a changed worker is a new version too
for (const f of files) {
  hash.update(f + "\0");
  hash.update(readFileSync(join(site, f)));
  hash.update("\0");
}
const version = hash.digest("hex").slice(0, 16);
const sw = readFileSync(template, "utf8")
  .replace("const VERSION = \"dev\";", `const VERSION = ${JSON.stringify(version)};`)
  .replace("const FILES = [];", `const FILES = ${JSON.stringify(files)};`);
if (!sw.includes(version)) throw new Error(`${template}: no 'const VERSION = "dev";' line to fill in`);
writeFileSync(join(site, "sw.js"), sw);

// ---- 4. precompressed copies ----------------------------------------------------------------
const compressible = /\.(html|js|mjs|css|json|webmanifest|wasm|svg|ts|txt|safetensors|bin)$/;
const sizes = {};
for (const f of walk(site)) {
  const raw = readFileSync(f);
  const gz = gzipSync(raw, { level: 9 });
  const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
  sizes[relative(site, f).split(sep).join("/")] = { raw: raw.length, gz: gz.length, br: br.length };
  if (!compressible.test(f)) continue;
  if (gz.length < raw.length * 0.95) writeFileSync(f + ".gz", gz);
  if (br.length < raw.length * 0.95) writeFileSync(f + ".br", br);
}

// What the first visit downloads before the first frame: the page and what it loads.
const firstVisit = ["index.html", "boot.js", "api.js", "attnlab.js", "attnlab.wasm"].filter((f) => sizes[f]);
const sum = (k) => firstVisit.reduce((a, f) => a + sizes[f][k], 0);
console.log(`site.mjs: version ${version}, ${files.length} files cached by sw.js`);
console.log(`site.mjs: first visit (${firstVisit.join(", ")}): ${sum("raw")} B raw, ${sum("gz")} B gzip, ${sum("br")} B brotli`);
