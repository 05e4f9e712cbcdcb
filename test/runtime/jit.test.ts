// nnx.jit: whole steps as one TensorFlow graph. Each step is written by hand against
// the runtime (as test/runtime/memory.test.ts does) and run eagerly and jitted from
// the same starting point. The plain graph runs the eager kernels, so it must match
// bit for bit; XLA fuses and reorders float math, so it is held to the runtime's
// float32 tolerance (|Δ| <= 1e-5 + 1e-4 |ref|).
import { afterEach, describe, expect, it, vi } from "vitest";
import { nnx, tf, jnp, lax, random } from "../../runtime/index.js";

const XLA = nnx.xlaAvailable().available;

class Mlp extends nnx.Module {
  readonly l1: nnx.Linear;
  readonly drop: nnx.Dropout;
  readonly l2: nnx.Linear;
  constructor(rngs: nnx.Rngs, din = 16, dmid = 32, dout = 5) {
    super();
    this.l1 = new nnx.Linear(din, dmid, { rngs });
    this.drop = new nnx.Dropout(0.5, { rngs });
    this.l2 = new nnx.Linear(dmid, dout, { rngs });
  }
  call(x: nnx.Array): nnx.Array {
    return tf.tidy(() => this.l2.call(nnx.relu(this.drop.call(this.l1.call(x)))));
  }
}

class Cell extends nnx.Module {
  readonly linear: nnx.Linear;
  constructor(din: number, hidden: number, rngs: nnx.Rngs) {
    super();
    this.linear = new nnx.Linear(din + hidden, hidden, { rngs });
  }
  call(carry: nnx.Array, x: nnx.Array): [nnx.Array, nnx.Array] {
    return tf.tidy(() => {
      const h = nnx.relu(this.linear.call(jnp.concatenate([carry, x], -1)));
      return [h, h];
    });
  }
}

class Rnn extends nnx.Module {
  readonly cell: Cell;
  readonly hidden: number;
  constructor(rngs: nnx.Rngs, din = 6, hidden = 8) {
    super();
    this.hidden = hidden;
    this.cell = new Cell(din, hidden, rngs);
  }
  call(x: nnx.Array): nnx.Array {
    return tf.tidy(() => {
      const c0 = jnp.zeros([x.shape[0], this.hidden]);
      return nnx.scan((c: nnx.Array, xt: nnx.Array) => this.cell.call(c, xt), { inAxes: [nnx.Carry, 1], outAxes: [nnx.Carry, 1] })(c0, x)[1];
    });
  }
}

/** Four stacked Linear + tanh layers run with nnx.scanLayers, then a head. */
class Deep extends nnx.Module {
  readonly layers: nnx.Linear;
  readonly head: nnx.Linear;
  constructor(rngs: nnx.Rngs) {
    super();
    this.layers = nnx.stack(4, () => new nnx.Linear(16, 16, { rngs }));
    this.head = new nnx.Linear(16, 5, { rngs });
  }
  call(x: nnx.Array): nnx.Array {
    return tf.tidy(() => this.head.call(nnx.scanLayers(this.layers, x, (layer, h) => nnx.tanh(layer.call(h)))));
  }
}

class Cnn extends nnx.Module {
  readonly conv: nnx.Conv;
  readonly bn: nnx.BatchNorm;
  readonly conv2: nnx.Conv;
  readonly drop: nnx.Dropout;
  readonly head: nnx.Linear;
  constructor(rngs: nnx.Rngs) {
    super();
    this.conv = new nnx.Conv(3, 8, [3, 3], { rngs });
    this.bn = new nnx.BatchNorm(8, { rngs });
    this.conv2 = new nnx.Conv(8, 8, [3, 3], { strides: 2, padding: "VALID", rngs });
    this.drop = new nnx.Dropout(0.25, { rngs });
    this.head = new nnx.Linear(8, 4, { rngs });
  }
  call(x: nnx.Array): nnx.Array {
    return tf.tidy(() => {
      let h = nnx.relu(this.bn.call(this.conv.call(x)));
      h = nnx.relu(this.conv2.call(h));
      return this.head.call(this.drop.call(jnp.mean(h, [-3, -2])));
    });
  }
}

type Model = nnx.Module & { call(x: nnx.Array): nnx.Array };

function lossFn(m: Model, x: nnx.Array, y: nnx.Array): tf.Scalar {
  return tf.mean(nnx.optax.softmaxCrossEntropyWithIntegerLabels(m.call(x), y)) as tf.Scalar;
}

/** NNX-style training step: updates model and optimizer in place, returns the loss. */
function trainStep(model: Model, opt: nnx.Optimizer<Model>, x: nnx.Array, y: nnx.Array): nnx.Array {
  const [loss, grads] = nnx.valueAndGrad(lossFn)(model, x, y);
  opt.update(model, grads);
  nnx.dispose(grads);
  return loss;
}

function pair<M extends Model>(make: (rngs: nnx.Rngs) => M, tx: () => ReturnType<typeof nnx.optax.sgd> = () => nnx.optax.adam(1e-2)): [M, nnx.Optimizer<M>][] {
  return [0, 1].map(() => {
    const m = make(new nnx.Rngs({ params: 0, dropout: 1 }));
    return [m, new nnx.Optimizer(m, tx(), { wrt: nnx.Param })] as [M, nnx.Optimizer<M>];
  });
}

function bitsOf(t: tf.Tensor): number[] {
  const d = t.dataSync();
  return t.dtype === "float32" ? Array.from(new Uint32Array(Float32Array.from(d as Float32Array).buffer)) : Array.from(d as Int32Array);
}

/** Every Variable of a and b (models and optimizers alike): bit-equal, or within the float32 tolerance. */
function expectSameState(a: object, b: object, exact: boolean): void {
  const flat = (x: object) => (x instanceof nnx.State ? x : nnx.state(x)).flatState();
  const fa = flat(a);
  const fb = flat(b);
  expect(fa.map(([p]) => p.join("."))).toEqual(fb.map(([p]) => p.join(".")));
  fa.forEach(([p, va], i) => {
    const x = va.value as unknown;
    const y = fb[i][1].value as unknown;
    const what = p.join(".");
    if (!(x instanceof tf.Tensor)) {
      expect(y, what).toEqual(x); // RNG keys and counts
      return;
    }
    const ty = y as tf.Tensor;
    if (exact || x.dtype !== "float32") {
      expect(bitsOf(ty), what).toEqual(bitsOf(x));
      return;
    }
    const p1 = x.dataSync();
    const p2 = ty.dataSync();
    for (let k = 0; k < p1.length; k++) {
      expect(Math.abs(p2[k] - p1[k]), `${what}[${k}]`).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(p1[k]));
    }
  });
}

function close(a: number, b: number, exact: boolean): void {
  if (exact) expect(b).toBe(a);
  else expect(Math.abs(b - a)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(a));
}

/** Runs `steps` steps eagerly on one copy and jitted on the other; returns the jitted function. */
function lockstep<M extends Model>(make: (rngs: nnx.Rngs) => M, x: tf.Tensor, y: tf.Tensor, xla: boolean, steps: number, tx?: () => ReturnType<typeof nnx.optax.sgd>) {
  const [[m1, o1], [m2, o2]] = pair(make, tx);
  const step = nnx.jit(trainStep, { xla, name: `trainStep(${make.name},${xla})` });
  for (let i = 0; i < steps; i++) {
    const eager = tf.tidy(() => trainStep(m1, o1, x, y).dataSync()[0]);
    const jitted = tf.tidy(() => (step(m2, o2, x, y) as tf.Tensor).dataSync()[0]);
    close(eager, jitted, !xla);
  }
  expectSameState(m1, m2, !xla);
  expectSameState(o1, o2, !xla);
  return { step, m1, m2 };
}

const mlpData = () => [tf.randomNormal([12, 16], 0, 1, "float32", 1), tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1], "int32")];
const rnnData = () => [tf.randomNormal([4, 7, 6], 0, 1, "float32", 2), tf.tensor2d(Array.from({ length: 28 }, (_, i) => i % 8), [4, 7], "int32")];
const cnnData = () => [tf.randomNormal([3, 9, 9, 3], 0, 1, "float32", 3), tf.tensor1d([0, 1, 3], "int32")];

afterEach(() => vi.restoreAllMocks());

describe("nnx.jit training steps", () => {
  for (const xla of XLA ? [false, true] : [false]) {
    const how = xla ? "XLA (within tolerance)" : "plain graph (bit for bit)";

    it(`MLP with Adam and dropout: jitted = eager, ${how}; dropout counters advance as eager`, () => {
      const [x, y] = mlpData();
      const { step, m1, m2 } = lockstep((r) => new Mlp(r), x, y, xla, 8);
      expect(step.stats.traces).toHaveLength(1);
      expect(step.stats.traces[0].mode, step.stats.traces[0].reason).toBe(xla ? "xla" : "graph");
      expect(step.stats.compiledCalls).toBe(7);
      expect((m2.drop.rngs as nnx.RngStream).count.value).toBe(8);
      expect((m2.drop.rngs as nnx.RngStream).count.value).toBe((m1.drop.rngs as nnx.RngStream).count.value);
    });

    it(`RNN over nnx.scan: one While loop forward and one backward, ${how}`, () => {
      const [x, y] = rnnData();
      const { step } = lockstep((r) => new Rnn(r), x, y, xla, 5);
      const trace = step.stats.traces[0];
      expect(trace.mode, trace.reason).toBe(xla ? "xla" : "graph");
      expect(trace.loops).toBe(2);
      expect(trace.ops).toHaveProperty("While");
      // The graph does not grow with the sequence: twice the steps, the same nodes (up to a
      // few constants, which are shared when one happens to equal a loop bound).
      const longer = lockstep((r) => new Rnn(r), tf.concat([x, x], 1), tf.concat([y, y], 1), xla, 2).step.stats.traces[0];
      expect(longer.kernels).toBeGreaterThan(trace.kernels + 7 * 10); // the eager steps did run twice as many kernels
      expect(Math.abs(longer.nodes! - trace.nodes!)).toBeLessThanOrEqual(3);
    });

    it(`layer stack over nnx.scanLayers: rolled, each layer's slice gathered by the counter, ${how}`, () => {
      const [x, y] = mlpData();
      const { step } = lockstep((r) => new Deep(r), x, y, xla, 4);
      const trace = step.stats.traces[0];
      expect(trace.mode, trace.reason).toBe(xla ? "xla" : "graph");
      expect(trace.loops).toBe(2);
    });

    it(`CNN with batch norm (statistics updated as eager), ${how}`, () => {
      const [x, y] = cnnData();
      const { step, m1, m2 } = lockstep((r) => new Cnn(r).train(), x, y, xla, 5, () => nnx.optax.sgd(0.1));
      expect(step.stats.traces[0].mode, step.stats.traces[0].reason).toBe(xla ? "xla" : "graph");
      // The statistics moved away from their initial values, identically.
      expect(tf.sum(tf.abs(m2.bn.mean.value)).dataSync()[0]).toBeGreaterThan(0);
      expectSameState(nnx.state(m1, nnx.BatchStat), nnx.state(m2, nnx.BatchStat), !xla);
    });
  }

  it("lax.scan with a tuple carry rolls into While loops and trains bit for bit", () => {
    class Scanned extends nnx.Module {
      readonly linear: nnx.Linear;
      constructor(rngs: nnx.Rngs) {
        super();
        this.linear = new nnx.Linear(6 + 4, 6, { rngs });
      }
      call(xs: nnx.Array): nnx.Array {
        const [[h], ys] = lax.scan(
          ([h, n]: [tf.Tensor, tf.Tensor], x: tf.Tensor) => {
            const next = nnx.tanh(this.linear.call(tf.concat([h, x], -1)));
            return [[next, tf.add(n, 1)], tf.mul(next, 2)] as const;
          },
          [tf.zeros([3, 6]), tf.scalar(0)] as [tf.Tensor, tf.Tensor],
          xs,
        );
        return tf.add(tf.sum(ys as tf.Tensor), tf.sum(h));
      }
    }
    const xs = tf.randomNormal([7, 3, 4], 0, 1, "float32", 4);
    const [[m1, o1], [m2, o2]] = [0, 1].map(() => {
      const m = new Scanned(new nnx.Rngs(0));
      return [m, new nnx.Optimizer(m, nnx.optax.adam(1e-2), { wrt: nnx.Param })] as const;
    });
    const stepFn = (m: Scanned, o: nnx.Optimizer<Scanned>, xs: nnx.Array) => {
      const [loss, grads] = nnx.valueAndGrad((m: Scanned) => m.call(xs) as tf.Scalar)(m);
      o.update(m, grads);
      return loss;
    };
    const step = nnx.jit(stepFn, { xla: false });
    for (let i = 0; i < 4; i++) {
      const eager = tf.tidy(() => stepFn(m1, o1, xs).dataSync()[0]);
      expect(tf.tidy(() => (step(m2, o2, xs) as tf.Tensor).dataSync()[0])).toBe(eager);
    }
    expect(step.stats.traces[0].mode, step.stats.traces[0].reason).toBe("graph");
    expect(step.stats.traces[0].loops).toBe(2);
    expectSameState(m1, m2, true);
  });

  it("a step that calls model.train() itself: the mode change is replayed after each compiled call", () => {
    const [x, y] = mlpData();
    const [[m1, o1], [m2, o2]] = pair((r) => new Mlp(r));
    const stepFn = (m: Mlp, o: nnx.Optimizer<Mlp>, x: nnx.Array, y: nnx.Array) => {
      m.train();
      return trainStep(m, o, x, y);
    };
    const step = nnx.jit(stepFn, { xla: false });
    for (let i = 0; i < 4; i++) {
      m1.eval();
      m2.eval();
      const eager = tf.tidy(() => stepFn(m1, o1, x, y).dataSync()[0]);
      const jitted = tf.tidy(() => (step(m2, o2, x, y) as tf.Tensor).dataSync()[0]);
      expect(jitted).toBe(eager);
      expect(m2.drop.deterministic).toBe(false); // left in train mode, as the eager step leaves it
    }
    expect(step.stats.traces).toHaveLength(1); // always entered in eval mode: one structure
    expect(step.stats.compiledCalls).toBe(3);
    expectSameState(m1, m2, true);
  });

  it("a step closing over the model and its optimizer trains as the eager step", () => {
    const [x, y] = mlpData();
    const [[m1, o1], [m2, o2]] = pair((r) => new Mlp(r));
    const step = nnx.jit((x: nnx.Array, y: nnx.Array) => trainStep(m2, o2, x, y), { xla: false });
    for (let i = 0; i < 4; i++) {
      const eager = tf.tidy(() => trainStep(m1, o1, x, y).dataSync()[0]);
      expect(tf.tidy(() => (step(x, y) as tf.Tensor).dataSync()[0])).toBe(eager);
    }
    expect(step.stats.compiledCalls).toBe(3);
    expectSameState(m1, m2, true);
    expectSameState(o1, o2, true);
  });

  it("retraces when an input shape or the train/eval mode changes, and reuses each trace", () => {
    const model = new Mlp(new nnx.Rngs(0));
    const forward = nnx.jit((m: Mlp, x: nnx.Array) => m.call(x), { xla: false });
    const x4 = tf.randomNormal([4, 16], 0, 1, "float32", 5);
    const x6 = tf.randomNormal([6, 16], 0, 1, "float32", 6);
    const run = (x: tf.Tensor) => tf.tidy(() => bitsOf(forward(model, x) as tf.Tensor));
    model.eval();
    const want4 = tf.tidy(() => bitsOf(model.call(x4)));
    const want6 = tf.tidy(() => bitsOf(model.call(x6)));
    expect(run(x4)).toEqual(want4);
    expect(run(x6)).toEqual(want6);
    expect(run(x4)).toEqual(want4);
    expect(run(x6)).toEqual(want6);
    expect(forward.stats.traces).toHaveLength(2);
    model.train(); // dropout on: a third structure, drawing masks from the model's stream
    const before = (model.drop.rngs as nnx.RngStream).count.value;
    run(x4);
    run(x4);
    expect((model.drop.rngs as nnx.RngStream).count.value).toBe(before + 2);
    expect(forward.stats.traces).toHaveLength(3);
    expect(forward.stats.compiledCalls).toBe(3);
  });
});

describe("nnx.jit inference", () => {
  it("one jitted function serves every model of the same structure (each call reads its own Variables)", () => {
    const a = new Mlp(new nnx.Rngs(1)).eval();
    const b = new Mlp(new nnx.Rngs(2)).eval();
    const forward = nnx.jit((m: Mlp, x: nnx.Array) => m.call(x), { xla: false });
    const [x] = mlpData();
    for (const m of [a, b, a, b]) expect(tf.tidy(() => bitsOf(forward(m, x) as tf.Tensor))).toEqual(tf.tidy(() => bitsOf(m.call(x))));
    expect(forward.stats.traces).toHaveLength(1);
    expect(forward.stats.compiledCalls).toBe(3);
  });

  it("nnx.jit((m, x) => m.call(x)) and a closure over the model give eager's outputs", () => {
    const model = new Cnn(new nnx.Rngs(0)).eval();
    const [x] = cnnData();
    const want = tf.tidy(() => bitsOf(model.call(x)));
    const byArg = nnx.jit((m: Cnn, x: nnx.Array) => m.call(x), { xla: false });
    const byClosure = nnx.jit((x: nnx.Array) => model.call(x), { xla: false });
    const bound = nnx.jit(model.call.bind(model), { xla: false });
    for (let i = 0; i < 3; i++) {
      expect(tf.tidy(() => bitsOf(byArg(model, x) as tf.Tensor))).toEqual(want);
      expect(tf.tidy(() => bitsOf(byClosure(x) as tf.Tensor))).toEqual(want);
      expect(tf.tidy(() => bitsOf(bound(x) as tf.Tensor))).toEqual(want);
    }
    for (const f of [byArg, byClosure, bound]) expect(f.stats.compiledCalls).toBe(2);
  });

  it("a captured model's weights and mode are read at each call (closure: no stale graph)", () => {
    const model = new Mlp(new nnx.Rngs(0)).eval();
    const predict = nnx.jit((x: nnx.Array) => model.call(x), { xla: false });
    const [x] = mlpData();
    const check = () => expect(tf.tidy(() => bitsOf(predict(x) as tf.Tensor))).toEqual(tf.tidy(() => bitsOf(model.call(x))));
    check();
    check();
    // New weights: the graph reads the Variables each call.
    model.l1.kernel.value = tf.mul(model.l1.kernel.value, 2);
    check();
    // Train mode: the captured model's structure is part of the key, so this retraces.
    model.train();
    const count = (model.drop.rngs as nnx.RngStream).count.value;
    const a = tf.tidy(() => bitsOf(predict(x) as tf.Tensor));
    (model.drop.rngs as nnx.RngStream).count.value = count; // the same mask again, eagerly
    expect(a).toEqual(tf.tidy(() => bitsOf(model.call(x))));
    expect(predict.stats.traces).toHaveLength(2);
  });
});

describe("nnx.jit results and temporaries", () => {
  it("returns a State of gradients (nnx.grad inside), rebuilt with the same paths and Variable types", () => {
    const model = new Mlp(new nnx.Rngs(0)).eval();
    const [x, y] = mlpData();
    const gradsOf = nnx.jit((m: Mlp, x: nnx.Array, y: nnx.Array) => nnx.grad(lossFn)(m, x, y), { xla: false });
    const want = nnx.grad(lossFn)(model, x, y);
    for (let i = 0; i < 2; i++) {
      const got = gradsOf(model, x, y) as nnx.State;
      expect(got.paths()).toEqual(want.paths());
      got.leaves().forEach((v, k) => {
        expect(v).toBeInstanceOf(nnx.Param);
        expect(bitsOf(v.value)).toEqual(bitsOf(want.leaves()[k].value));
      });
      nnx.dispose(got);
    }
    expect(gradsOf.stats.compiledCalls).toBe(1);
  });

  it("Variables and tensors made inside the step are values of the graph, not inputs", () => {
    const model = new Mlp(new nnx.Rngs(0)).eval();
    const [x] = mlpData();
    const f = (m: Mlp, x: nnx.Array) => {
      const scale = new nnx.Param(tf.fill([5], 0.5));
      const out = tf.mul(m.call(x), scale.value);
      scale.value = tf.add(scale.value, 1); // a temporary's update is not state either
      return tf.add(out, scale.value);
    };
    const jitted = nnx.jit(f, { xla: false });
    const want = tf.tidy(() => bitsOf(f(model, x)));
    for (let i = 0; i < 3; i++) expect(tf.tidy(() => bitsOf(jitted(model, x) as tf.Tensor))).toEqual(want);
    expect(jitted.stats.traces[0].mode).toBe("graph");
  });
});

describe("nnx.jit randomness and key sources", () => {
  it("verify's source dropout keys (useSourceDropoutKeys, reinstalled per step) are replayed", () => {
    const [x, y] = mlpData();
    const [[m1, o1], [m2, o2]] = pair((r) => new Mlp(r));
    const plan: nnx.SourceInit = { keys: "linen", params: [], dropout: [{ path: "drop", scope: ["Dropout_0"] }] };
    const step = nnx.jit(trainStep, { xla: false });
    for (let i = 0; i < 4; i++) {
      nnx.useSourceDropoutKeys(m1, plan, 10 + i);
      nnx.useSourceDropoutKeys(m2, plan, 10 + i);
      const eager = tf.tidy(() => trainStep(m1, o1, x, y).dataSync()[0]);
      const jitted = tf.tidy(() => (step(m2, o2, x, y) as tf.Tensor).dataSync()[0]);
      expect(jitted).toBe(eager);
    }
    expect(step.stats.traces).toHaveLength(1);
    expect(step.stats.compiledCalls).toBe(3);
    expectSameState(nnx.state(m1, nnx.Param), nnx.state(m2, nnx.Param), true);
  });

  it("keys derived in the step (split, foldIn), key arguments and JavaScript-drawn normals match eager", () => {
    const noisy = (rngs: nnx.Rngs, k: Uint32Array, x: nnx.Array) => {
      const [a, b] = random.split(rngs.stream("noise")(), 2);
      return [
        tf.add(x, random.normal(a, x.shape)),
        random.uniform(random.foldIn(b, 7), [5], { minval: -1, maxval: 3 }),
        random.truncatedNormal(k, -2, 2, [3, 4]),
        random.bernoulli(random.split(k, 3)[2], 0.3, [6]),
        random.permutation(rngs.stream("noise")(), 9),
      ];
    };
    const r1 = new nnx.Rngs({ noise: 5 });
    const r2 = new nnx.Rngs({ noise: 5 });
    const f = nnx.jit(noisy, { xla: false });
    const x = tf.randomNormal([3, 4], 0, 1, "float32", 9);
    for (let i = 0; i < 4; i++) {
      const k = random.key(100 + i);
      const want = tf.tidy(() => (noisy(r1, k, x) as tf.Tensor[]).map(bitsOf));
      const got = tf.tidy(() => (f(r2, k, x) as tf.Tensor[]).map(bitsOf));
      expect(got).toEqual(want);
    }
    expect(r2.stream("noise").count.value).toBe(8);
    expect(f.stats.traces[0].mode, f.stats.traces[0].reason).toBe("graph");
    expect(f.stats.compiledCalls).toBe(3);
  });
});

describe("nnx.jit fallbacks", () => {
  function stderrLines(): string[] {
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    return lines;
  }

  it("a step that reads a tensor in JavaScript runs eagerly, warns once with the reason, and stays correct", () => {
    const lines = stderrLines();
    const f = nnx.jit((x: nnx.Array) => tf.mul(x, x.dataSync()[0]), { name: "readsValues" });
    const x1 = tf.tensor1d([2, 3]);
    const x2 = tf.tensor1d([5, 1]);
    expect(Array.from((f(x1) as tf.Tensor).dataSync())).toEqual([4, 6]);
    expect(Array.from((f(x2) as tf.Tensor).dataSync())).toEqual([25, 5]); // not the frozen 2
    expect(Array.from((f(x2) as tf.Tensor).dataSync())).toEqual([25, 5]);
    expect(f.stats.traces[0].mode).toBe("eager");
    expect(f.stats.eagerCalls).toBe(2);
    const warnings = lines.filter((l) => l.includes("nnx.jit(readsValues)"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/runs eagerly: reads a tensor's values in JavaScript/);
  });

  it("an op the tracer does not compile names the op; a key from outside the step is refused", () => {
    const lines = stderrLines();
    const topk = nnx.jit((x: nnx.Array) => tf.topk(x, 2).values, { name: "usesTopK" });
    const x = tf.tensor1d([3, 1, 4, 1, 5]);
    expect(Array.from((topk(x) as tf.Tensor).dataSync())).toEqual([5, 4]);
    expect(Array.from((topk(x) as tf.Tensor).dataSync())).toEqual([5, 4]);
    expect(lines.join("")).toMatch(/nnx.jit\(usesTopK\) runs eagerly: uses the TensorFlow op TopKV2/);
    const outside = random.key(3);
    const noise = nnx.jit(() => random.normal(outside, [2]), { name: "capturedKey" });
    noise();
    expect(noise.stats.traces[0].mode).toBe("eager");
    expect(lines.join("")).toMatch(/capturedKey\) runs eagerly: draws random numbers \(normal\) with a key that does not come from/);
  });

  it("on the cpu backend it runs eagerly and says so once", async () => {
    const lines = stderrLines();
    await tf.setBackend("cpu");
    try {
      const f = nnx.jit((a: nnx.Array, b: nnx.Array) => tf.add(a, b));
      const a = tf.tensor1d([1, 2]);
      expect(Array.from((f(a, a) as tf.Tensor).dataSync())).toEqual([2, 4]);
      expect(Array.from((f(a, a) as tf.Tensor).dataSync())).toEqual([2, 4]);
      expect(f.stats.eagerCalls).toBe(2);
      expect(f.stats.traces).toHaveLength(0);
      expect(lines.filter((l) => /nnx.jit runs functions eagerly on the cpu backend/.test(l))).toHaveLength(1);
    } finally {
      await tf.setBackend("tensorflow");
    }
  });

  it("a jitted function called inside another one is traced into it", () => {
    const inner = nnx.jit((x: nnx.Array) => tf.mul(x, 3), { xla: false });
    const outer = nnx.jit((x: nnx.Array) => tf.add(inner(x) as tf.Tensor, 1), { xla: false });
    const x = tf.tensor1d([1, 2]);
    outer(x);
    expect(Array.from((outer(x) as tf.Tensor).dataSync())).toEqual([4, 7]);
    expect(outer.stats.traces[0].mode).toBe("graph");
    expect(inner.stats.traces).toHaveLength(0);
  });
});

describe("nnx.jit memory", () => {
  it("1,000 jitted steps (dropout, batch norm, Adam) keep tf.memory() flat; dispose() frees the graphs", () => {
    const [x, y] = cnnData();
    const model = new Cnn(new nnx.Rngs({ params: 0, dropout: 1 })).train();
    const opt = new nnx.Optimizer(model, nnx.optax.adam(1e-3), { wrt: nnx.Param });
    const step = nnx.jit(trainStep, { xla: false });
    const first = tf.tidy(() => (step(model, opt, x, y) as tf.Tensor).dataSync()[0]);
    step(model, opt, x, y).dispose();
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    const binding = (tf.backend() as unknown as { binding: { getNumOfTensors(): number; getNumOfSavedModels(): number } }).binding;
    const handles = binding.getNumOfTensors();
    let last = first;
    for (let i = 0; i < 1000; i++) {
      const loss = step(model, opt, x, y) as tf.Tensor;
      if (i % 250 === 0) last = loss.dataSync()[0];
      loss.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    expect(binding.getNumOfTensors()).toBe(handles); // TensorFlow-side handles too
    expect(step.stats.compiledCalls).toBe(1001);
    expect(last).toBeLessThan(first);
    expect((model.drop.rngs as nnx.RngStream).count.value).toBe(1002);
    const sessions = binding.getNumOfSavedModels();
    step.dispose();
    expect(binding.getNumOfSavedModels()).toBe(sessions - 1);
  });
});
