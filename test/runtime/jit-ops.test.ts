// Every TensorFlow op nnx.jit may put in a graph (runtime/jit/opdefs.ts), exercised:
// each program below is run eagerly and as a compiled graph (plain TensorFlow graph,
// no XLA, so the same kernels run) and the results must be bit-identical; together the
// programs must emit every op of the table with the attributes tfjs-node passes it.
import { afterAll, describe, expect, it } from "vitest";
import { nnx, tf, jnp, random } from "../../runtime/index.js";
import { OP_ARGS } from "../../runtime/jit/opdefs.js";

type Program = (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

const f = (shape: number[], seed: number, lo = -2, hi = 2) => tf.randomUniform(shape, lo, hi, "float32", seed);
const pos = (shape: number[], seed: number) => tf.randomUniform(shape, 0.1, 3, "float32", seed);
const ints = (shape: number[], seed: number, hi = 5) => tf.randomUniform(shape, 0, hi, "int32", seed);

const x34 = () => [f([3, 4], 1)];
const xy34 = () => [f([3, 4], 1), f([3, 4], 2)];
const img = () => [f([2, 7, 7, 3], 3)];

/** name, program, inputs (made fresh for each run). */
const PROGRAMS: [string, Program, () => tf.Tensor[]][] = [
  // element-wise, unary
  ["abs/neg/square/sign", (x) => [tf.abs(x), tf.neg(x), tf.square(x), tf.sign(x)], x34],
  ["ceil/floor/round", (x) => [tf.ceil(x), tf.floor(x), tf.round(tf.mul(x, 3))], x34],
  ["sqrt/rsqrt/reciprocal", (x) => [tf.sqrt(x), tf.rsqrt(x), tf.reciprocal(x)], () => [pos([3, 4], 1)]],
  ["exp/expm1/log/log1p", (x) => [tf.exp(x), tf.expm1(x), tf.log(x), tf.log1p(x)], () => [pos([3, 4], 1)]],
  ["sin/cos/tanh/sigmoid/erf", (x) => [tf.sin(x), tf.cos(x), tf.tanh(x), tf.sigmoid(x), tf.erf(x)], x34],
  ["relu/relu6/elu/leakyRelu/softplus", (x) => [tf.relu(x), tf.relu6(tf.mul(x, 4)), tf.elu(x), tf.leakyRelu(x, 0.1), tf.softplus(x)], x34],
  ["nnx activations", (x) => [nnx.gelu(x), nnx.gelu(x, false), nnx.silu(x), nnx.elu(x), nnx.leakyRelu(x)], x34],
  ["isNaN/isFinite/logicalNot", (x) => [tf.isNaN(x), tf.isFinite(tf.div(x, tf.round(x))), tf.logicalNot(tf.greater(x, 0))], x34],
  // element-wise, binary (with broadcasting)
  ["add/sub/mul/div/addN", (x, y) => [tf.add(x, y), tf.sub(x, y), tf.mul(x, y), tf.div(x, y), tf.div(x, 3), tf.add(x, tf.scalar(2)), tf.addN([x, y, tf.mul(x, y)])], xy34],
  ["int add/sub/mul/floorDiv/mod", (a, b) => [tf.add(a, b), tf.sub(a, b), tf.mul(a, b), tf.floorDiv(a, tf.add(b, 1)), tf.mod(a, tf.add(b, 1))], () => [ints([3, 4], 1, 9), ints([3, 4], 2)]],
  ["pow/maximum/minimum/squaredDifference", (x, y) => [tf.pow(tf.abs(x), y), tf.maximum(x, y), tf.minimum(x, y), tf.squaredDifference(x, y)], xy34],
  ["comparisons", (x, y) => [tf.equal(x, y), tf.notEqual(x, y), tf.less(x, y), tf.lessEqual(x, y), tf.greater(x, y), tf.greaterEqual(x, y)], () => [tf.round(f([3, 4], 1)), tf.round(f([3, 4], 2))]],
  ["logicalAnd/Or/where", (x, y) => [tf.logicalAnd(tf.greater(x, 0), tf.greater(y, 0)), tf.logicalOr(tf.greater(x, 0), tf.greater(y, 0)), tf.where(tf.greater(x, y), x, y)], xy34],
  ["divNoNan/floorDiv float/mod float", (x, y) => [tf.divNoNan(x, tf.round(y)), tf.floorDiv(x, y), tf.mod(x, y)], xy34],
  // reductions
  ["sum/mean/max/min/prod", (x) => [tf.sum(x), tf.sum(x, 1, true), tf.mean(x, 0), tf.max(x, -1), tf.min(x, 0, true), tf.prod(x, 1)], x34],
  ["argMax/argMin/all/any", (x) => [tf.argMax(x, 1), tf.argMin(x, 0), tf.all(tf.greater(x, -1), 1), tf.any(tf.greater(x, 1), 0)], x34],
  ["softmax/logSoftmax/logsumexp", (x) => [tf.softmax(x), tf.logSoftmax(x), nnx.softmax(x), nnx.logSoftmax(x), nnx.logsumexp(x)], x34],
  // shapes and indexing
  ["reshape/transpose/expandDims/squeeze", (x) => [tf.reshape(x, [4, 3]), tf.transpose(x), tf.expandDims(x, 1), tf.squeeze(tf.reshape(x, [3, 1, 4]))], x34],
  ["concat/stack/unstack/split", (x, y) => [tf.concat([x, y], 1), tf.stack([x, y], 1), ...tf.unstack(x, 1), ...tf.split(x, [1, 3], 1)], xy34],
  ["slice/stridedSlice/reverse/tile/pad", (x) => [tf.slice(x, [1, 0], [2, 3]), tf.stridedSlice(x, [0, 1], [3, 4], [2, 2]), tf.reverse(x, 1), tf.tile(x, [2, 1]), tf.pad(x, [[1, 0], [0, 2]]), tf.pad(x, [[1, 1], [0, 0]], 3)], x34],
  ["gather/oneHot/cast/broadcastTo", (x, i) => [tf.gather(x, i, 1), tf.oneHot(i, 4), tf.cast(x, "int32"), tf.cast(i, "float32"), tf.cast(tf.greater(x, 0), "float32"), tf.broadcastTo(tf.reshape(x, [1, 3, 4]), [2, 3, 4])], () => [f([3, 4], 1), ints([5], 2, 4)]],
  ["fill/zerosLike/onesLike", (x) => [tf.fill([2, 3], 1.5), tf.zerosLike(x), tf.onesLike(x), jnp.zeros([2, 2])], x34],
  // linear algebra, convolution, pooling
  ["matMul", (a, b) => [tf.matMul(a, b), tf.matMul(a, a, false, true), tf.matMul(b, b, true, false), tf.matMul(tf.stack([a, a]), tf.stack([b, b]))], () => [f([3, 4], 1), f([4, 5], 2)]],
  ["conv2d same/valid/strided", (x, k) => [tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, "same"), tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 2, "valid")], () => [f([2, 7, 7, 3], 3), f([3, 3, 3, 4], 4)]],
  ["maxPool/avgPool", (x) => [tf.maxPool(x as tf.Tensor4D, 2, 2, "valid"), tf.avgPool(x as tf.Tensor4D, 3, 1, "same")], img],
  // gradients of the above (the backward pass's own ops)
  [
    "gradients: activations and arithmetic",
    (x, y) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.add(tf.add(tf.mul(tf.tanh(a), tf.sigmoid(b)), tf.div(tf.exp(a), tf.add(tf.square(b), 1))), tf.add(tf.relu(a), tf.elu(b)))),
      )([x, y]),
    xy34,
  ],
  [
    "gradients: reductions, shapes, softmax",
    (x) =>
      tf.grad((a: tf.Tensor) =>
        tf.sum(tf.add(tf.mean(tf.logSoftmax(tf.concat([a, tf.reverse(a, 1)], 1)), 1), tf.max(tf.transpose(tf.pad(a, [[0, 1], [1, 0]])), 0).sum())),
      )(x),
    x34,
  ],
  [
    "gradients: matMul, conv2d, pooling",
    (x, k) =>
      tf.grads((a: tf.Tensor, w: tf.Tensor) =>
        tf.sum(tf.maxPool(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, "same"), 2, 2, "valid")).add(tf.sum(tf.avgPool(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 2, "valid"), 2, 1, "same"))),
      )([x, k]),
    () => [f([2, 7, 7, 3], 3), f([3, 3, 3, 4], 4)],
  ],
  [
    "gradients: gather, slice, pow, sqrt, log, leakyRelu, softplus",
    (x) =>
      tf.grad((a: tf.Tensor) =>
        tf.sum(tf.add(tf.add(tf.gather(tf.slice(a, [0, 0], [3, 3]), tf.tensor1d([2, 0], "int32"), 1), tf.pow(a, 2).slice([0, 0], [3, 2])), tf.sum(tf.add(tf.sqrt(tf.log(a)), tf.add(tf.leakyRelu(a, 0.2), tf.softplus(a))), 1, true))),
      )(x),
    () => [pos([3, 4], 1)],
  ],
];

/** Programs with state, randomness or loops: run as nnx.jit steps. */
class Cell extends nnx.Module {
  readonly linear: nnx.Linear;
  constructor(rngs: nnx.Rngs) {
    super();
    this.linear = new nnx.Linear(5, 3, { rngs });
  }
  call(c: tf.Tensor, x: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const h = nnx.tanh(this.linear.call(jnp.concatenate([c, x], -1)));
    return [h, h];
  }
}

const seen = new Map<string, Set<string>>();
function note(ops: Record<string, string[]> | undefined): void {
  for (const [op, attrs] of Object.entries(ops ?? {})) {
    if (!seen.has(op)) seen.set(op, new Set());
    for (const a of attrs) seen.get(op)!.add(a);
  }
}

function bits(t: tf.Tensor): number[] {
  const d = t.dataSync();
  return t.dtype === "float32" ? Array.from(new Uint32Array(new Float32Array(d as Float32Array).buffer)) : Array.from(d as Int32Array);
}

function expectSame(got: unknown, want: unknown, what: string): void {
  const g = [got].flat() as tf.Tensor[];
  const w = [want].flat() as tf.Tensor[];
  expect(g.length, what).toBe(w.length);
  g.forEach((t, i) => {
    expect(t.dtype, `${what} #${i}`).toBe(w[i].dtype);
    expect(t.shape, `${what} #${i}`).toEqual(w[i].shape);
    expect(bits(t), `${what} #${i}`).toEqual(bits(w[i]));
  });
}

describe("nnx.jit op coverage (plain graph = eager kernels, bit for bit)", () => {
  for (const [name, program, inputs] of PROGRAMS) {
    it(name, () => {
      const jitted = nnx.jit(program, { xla: false, name });
      const xs = inputs();
      const eager = tf.tidy(() => program(...xs));
      const first = jitted(...xs); // traced (eager)
      const compiled = jitted(...xs);
      const trace = jitted.stats.traces[0];
      expect(trace.mode, trace.reason).toBe("graph");
      expect(jitted.stats.compiledCalls).toBe(1);
      expectSame(first, eager, name);
      expectSame(compiled, eager, name);
      note(trace.ops);
      tf.dispose([xs, eager, first as tf.Tensor[], compiled as tf.Tensor[]]);
      jitted.dispose();
    });
  }

  it("random numbers in the graph (threefry, uniform with FMA, bernoulli), scans as While loops", () => {
    const cell = new Cell(new nnx.Rngs(0));
    const step = (c: Cell, rngs: nnx.Rngs, x: tf.Tensor) => {
      // outAxes 0: the collected outputs are the loop's stack itself (an Identity)
      const [, ys] = nnx.scan((h: tf.Tensor, xt: tf.Tensor) => c.call(h, xt), { inAxes: [nnx.Carry, 1], outAxes: [nnx.Carry, 0] })(tf.zeros([2, 3]), x);
      const [loss, grads] = nnx.valueAndGrad((m: Cell) => tf.sum(nnx.scan((h: tf.Tensor, xt: tf.Tensor) => m.call(h, xt), { inAxes: [nnx.Carry, 1], outAxes: [nnx.Carry, 1] })(tf.zeros([2, 3]), x)[1]) as tf.Scalar)(c);
      return [ys, loss, grads.linear.kernel.value, random.uniform(rngs(), [3, 5], { minval: -3, maxval: 5 }), random.bernoulli(rngs(), 0.3, [4, 4]), random.uniform(rngs(), [7])];
    };
    const x = f([2, 4, 2], 7);
    const rA = new nnx.Rngs(3);
    const rB = new nnx.Rngs(3);
    const jitted = nnx.jit(step, { xla: false });
    for (let i = 0; i < 3; i++) {
      const eager = tf.tidy(() => step(cell, rA, x));
      const got = jitted(cell, rB, x);
      expectSame(got, eager, `call ${i}`);
      tf.dispose([eager, got as tf.Tensor[]]);
    }
    const trace = jitted.stats.traces[0];
    expect(trace.mode, trace.reason).toBe("graph");
    expect(trace.loops).toBeGreaterThanOrEqual(2);
    note(trace.ops);
    jitted.dispose();
  });

  it("XLA: the step as one StatefulPartitionedCall marked _XlaMustCompile", () => {
    if (!nnx.xlaAvailable().available) return; // measured where available; doctor reports it
    const program = (x: tf.Tensor) => tf.mul(tf.tanh(x), 2);
    const jitted = nnx.jit(program, { xla: true });
    const x = f([3, 4], 1);
    jitted(x);
    const out = jitted(x) as tf.Tensor;
    const want = program(x);
    expect(jitted.stats.traces[0].mode).toBe("xla");
    const d = tf.max(tf.abs(tf.sub(out, want))).dataSync()[0];
    expect(d).toBeLessThanOrEqual(1e-6);
    note(jitted.stats.traces[0].ops);
    jitted.dispose();
  });

  afterAll(() => {
    // Runs after the cases above (vitest runs a file's tests in order).
    const table = Object.keys(OP_ARGS).sort();
    const missing = table.filter((op) => !seen.has(op));
    const extra = [...seen.keys()].filter((op) => !(op in OP_ARGS));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    // Attributes: every one written is TensorFlow's (or internal, "_..."), and every one
    // without a default was written by some program.
    const problems: string[] = [];
    for (const [op, [, , spec]] of Object.entries(OP_ARGS)) {
      const declared = spec.split(/\s+/).filter(Boolean);
      const names = new Set(declared.map((a) => a.replace("?", "")));
      const written = seen.get(op) ?? new Set<string>();
      for (const a of written) if (!names.has(a) && !a.startsWith("_") && !(op === "Const" && a === "value")) problems.push(`${op}.${a} is not an attribute of ${op}`);
      for (const a of declared) if (!a.endsWith("?") && !written.has(a) && !(op === "Const" && a === "value")) problems.push(`${op}.${a} (required) never written`);
    }
    expect(problems).toEqual([]);
  });
});
