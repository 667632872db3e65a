// tfjs_peer.mjs: TensorFlow.js with its WebAssembly backend (@tensorflow/tfjs-backend-wasm, SIMD,
// 1 thread) in node, as a wasm peer of attnlab-bench.js on the same inputs.
//   node tfjs_peer.mjs --n N --heads H --d D [--causal] [--reps R] [--warmup W] [--dump FILE]
// The core as an engineer writes it with tfjs: head reshapes, matMul(q, k, transposeB), scale,
// mask, softmax, matMul(p, v), back to (N, E); the timed call includes reading the result (dataSync).
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { inputMatrix, parseArgs, timeIt, flopCount, Seed } from './inputs.mjs';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const a = parseArgs(process.argv.slice(2), { n: 512, heads: 8, d: 64, causal: false, reps: 20, warmup: 3, dump: '' });

if (wasm.setThreadsCount) wasm.setThreadsCount(1);
await tf.setBackend('wasm');
await tf.ready();
const { n, heads: H, d } = a;
const E = H * d;
const q = tf.tensor2d(inputMatrix(n, E, Seed.Q), [n, E]);
const k = tf.tensor2d(inputMatrix(n, E, Seed.K), [n, E]);
const v = tf.tensor2d(inputMatrix(n, E, Seed.V), [n, E]);
let mask = null;
if (a.causal) {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; ++i) for (let j = i + 1; j < n; ++j) m[i * n + j] = -Infinity;
  mask = tf.tensor2d(m, [n, n]);
}
const heads = (x) => tf.transpose(tf.reshape(x, [n, H, d]), [1, 0, 2]);  // (H, n, d)
let out;
const t = await timeIt(a.warmup, a.reps, () => {
  const o = tf.tidy(() => {
    let s = tf.mul(tf.matMul(heads(q), heads(k), false, true), 1 / Math.sqrt(d));
    if (mask) s = tf.add(s, mask);
    return tf.reshape(tf.transpose(tf.matMul(tf.softmax(s), heads(v)), [1, 0, 2]), [n, E]);
  });
  out = o.dataSync();
  o.dispose();
});
if (a.dump) writeFileSync(a.dump, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
console.log(JSON.stringify({
  what: 'core', peer: 'tfjs-backend-wasm', n, heads: H, d, causal: a.causal, threads: 1, reps: a.reps, ...t,
  gflops: flopCount('core', n, H, d, a.causal) / (t.ms_median * 1e-3) * 1e-9, target: 'wasm', version: tf.version_core,
}));
