// inputs.mjs: the benchmark inputs, bit for bit the same as bench/inputs.hpp (see there).
export function inputValue(seed, i) {
  let h = (i + Math.imul(seed, 0x9e3779b9)) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return Math.fround((h >>> 8) * (1 / 8388608) - 1);
}

// rows × cols, row-major, scale · value(seed, r·cols + c) (scale a power of two: exact)
export function inputMatrix(rows, cols, seed, scale = 1) {
  const m = new Float32Array(rows * cols);
  for (let i = 0; i < m.length; ++i) m[i] = scale * inputValue(seed, i);
  return m;
}

export const Seed = { Q: 1, K: 2, V: 3, X: 4, InW: 5, InB: 6, OutW: 7, OutB: 8 };

// The multi-head parameters of attnlab-bench --what mha (PyTorch layout: in_proj_weight (3E, E)).
export function mhaParams(E) {
  return {
    inW: inputMatrix(3 * E, E, Seed.InW, 0.0625),
    inB: inputMatrix(1, 3 * E, Seed.InB, 0.125),
    outW: inputMatrix(E, E, Seed.OutW, 0.0625),
    outB: inputMatrix(1, E, Seed.OutB, 0.125),
  };
}

// (rows, cols) → its transpose (cols, rows)
export function transpose(m, rows, cols) {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; ++r) for (let c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
  return t;
}

export function parseArgs(argv, defaults) {
  const a = { ...defaults };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in a)) throw new Error(`unknown option ${argv[i]}`);
    if (typeof a[k] === 'boolean') a[k] = true;
    else a[k] = typeof a[k] === 'number' ? Number(argv[++i]) : argv[++i];
  }
  return a;
}

// median and min of the timed repetitions, in the shape attnlab-bench prints
// (cpu_ms_median: CPU time of the whole process per call, user + system, all threads)
export async function timeIt(warmup, reps, f) {
  const t0 = performance.now();
  await f();
  const first = performance.now() - t0;
  for (let i = 0; i < warmup; ++i) await f();
  const ms = [], cpu = [];
  for (let i = 0; i < reps; ++i) {
    const c = process.cpuUsage();
    const s = performance.now();
    await f();
    ms.push(performance.now() - s);
    const dc = process.cpuUsage(c);
    cpu.push((dc.user + dc.system) / 1000);
  }
  const median = (v) => {
    v.sort((x, y) => x - y);
    const n = v.length;
    return n % 2 ? v[(n - 1) / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  };
  const ms_min = Math.min(...ms);
  return { first_call_ms: first, ms_min, ms_median: median(ms), cpu_ms_median: median(cpu) };
}

export function flopCount(what, n, heads, d, causal) {
  const pairs = causal ? 0.5 * n * (n + 1) : n * n;
  let f = 4 * pairs * d * heads;
  if (what === 'mha') f += 8 * n * (heads * d) ** 2;
  return f;
}
