import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import { PY_PRELUDE, bits, expectClose, expectNoLeak, tensor, type Nested } from "../helpers/layers.js";

class Model extends nnx.Module {
  readonly seq: nnx.Sequential;
  readonly blocks: nnx.List<nnx.Linear | nnx.BatchNorm>;
  readonly heads: nnx.Dict<nnx.Linear>;
  constructor(rngs: nnx.Rngs) {
    super();
    this.seq = new nnx.Sequential(new nnx.Linear(2, 3, { rngs }), nnx.relu, new nnx.Linear(3, 4, { rngs }));
    this.blocks = new nnx.List<nnx.Linear | nnx.BatchNorm>([new nnx.Linear(4, 4, { rngs }), new nnx.BatchNorm(4, { rngs })]);
    this.heads = new nnx.Dict({ a: new nnx.Linear(4, 1, { rngs }), b: new nnx.Linear(4, 2, { rngs }) });
  }
  call(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = this.seq.call(x);
      for (const b of this.blocks) y = b.call(y);
      return tf.add(this.heads.get("a").call(y), tf.sum(this.heads.get("b").call(y), -1, true));
    });
  }
}

const PY_MODEL = `
class Model(nnx.Module):
  def __init__(self, rngs):
    self.seq = nnx.Sequential(nnx.Linear(2, 3, rngs=rngs), nnx.relu, nnx.Linear(3, 4, rngs=rngs))
    self.blocks = nnx.List([nnx.Linear(4, 4, rngs=rngs), nnx.BatchNorm(4, rngs=rngs)])
    self.heads = nnx.Dict(a=nnx.Linear(4, 1, rngs=rngs), b=nnx.Linear(4, 2, rngs=rngs))
  def __call__(self, x):
    y = self.seq(x)
    for b in self.blocks: y = b(y)
    return self.heads["a"](y) + self.heads["b"](y).sum(-1, keepdims=True)
`;

type Path = (string | number)[];

describe("nnx.Sequential, nnx.List and nnx.Dict against flax.nnx", { timeout: 600_000 }, () => {
  it("state/split paths (integer keys for List items), values, forward, grads and merge", () => {
    const ref = pythonJson<{
      paths: Path[];
      params: Path[];
      stats: Path[];
      bits: number[][];
      x: Nested;
      y: Nested;
      gradPaths: Path[];
      grads: Nested[];
      seqOnly: Path[];
    }>(`${PY_PRELUDE}${PY_MODEL}
m = Model(nnx.Rngs(0))
flat = nnx.to_flat_state(nnx.state(m))
init_bits = [u32(v[...]) for _, v in flat]
gd, params, stats = nnx.split(m, nnx.Param, nnx.BatchStat)
x = jax.random.normal(jax.random.key(1), (5, 2))
y = m(x)
grads = nnx.grad(lambda m: jnp.sum(m(x)))(m)
g = nnx.to_flat_state(grads)
s = nnx.Sequential(nnx.Linear(2, 2, rngs=nnx.Rngs(1)), nnx.Sequential(nnx.Linear(2, 2, rngs=nnx.Rngs(2))))
print(json.dumps({"paths": [list(p) for p, _ in flat], "params": [list(p) for p, _ in nnx.to_flat_state(params)],
  "stats": [list(p) for p, _ in nnx.to_flat_state(stats)], "bits": init_bits,
  "x": tl(x), "y": tl(y), "gradPaths": [list(p) for p, _ in g], "grads": [tl(v[...]) for _, v in g],
  "seqOnly": [list(p) for p, _ in nnx.to_flat_state(nnx.state(s))]}))
`);
    const m = new Model(new nnx.Rngs(0));
    const flat = nnx.state(m).flatState();
    expect(flat.map(([p]) => [...p])).toEqual(ref.paths);
    expect(flat.map(([, v]) => bits(v.value))).toEqual(ref.bits);
    const [gd, params, stats] = nnx.split(m, nnx.Param, nnx.BatchStat);
    expect(params.paths()).toEqual(ref.params);
    expect(stats.paths()).toEqual(ref.stats);

    const x = tensor(ref.x);
    expectClose(m.call(x), ref.y, "y");
    const grads = nnx.grad((mm: Model) => tf.sum(mm.call(x)) as tf.Scalar)(m);
    expect(grads.paths()).toEqual(ref.gradPaths);
    grads.leaves().forEach((v, i) => expectClose(v.value, ref.grads[i], `grad ${JSON.stringify(ref.gradPaths[i])}`));

    // merge rebuilds the containers with their classes; the merged model computes the same.
    const merged = nnx.merge(gd, params, stats);
    expect(merged.blocks).toBeInstanceOf(nnx.List);
    expect(merged.heads).toBeInstanceOf(nnx.Dict);
    expect(merged.seq.layers).toBeInstanceOf(nnx.List);
    expect(merged.blocks.length).toBe(2);
    expect(merged.seq.layers[1]).toBe(nnx.relu);
    expectClose(merged.call(x), ref.y, "y (merged)");
    const cloned = nnx.clone(m);
    expect(nnx.state(cloned).paths()).toEqual(ref.paths);
    expectClose(cloned.call(x), ref.y, "y (clone)");

    const nested = new nnx.Sequential(new nnx.Linear(2, 2, { rngs: new nnx.Rngs(1) }), new nnx.Sequential(new nnx.Linear(2, 2, { rngs: new nnx.Rngs(2) })));
    expect(nnx.state(nested).paths()).toEqual(ref.seqOnly);
    // train()/eval() reach layers inside containers.
    m.eval();
    expect((m.blocks[1] as nnx.BatchNorm).useRunningAverage).toBe(true);
    nnx.dispose([grads]);
  });

  it("List: indexing, negative indices, push/insert/delete/set, slices and iteration as NNX's List", () => {
    const ref = pythonJson<{ items: number[]; got: number[]; sl: number[]; len: number }>(`${PY_PRELUDE}
l = nnx.List([10, 20, 30])
l.append(40)
l.insert(1, 15)
l.insert(-1, 35)
l.insert(100, 50)
l.insert(-100, 5)
del l[2]
l[-1] = 55
print(json.dumps({"items": list(l), "got": [l[0], l[-1], l[3]], "sl": l[1:4], "len": len(l)}))
`);
    const l = new nnx.List([10, 20, 30]);
    l.append(40);
    l.insert(1, 15);
    l.insert(-1, 35);
    l.insert(100, 50);
    l.insert(-100, 5);
    l.delete(2);
    l.set(-1, 55);
    expect([...l]).toEqual(ref.items);
    expect([l[0], l.get(-1), l[3]]).toEqual(ref.got);
    expect(l.slice(1, 4)).toEqual(ref.sl);
    expect(l.length).toBe(ref.len);
    expect(() => l.get(ref.len)).toThrow(/out of bounds/);
  });

  it("Sequential spreads an array output into the next call, and is the identity when empty", () => {
    const split = (x: tf.Tensor) => tf.split(x, 2, -1);
    const join = (a: tf.Tensor, b: tf.Tensor) => tf.sub(a, b);
    const s = new nnx.Sequential(split, join);
    const x = tf.tensor([[1, 2, 5, 3]]);
    expect(Array.from(s.call(x).dataSync())).toEqual([-4, -1]);
    expect(new nnx.Sequential().call(x)).toBe(x);
    const m = new Model(new nnx.Rngs(0));
    const xx = tf.randomNormal([4, 2]);
    expectNoLeak(() => {
      tf.tidy(() => {
        m.call(xx);
      });
    });
  });
});
