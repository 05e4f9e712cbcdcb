import { beforeAll, describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import { Block, Counter } from "../helpers/nnx-models.js";
import { expectClose } from "../helpers/flat-params.js";

// The same model in Python (flax 0.12 needs nnx.List / nnx.data for containers;
// in TypeScript plain arrays and objects play that role).
const PY_MODEL = `
import json, jax, jax.numpy as jnp, numpy as np
from flax import nnx
class Counter(nnx.Variable): pass
class Block(nnx.Module):
  def __init__(self, din, dout, rngs):
    self.linear = nnx.Linear(din, dout, rngs=rngs)
    self.bn = nnx.BatchNorm(dout, rngs=rngs)
    self.dropout = nnx.Dropout(0.5, rngs=rngs)
class Model(nnx.Module):
  def __init__(self, rngs):
    self.blocks = nnx.List([Block(2, 3, rngs), Block(3, 3, rngs)])
    self.count = Counter(jnp.array(0))
    self.head = nnx.Linear(3, 1, rngs=rngs)
    self.cfg = nnx.data({'a': nnx.Linear(1, 1, rngs=rngs)})
    self.shared = self.head
`;


class Model extends nnx.Module {
  readonly blocks: Block[];
  readonly count: Counter;
  readonly head: nnx.Linear;
  readonly cfg: { a: nnx.Linear };
  readonly shared: nnx.Linear;
  constructor({ rngs }: { rngs: nnx.Rngs }) {
    super();
    this.blocks = [new Block(2, 3, rngs), new Block(3, 3, rngs)];
    this.count = new Counter(tf.scalar(0, "int32"));
    this.head = new nnx.Linear(3, 1, { rngs });
    this.cfg = { a: new nnx.Linear(1, 1, { rngs }) };
    this.shared = this.head;
  }
}

const u32 = (t: tf.Tensor) => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));

describe("nnx.Module traversal", () => {
  let ref: { modules: [string[], string][]; flat: [string[], string][]; params: number[][] };
  beforeAll(() => {
    ref = pythonJson(`${PY_MODEL}
m = Model(nnx.Rngs(0))
key = lambda p: [str(k) for k in p]
mods = [[key(p), type(x).__name__] for p, x in nnx.iter_modules(m) if not isinstance(x, nnx.List)]
flat = [[key(p), type(v).__name__] for p, v in nnx.to_flat_state(nnx.state(m))]
params = [np.asarray(v[...], np.float32).view(np.uint32).ravel().tolist() for _, v in nnx.to_flat_state(nnx.state(m, nnx.Param))]
print(json.dumps({"modules": mods, "flat": flat, "params": params}))
`);
  });

  it("yields modules in NNX order with property-name / index paths", () => {
    const m = new Model({ rngs: new nnx.Rngs(0) });
    const mods = [...m.iterModules()].map(([p, x]) => [p.map(String), x.constructor.name]);
    expect(mods).toEqual(ref.modules);
    // Array indices are numbers in paths, as NNX.
    const [p0] = [...nnx.iterModules(m)][0];
    expect(p0).toEqual(["blocks", 0, "bn"]);
    expect([...m.iterChildren()].map(([k]) => k)).toEqual(["head"]); // arrays/objects aren't Modules here
  });

  it("finds the same Variables (types, paths, shared once) and initial values as NNX", () => {
    const m = new Model({ rngs: new nnx.Rngs(0) });
    const flat = nnx.state(m).flatState();
    expect(flat.map(([p, v]) => [p.map(String), v.constructor.name])).toEqual(ref.flat);
    expect(flat[0][0]).toEqual(["blocks", 0, "bn", "bias"]);
    // Same key draws => the very same parameters, bit for bit.
    expect(nnx.state(m, nnx.Param).leaves().map((v) => u32(v.value))).toEqual(ref.params);
  });

  it("train()/eval() set deterministic and useRunningAverage everywhere and return this", () => {
    const m = new Model({ rngs: new nnx.Rngs(0) });
    expect(m.eval()).toBe(m);
    for (const b of m.blocks) {
      expect(b.dropout.deterministic).toBe(true);
      expect(b.bn.useRunningAverage).toBe(true);
    }
    expect("deterministic" in m.head).toBe(false); // only set where the attribute exists
    m.train();
    for (const b of m.blocks) {
      expect(b.dropout.deterministic).toBe(false);
      expect(b.bn.useRunningAverage).toBe(false);
    }
    m.eval({ rate: 0.1 });
    expect(m.blocks[1].dropout.rate).toBe(0.1);
  });

  it("setAttributes takes filters and reports unknown attributes", () => {
    const m = new Model({ rngs: new nnx.Rngs(0) });
    m.setAttributes({ deterministic: true, useRunningAverage: true }, { filters: [nnx.Dropout], raiseIfNotFound: false });
    expect(m.blocks[0].dropout.deterministic).toBe(true);
    expect(m.blocks[0].bn.useRunningAverage).toBe(false);
    expect(() => m.setAttributes({ nope: 1 })).toThrow(/nope/);
  });

  it("runs a forward pass built from the layers", () => {
    const m = new Model({ rngs: new nnx.Rngs(0) }).eval();
    const y = tf.tidy(() => m.head.call(m.blocks[1].call(m.blocks[0].call(tf.ones([4, 2])))));
    expect(y.shape).toEqual([4, 1]);
    y.dispose();
  });
});

// The shape of code the translator emits (see the runtime brief).
export class SurfaceBlock extends nnx.Module {
  readonly linear: nnx.Linear;
  readonly dropout: nnx.Dropout;
  constructor({ inFeatures, features, rngs }: { inFeatures: number; features: number; rngs: nnx.Rngs }) {
    super();
    this.linear = new nnx.Linear(inFeatures, features, { rngs });
    this.dropout = new nnx.Dropout(0.5, { rngs });
  }
  call(x: nnx.Array): nnx.Array {
    x = this.linear.call(x);
    x = this.dropout.call(x);
    return nnx.relu(x);
  }
}

class SurfaceModel extends nnx.Module {
  readonly block: SurfaceBlock;
  readonly out: nnx.Linear;
  constructor({ inFeatures, dmid, dout, rngs }: { inFeatures: number; dmid: number; dout: number; rngs: nnx.Rngs }) {
    super();
    this.block = new SurfaceBlock({ inFeatures, features: dmid, rngs });
    this.out = new nnx.Linear(dmid, dout, { rngs });
  }
  call(x: nnx.Array): nnx.Array {
    return this.out.call(this.block.call(x));
  }
}

describe("generated-code surface", () => {
  it("supports the calls emitted code makes", () => {
    const model = new SurfaceModel({ inFeatures: 784, dmid: 256, dout: 10, rngs: new nnx.Rngs(0) });
    model.eval();
    model.train();
    const [graphdef, params, rest] = nnx.split(model, nnx.Param, nnx.Everything);
    nnx.update(model, params);
    const s = nnx.state(model, nnx.Param);
    const m2 = nnx.merge(graphdef, params, rest);
    expect(m2).toBeInstanceOf(SurfaceModel);
    expect(s.paths().length).toBe(4);

    const x = tf.randomNormal([8, 784]);
    const labels = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], undefined, "int32");
    const loss = (logits: nnx.Array) => tf.mean(nnx.optax.softmaxCrossEntropyWithIntegerLabels(logits, labels));
    const lossFn = (m: SurfaceModel, xx: nnx.Array) => loss(m.call(xx));
    tf.tidy(() => {
      const grads = nnx.grad((m: SurfaceModel) => loss(m.call(x)))(model);
      const [l, grads2] = nnx.valueAndGrad(lossFn, { hasAux: false })(model, x);
      const opt = new nnx.Optimizer(model, nnx.optax.adam(1e-3), { wrt: nnx.Param });
      opt.update(model, grads);
      opt.update(model, grads2);
      expect(l.rank).toBe(0);
      nnx.dispose(opt);
    });
  });
});

// Module.sow (NNX): values kept in Intermediate Variables, taken out with nnx.pop.
class SowChild extends nnx.Module {
  readonly linear: nnx.Linear;
  constructor(rngs: nnx.Rngs) {
    super();
    this.linear = new nnx.Linear(3, 4, { rngs });
  }
  call(x: nnx.Array): nnx.Array {
    return tf.tidy(() => {
      const y = this.linear.call(x);
      this.sow(nnx.Intermediate, "features", y);
      this.sow<tf.Tensor, tf.Tensor | number>(nnx.Intermediate, "total", tf.sum(y), { initFn: () => 0, reduceFn: (a, b) => tf.add(a, b) });
      this.sow<tf.Tensor, tf.Tensor>(nnx.Intermediate, "last", tf.mul(y, 2), { reduceFn: (_a, b) => b });
      return y;
    });
  }
}

class SowParent extends nnx.Module {
  readonly child: SowChild;
  constructor(rngs: nnx.Rngs) {
    super();
    this.child = new SowChild(rngs);
  }
  call(x: nnx.Array): nnx.Array {
    return tf.tidy(() => {
      const h = this.child.call(x);
      this.sow(nnx.Intermediate, "h", tf.tanh(h));
      return h;
    });
  }
}

describe("Module.sow and nnx.pop", () => {
  it("keeps what NNX keeps (tuple, custom reduce/init, keep-last), pops it, owns its tensors", () => {
    type Nested = number | Nested[];
    const ref = pythonJson<{ paths: string[]; values: Record<string, Nested>; after: boolean[] }>(`
import json, warnings, jax.numpy as jnp, numpy as np
from flax import nnx
warnings.simplefilter("ignore")
class SowChild(nnx.Module):
  def __init__(self, rngs):
    self.linear = nnx.Linear(3, 4, rngs=rngs)
  def __call__(self, x):
    y = self.linear(x)
    self.sow(nnx.Intermediate, 'features', y)
    self.sow(nnx.Intermediate, 'total', jnp.sum(y), init_fn=lambda: 0, reduce_fn=lambda a, b: a + b)
    self.sow(nnx.Intermediate, 'last', y * 2, reduce_fn=lambda a, b: b)
    return y
class SowParent(nnx.Module):
  def __init__(self, rngs):
    self.child = SowChild(rngs)
  def __call__(self, x):
    h = self.child(x)
    self.sow(nnx.Intermediate, 'h', jnp.tanh(h))
    return h
m = SowParent(nnx.Rngs(0))
x = jnp.arange(6, dtype=jnp.float32).reshape(2, 3) / 5
m(x); m(x + 1)
popped = nnx.pop(m, nnx.Intermediate)
tl = lambda v: [tl(e) for e in v] if isinstance(v, tuple) else np.asarray(v, np.float32).tolist()
flat = nnx.to_flat_state(popped)
print(json.dumps({"paths": ['.'.join(map(str, p)) for p, _ in flat], "values": {'.'.join(map(str, p)): tl(v.get_value()) for p, v in flat},
  "after": [hasattr(m.child, 'features'), hasattr(m, 'h')]}))
`);
    const m = new SowParent(new nnx.Rngs(0));
    const x = tf.div(tf.reshape(tf.range(0, 6, 1, "float32"), [2, 3]), 5);
    const x1 = tf.add(x, 1);
    tf.dispose([m.call(x), m.call(x1)]);
    const popped = nnx.pop(m, nnx.Intermediate);
    const flat = nnx.toFlatState(popped) as [nnx.PathParts, nnx.Variable<tf.Tensor | tf.Tensor[]>][];
    expect(flat.map(([p]) => p.join("."))).toEqual(ref.paths);
    for (const [p, v] of flat) {
      expect(v).toBeInstanceOf(nnx.Intermediate);
      const expected = ref.values[p.join(".")];
      const value = v.value;
      if (Array.isArray(value)) {
        expect(value.length, p.join(".")).toBe((expected as Nested[]).length);
        value.forEach((t, i) => expectClose(t, (expected as Nested[])[i], `${p.join(".")}[${i}]`));
      } else expectClose(value, expected, p.join("."));
    }
    expect(["features" in m.child && m.child["features" as keyof SowChild] !== undefined, "h" in m]).toEqual(ref.after);
    nnx.dispose(popped);

    // A name held by something other than a Variable of the type is an error, as in NNX.
    const bad = new SowParent(new nnx.Rngs(0));
    expect(() => bad.sow(nnx.Intermediate, "child", x)).toThrow(/Expected 'child' to be a Variable/);
    bad.sow(nnx.Cache, "c", x);
    expect(() => bad.sow(nnx.Intermediate, "c", x)).toThrow(/to be of type 'Intermediate'/);
    nnx.dispose(bad);

    // Memory: what sow keeps is the Variable's; popped and disposed each step, nothing accumulates,
    // and the caller may free the value it sowed (the Variable holds its own handle).
    const step = () => {
      const y = m.call(x);
      const sown = (m.child as unknown as { features: nnx.Intermediate<tf.Tensor[]> }).features.value[0];
      y.dispose();
      expect(sown.isDisposed).toBe(false);
      nnx.dispose(nnx.pop(m, nnx.Intermediate));
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    // What a call sowed is not a weight: saving and loading leave it alone.
    m.call(x).dispose();
    const bytes = nnx.weightsToBytes(m);
    nnx.loadWeights(m, bytes);
    const saved = nnx.loadSafetensors(bytes).tensors;
    expect(Object.keys(saved).sort()).toEqual(["child.linear.bias", "child.linear.kernel"]);
    tf.dispose(Object.values(saved));
    nnx.dispose(nnx.pop(m, nnx.Intermediate));
    // Not popped: the tuple grows by one tensor per call, and a custom reduce replaces (frees) its old value.
    m.call(x).dispose();
    const once = tf.memory().numTensors;
    m.call(x).dispose();
    expect(tf.memory().numTensors).toBe(once + 2); // one more in `features` and in `h`; `total`/`last` replaced
    nnx.dispose(m);
    tf.dispose([x, x1]);
  });
});
