// onnx_model.mjs: builds the ONNX graphs of the ONNX Runtime peers, written straight as protobuf
// (no onnx package needed). Only the fields these graphs use: see onnx.proto (ModelProto 1 ir_version,
// 7 graph, 8 opset_import; GraphProto 1 node, 2 name, 5 initializer, 11 input, 12 output;
// NodeProto 1 input, 2 output, 3 name, 4 op_type, 5 attribute, 7 domain; AttributeProto 1 name,
// 2 f, 3 i, 8 ints, 20 type; TensorProto 1 dims, 2 data_type, 8 name, 9 raw_data).
class Proto {
  constructor() { this.chunks = []; }
  varint(v) {
    let x = BigInt.asUintN(64, BigInt(v));
    const out = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x) b |= 0x80;
      out.push(b);
    } while (x);
    this.chunks.push(Uint8Array.from(out));
    return this;
  }
  tag(field, wire) { return this.varint((field << 3) | wire); }
  int(field, v) { return this.tag(field, 0).varint(v); }
  float(field, f) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, f, true);
    this.tag(field, 5).chunks.push(b);
    return this;
  }
  bytes(field, u8) { this.tag(field, 2).varint(u8.length).chunks.push(u8); return this; }
  string(field, s) { return this.bytes(field, new TextEncoder().encode(s)); }
  msg(field, p) { return this.bytes(field, p.finish()); }
  finish() {
    const n = this.chunks.reduce((s, c) => s + c.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) { out.set(c, o); o += c.length; }
    return out;
  }
}

const FLOAT = 1, INT64 = 7;
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_INTS = 7;

function tensor(name, dims, data) {
  const p = new Proto();
  for (const d of dims) p.int(1, d);
  const isInt = data instanceof BigInt64Array;
  p.int(2, isInt ? INT64 : FLOAT).string(8, name);
  return p.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function valueInfo(name, dims) {
  const shape = new Proto();
  for (const d of dims) shape.msg(1, new Proto().int(1, d));
  const t = new Proto().int(1, FLOAT).msg(2, shape);
  return new Proto().string(1, name).msg(2, new Proto().msg(1, t));
}

function attr(name, v) {
  const p = new Proto().string(1, name);
  if (Array.isArray(v)) { for (const x of v) p.int(8, x); return p.int(20, ATTR_INTS); }
  if (Number.isInteger(v)) return p.int(3, v).int(20, ATTR_INT);
  return p.float(2, v).int(20, ATTR_FLOAT);
}

class Graph {
  constructor() { this.nodes = []; this.inits = []; this.inputs = []; this.outputs = []; this.count = 0; }
  input(name, dims) { this.inputs.push(valueInfo(name, dims)); return name; }
  output(name, dims) { this.outputs.push(valueInfo(name, dims)); }
  init(name, dims, data) { this.inits.push(tensor(name, dims, data)); return name; }
  node(op, inputs, attrs = {}, domain = '') {
    const out = `${op}_${this.count++}`;
    const p = new Proto();
    for (const i of inputs) p.string(1, i);
    p.string(2, out).string(3, out).string(4, op);
    for (const [k, v] of Object.entries(attrs)) p.msg(5, attr(k, v));
    if (domain) p.string(7, domain);
    this.nodes.push(p);
    return out;
  }
  model() {
    const g = new Proto();
    for (const n of this.nodes) g.msg(1, n);
    g.string(2, 'attnlab_peer');
    for (const t of this.inits) g.msg(5, t);
    for (const i of this.inputs) g.msg(11, i);
    for (const o of this.outputs) g.msg(12, o);
    const m = new Proto().int(1, 8).string(2, 'attnlab-bench');
    m.msg(8, new Proto().string(1, '').int(2, 17));
    m.msg(8, new Proto().string(1, 'com.microsoft').int(2, 1));
    return m.msg(7, g).finish();
  }
}

// Core, com.microsoft MultiHeadAttention: Q, K, V (1, N, E) → (1, N, E)
export function mhaOpModel(n, heads, d, causal) {
  const E = heads * d, g = new Graph();
  const q = g.input('Q', [1, n, E]), k = g.input('K', [1, n, E]), v = g.input('V', [1, n, E]);
  const attrs = { num_heads: heads };
  if (causal) attrs.unidirectional = 1;
  const o = g.node('MultiHeadAttention', [q, k, v], attrs, 'com.microsoft');
  g.output(o, [1, n, E]);
  return { bytes: g.model(), output: o };
}

// Core, MatMul / Softmax / MatMul with the head reshapes: Q, K, V (1, N, E) → (1, N, E)
export function matmulSoftmaxModel(n, heads, d, causal) {
  const E = heads * d, g = new Graph();
  const q = g.input('Q', [1, n, E]), k = g.input('K', [1, n, E]), v = g.input('V', [1, n, E]);
  const split = g.init('split_shape', [4], BigInt64Array.from([1n, BigInt(n), BigInt(heads), BigInt(d)]));
  const merge = g.init('merge_shape', [3], BigInt64Array.from([1n, BigInt(n), BigInt(E)]));
  const scale = g.init('scale', [], Float32Array.of(1 / Math.sqrt(d)));
  const qh = g.node('Transpose', [g.node('Reshape', [q, split])], { perm: [0, 2, 1, 3] });  // (1, H, N, d)
  const kt = g.node('Transpose', [g.node('Reshape', [k, split])], { perm: [0, 2, 3, 1] });  // (1, H, d, N)
  const vh = g.node('Transpose', [g.node('Reshape', [v, split])], { perm: [0, 2, 1, 3] });  // (1, H, N, d)
  let s = g.node('Mul', [g.node('MatMul', [qh, kt]), scale]);  // (1, H, N, N)
  if (causal) {
    const mask = new Float32Array(n * n);
    for (let i = 0; i < n; ++i) for (let j = i + 1; j < n; ++j) mask[i * n + j] = -Infinity;
    s = g.node('Add', [s, g.init('causal_mask', [n, n], mask)]);
  }
  const p = g.node('Softmax', [s], { axis: -1 });
  const o = g.node('Reshape', [g.node('Transpose', [g.node('MatMul', [p, vh])], { perm: [0, 2, 1, 3] }), merge]);
  g.output(o, [1, n, E]);
  return { bytes: g.model(), output: o };
}

// Full multi-head self-attention: X (1, N, E) → projections (MatMul + Add) → MultiHeadAttention
// → output projection. Weights in PyTorch's layout, transposed for MatMul.
export function mhaFullModel(n, heads, d, causal, params, transpose) {
  const E = heads * d, g = new Graph();
  const x = g.input('X', [1, n, E]);
  const proj = (input, w, b, name) =>
    g.node('Add', [g.node('MatMul', [input, g.init(`${name}_w`, [E, E], transpose(w, E, E))]), g.init(`${name}_b`, [E], b)]);
  const { inW, inB, outW, outB } = params;
  const q = proj(x, inW.subarray(0, E * E), inB.subarray(0, E), 'q');
  const k = proj(x, inW.subarray(E * E, 2 * E * E), inB.subarray(E, 2 * E), 'k');
  const v = proj(x, inW.subarray(2 * E * E), inB.subarray(2 * E), 'v');
  const attrs = { num_heads: heads };
  if (causal) attrs.unidirectional = 1;
  const a = g.node('MultiHeadAttention', [q, k, v], attrs, 'com.microsoft');
  const o = proj(a, outW, outB, 'o');
  g.output(o, [1, n, E]);
  return { bytes: g.model(), output: o };
}
