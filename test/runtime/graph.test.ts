import { beforeAll, describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import { Block, Counter } from "../helpers/nnx-models.js";

const PY_MODEL = `
import json, jax, jax.numpy as jnp, numpy as np
from flax import nnx
class Counter(nnx.Variable): pass
class Block(nnx.Module):
  def __init__(self, din, dout, rngs):
    self.linear = nnx.Linear(din, dout, rngs=rngs)
    self.bn = nnx.BatchNorm(dout, rngs=rngs)
    self.dropout = nnx.Dropout(0.5, rngs=rngs)
  def __call__(self, x):
    return self.dropout(nnx.relu(self.bn(self.linear(x))))
class Model(nnx.Module):
  def __init__(self, rngs):
    self.blocks = nnx.List([Block(2, 3, rngs), Block(3, 3, rngs)])
    self.count = Counter(jnp.array(0))
    self.head = nnx.Linear(3, 1, rngs=rngs)
    self.shared = self.head
  def __call__(self, x):
    for b in self.blocks: x = b(x)
    return self.head(x)
key = lambda p: [str(k) for k in p]
paths = lambda s: [key(p) for p, _ in nnx.to_flat_state(s)]
`;


class Model extends nnx.Module {
  readonly blocks: Block[];
  readonly count: Counter;
  readonly head: nnx.Linear;
  readonly shared: nnx.Linear;
  constructor({ rngs }: { rngs: nnx.Rngs }) {
    super();
    this.blocks = [new Block(2, 3, rngs), new Block(3, 3, rngs)];
    this.count = new Counter(tf.scalar(0, "int32"));
    this.head = new nnx.Linear(3, 1, { rngs });
    this.shared = this.head;
  }
  call(x: nnx.Array): nnx.Array {
    for (const b of this.blocks) x = b.call(x);
    return this.head.call(x);
  }
}

const strPaths = (s: nnx.State) => s.paths().map((p) => p.map(String));

describe("split / merge / state / update", () => {
  let ref: Record<string, string[][]> & { numLeaves: number; y: number[][] };
  beforeAll(() => {
    ref = pythonJson(`${PY_MODEL}
m = Model(nnx.Rngs(0))
gd, params, rest = nnx.split(m, nnx.Param, ...)
_, counters, params2, rest2 = nnx.split(m, Counter, nnx.Param, ...)
out = {"params": paths(params), "rest": paths(rest), "counters": paths(counters), "rest2": paths(rest2)}
out["numLeaves"] = gd.num_leaves
filters = {
  "all": nnx.All(nnx.Param, nnx.PathContains('bn')),
  "any": nnx.Any(nnx.BatchStat, Counter),
  "not": nnx.All(nnx.Not(nnx.Param), nnx.Not(nnx.RngState)),
  "path": nnx.PathContains('kernel'),
  "pathInexact": nnx.PathContains('lin', exact=False),
  "tag": 'dropout',
  "tuple": (nnx.BatchStat, nnx.RngKey),
  "pred": lambda path, v: isinstance(v, nnx.Param) and path[-1] == 'bias',
}
for k, f in filters.items(): out[k] = paths(nnx.state(m, f))
m.eval()
out["y"] = m(jnp.ones((2, 2))).tolist()
print(json.dumps(out))
`);
  });

  it("splits by filters like nnx.split, incl. a user Variable subclass", () => {
    const m = new Model({ rngs: new nnx.Rngs(0) });
    const [gd, params, rest] = nnx.split(m, nnx.Param, nnx.Everything);
    expect(strPaths(params)).toEqual(ref.params);
    expect(strPaths(rest)).toEqual(ref.rest);
    expect(gd.numLeaves).toBe(ref.numLeaves);
    const [, counters, params2, rest2] = nnx.split(m, Counter, nnx.Param, nnx.Everything);
    expect(strPaths(counters)).toEqual(ref.counters);
    expect(counters.count).toBe(m.count);
    expect(strPaths(params2)).toEqual(ref.params);
    expect(strPaths(rest2)).toEqual(ref.rest2);
    // States hold the module's own Variables, as in flax 0.12.
    expect(params.blocks[0].linear.kernel).toBe(m.blocks[0].linear.kernel);
    expect(params.head.kernel).toBe(m.head.kernel);
    expect(params.shared).toBeUndefined(); // a shared Module is found once, at its first path
  });

  it("requires exhaustive filters in split, as flax 0.12", () => {
    const m = new Model({ rngs: new nnx.Rngs(0) });
    expect(() => nnx.split(m, nnx.Param)).toThrow(/Non-exhaustive filters/);
    expect(() => nnx.split(m, nnx.Everything, nnx.Param)).toThrow(/last filter/);
  });

  it("selects the same Variables as NNX filters", () => {
    const m = new Model({ rngs: new nnx.Rngs(0) });
    const filters: Record<string, nnx.Filter> = {
      all: nnx.All(nnx.Param, nnx.PathContains("bn")),
      any: nnx.Any(nnx.BatchStat, Counter),
      not: nnx.All(nnx.Not(nnx.Param), nnx.Not(nnx.RngState)),
      path: nnx.PathContains("kernel"),
      pathInexact: nnx.PathContains("lin", { exact: false }),
      tag: "dropout",
      tuple: [nnx.BatchStat, nnx.RngKey],
      pred: (path, v) => v instanceof nnx.Param && path[path.length - 1] === "bias",
    };
    for (const [k, f] of Object.entries(filters)) expect(strPaths(nnx.state(m, f)), k).toEqual(ref[k]);
    const [p, b] = nnx.state(m, nnx.Param, nnx.BatchStat);
    expect(strPaths(p)).toEqual(ref.params);
    expect(b.leaves().every((v: unknown) => v instanceof nnx.BatchStat)).toBe(true);
  });

  it("merge builds a new instance sharing the Variables; copy: true clones them", () => {
    const m = new Model({ rngs: new nnx.Rngs(0) }).eval();
    const [gd, params, rest] = nnx.split(m, nnx.Param, nnx.Everything);
    const m2 = nnx.merge(gd, params, rest);
    expect(m2).toBeInstanceOf(Model);
    expect(m2).not.toBe(m);
    expect(m2.blocks[1]).toBeInstanceOf(Block);
    expect(m2.blocks[1].bn.mean).toBe(m.blocks[1].bn.mean);
    expect(m2.shared).toBe(m2.head); // sharing restored
    expect(m2.blocks[0].dropout.deterministic).toBe(true); // static attributes carried over
    const y = m2.call(tf.ones([2, 2]));
    const yArr = y.arraySync() as number[][];
    yArr.flat().forEach((v, i) => expect(v).toBeCloseTo(ref.y.flat()[i], 5));

    const m3 = nnx.merge(gd, params, rest, { copy: true });
    expect(m3.head.kernel).not.toBe(m.head.kernel);
    expect(m3.head.kernel.value).not.toBe(m.head.kernel.value);
    expect(Array.from(m3.head.kernel.value.dataSync())).toEqual(Array.from(m.head.kernel.value.dataSync()));
    m3.head.kernel.value = tf.zerosLike(m3.head.kernel.value);
    expect(m.head.kernel.value.isDisposed).toBe(false); // independent ownership

    // Merging a full State from nnx.state works too, and missing leaves are an error.
    expect(nnx.merge(gd, nnx.state(m))).toBeInstanceOf(Model);
    expect(() => nnx.merge(gd, params)).toThrow(/no value for Variable/);
    expect(nnx.graphdef(m).toString()).toBe(`GraphDef(Model, ${ref.numLeaves} leaves)`);
  });

  it("update writes values in place (cloned, the module keeps owning its tensors)", () => {
    const a = new Model({ rngs: new nnx.Rngs(0) });
    const b = new Model({ rngs: new nnx.Rngs(1) });
    const oldKernel = a.head.kernel.value;
    const kernelVar = a.head.kernel;
    nnx.update(a, nnx.state(b, nnx.Param));
    expect(a.head.kernel).toBe(kernelVar); // same Variable object
    expect(a.head.kernel.value).not.toBe(b.head.kernel.value);
    expect(Array.from(a.head.kernel.value.dataSync())).toEqual(Array.from(b.head.kernel.value.dataSync()));
    expect(oldKernel.isDisposed).toBe(true);
    nnx.dispose(b);
    expect(a.head.kernel.value.isDisposed).toBe(false);

    // Updating from the module's own state is a no-op; several states merge; raw values work.
    const own = nnx.state(a);
    const before = a.blocks[0].bn.mean.value;
    nnx.update(a, own);
    expect(a.blocks[0].bn.mean.value).toBe(before);
    nnx.update(a, { head: { bias: tf.tensor([5]) } }, { count: tf.scalar(3, "int32") });
    expect(Array.from(a.head.bias!.value.dataSync())).toEqual([5]);
    expect(a.count.value.dataSync()[0]).toBe(3);
  });

  it("State helpers: flatState, map, filter, split, merge, toPureDict, treeMap, clone", () => {
    const m = new Model({ rngs: new nnx.Rngs(0) });
    const s = nnx.state(m);
    const params = s.filter(nnx.Param);
    expect(strPaths(params)).toEqual(ref.params);
    const [p2, r2] = s.split(nnx.Param, nnx.Everything);
    expect(strPaths(nnx.mergeState(p2, r2))).toEqual(strPaths(s));
    expect(() => s.split(nnx.Param)).toThrow(/Non-exhaustive/);
    const shapes = params.map((_p: nnx.PathParts, v: nnx.Variable) => v.shape);
    expect(shapes.head.kernel).toEqual([3, 1]);
    const pure = params.toPureDict();
    expect(pure.blocks[0].linear.kernel).toBe(m.blocks[0].linear.kernel.value);

    const doubled = tf.tidy(() => {
      const d = nnx.treeMap((x: tf.Tensor) => tf.mul(x, 2), params);
      expect(d.head.kernel).toBeInstanceOf(nnx.Param);
      nnx.update(m, d);
      return m.head.kernel.value;
    });
    expect(doubled.isDisposed).toBe(false); // the model owns (a clone of) the new value

    const c = nnx.clone(m);
    expect(c).toBeInstanceOf(Model);
    expect(c.head.kernel).not.toBe(m.head.kernel);
    expect(c.shared).toBe(c.head);
    const numBefore = tf.memory().numTensors;
    nnx.dispose(c);
    expect(tf.memory().numTensors).toBeLessThan(numBefore);
    expect(m.head.kernel.value.isDisposed).toBe(false);

    // Integer keys survive flat/nested round trips.
    const f = nnx.fromFlatState(s.flatState());
    expect(f.paths()).toEqual(s.paths());
    expect(f.paths()[0][1]).toBe(0);
  });

  it("iterGraph visits nodes and leaves once, children first", () => {
    const m = new Model({ rngs: new nnx.Rngs(0) });
    const all = [...nnx.iterGraph(m)];
    expect(all[all.length - 1]).toEqual([[], m]);
    const heads = all.filter(([, v]) => v === m.head);
    expect(heads).toHaveLength(1);
    expect(all.some(([p, v]) => v === m.blocks && p.join("/") === "blocks")).toBe(true);
  });
});
