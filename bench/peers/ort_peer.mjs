// ort_peer.mjs: ONNX Runtime as a peer of attnlab-bench, on the same inputs, printing the same JSON.
//   node ort_peer.mjs --runtime node|web --graph mha_op|matmul_softmax|mha_full --n N --heads H --d D
//                     [--causal] [--threads T] [--reps R] [--warmup W] [--dump FILE]
// runtime node: onnxruntime-node (native CPU EP, intra-op threads = T);
// runtime web:  onnxruntime-web's wasm backend in node (SIMD, 1 thread).
// The timed call is session.run with the inputs already in ORT tensors, as an application would.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { inputMatrix, mhaParams, transpose, parseArgs, timeIt, flopCount, Seed } from './inputs.mjs';
import { mhaOpModel, matmulSoftmaxModel, mhaFullModel } from './onnx_model.mjs';

const require = createRequire(import.meta.url);
const a = parseArgs(process.argv.slice(2), {
  runtime: 'node', graph: 'mha_op', n: 512, heads: 8, d: 64, causal: false, threads: 1, reps: 20, warmup: 3, dump: '',
});
const ort = a.runtime === 'web' ? require('onnxruntime-web') : require('onnxruntime-node');
const E = a.heads * a.d;

let model, feeds, what;
if (a.graph === 'mha_full') {
  model = mhaFullModel(a.n, a.heads, a.d, a.causal, mhaParams(E), transpose);
  feeds = { X: new ort.Tensor('float32', inputMatrix(a.n, E, Seed.X), [1, a.n, E]) };
  what = 'mha';
} else {
  model = (a.graph === 'mha_op' ? mhaOpModel : matmulSoftmaxModel)(a.n, a.heads, a.d, a.causal);
  feeds = {
    Q: new ort.Tensor('float32', inputMatrix(a.n, E, Seed.Q), [1, a.n, E]),
    K: new ort.Tensor('float32', inputMatrix(a.n, E, Seed.K), [1, a.n, E]),
    V: new ort.Tensor('float32', inputMatrix(a.n, E, Seed.V), [1, a.n, E]),
  };
  what = 'core';
}

const options = { graphOptimizationLevel: 'all', executionMode: 'sequential' };
if (a.runtime === 'web') {
  ort.env.wasm.numThreads = 1;
  options.executionProviders = ['wasm'];
} else {
  options.intraOpNumThreads = a.threads;
  options.interOpNumThreads = 1;
}
const session = await ort.InferenceSession.create(model.bytes, options);
let out;
const t = await timeIt(a.warmup, a.reps, async () => {
  const r = await session.run(feeds);
  out = r[model.output];
});
if (a.dump) writeFileSync(a.dump, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
const threads = a.runtime === 'web' ? 1 : a.threads;
console.log(JSON.stringify({
  what, peer: `onnxruntime-${a.runtime} ${a.graph}`, n: a.n, heads: a.heads, d: a.d, causal: a.causal, threads,
  reps: a.reps, ...t, gflops: flopCount(what, a.n, a.heads, a.d, a.causal) / (t.ms_median * 1e-3) * 1e-9,
  target: a.runtime === 'web' ? 'wasm' : 'native', version: ort.env.versions ? JSON.stringify(ort.env.versions) : '',
}));
