// The timing protocol, shared by every JS cell (bench/jax_bench.py mirrors it in Python):
// warm up, size a repeat to ~TARGET seconds, then time REPEATS repeats and report
// per-call milliseconds as the median with its quartiles and min/max.

export const PROTOCOL = { warmupSeconds: 0.5, minWarmupCalls: 5, targetSeconds: 0.2, repeats: 5 };

const now = () => performance.now();

/** fn may be sync or async; it must leave its result on the host (dataSync, run()) so the time is real. */
export async function timeit(fn, protocol = PROTOCOL) {
  let t0 = now();
  let calls = 0;
  while (calls < protocol.minWarmupCalls || now() - t0 < protocol.warmupSeconds * 1000) {
    await fn();
    calls++;
  }
  const perCall = (now() - t0) / calls;
  const iters = Math.max(1, Math.round((protocol.targetSeconds * 1000) / perCall));

  const samples = [];
  for (let r = 0; r < protocol.repeats; r++) {
    t0 = now();
    for (let i = 0; i < iters; i++) await fn();
    samples.push((now() - t0) / iters);
  }
  return { ...summarize(samples), iters, repeats: protocol.repeats };
}

export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i);
    return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
  };
  return { median: q(0.5), q1: q(0.25), q3: q(0.75), min: s[0], max: s[s.length - 1], samples };
}
