import { beforeAll, describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import { PY_PRELUDE, bits, expectClose, expectNoLeak, tensor, type Nested } from "../helpers/layers.js";

// Each case builds the same layer in flax.nnx and here from nnx.Rngs(case index):
// initial values bit-exact, then outputs and gradients (w.r.t. the Params and x)
// on random inputs, and for BatchNorm the running statistics after two
// train-mode calls and the gradient call, and the eval-mode output.

type Kind = "BatchNorm" | "LayerNorm" | "RMSNorm" | "GroupNorm" | "InstanceNorm";
type Opt = number | boolean | null | string | number[];
interface Case {
  kind: Kind;
  name: string;
  features: number;
  x: number[];
  /** camelCase options; initializers as "normal:0.5" / "uniform:1" / "constant:2". */
  options?: Record<string, Opt>;
  /** A random 0/1 mask of this shape goes to call(..., { mask }). */
  mask?: number[];
  /** Makes feature 0 constant (variance exactly 0: jnp.maximum's tie gradient). */
  constantFeature?: boolean;
}

const CASES: Case[] = [
  { kind: "BatchNorm", name: "defaults", features: 5, x: [8, 5], options: { momentum: 0.9 } },
  { kind: "BatchNorm", name: "axis 1, two-pass variance, no scale", features: 3, x: [4, 3, 6], options: { axis: 1, useFastVariance: false, useScale: false } },
  { kind: "BatchNorm", name: "axis 2 of 4, inits", features: 3, x: [4, 2, 3, 5], options: { axis: 2, biasInit: "normal:0.5", scaleInit: "uniform:1", epsilon: 1e-3 } },
  { kind: "BatchNorm", name: "mask, constant feature", features: 4, x: [6, 3, 4], mask: [6, 3, 1], constantFeature: true },
  { kind: "LayerNorm", name: "defaults", features: 6, x: [2, 3, 6] },
  { kind: "LayerNorm", name: "reduce (1, 2), features -1, two-pass", features: 4, x: [2, 3, 4], options: { reductionAxes: [1, 2], useFastVariance: false, biasInit: "normal:1" } },
  { kind: "LayerNorm", name: "features (1, 2)", features: 12, x: [2, 3, 4], options: { reductionAxes: [1, 2], featureAxes: [-2, -1], scaleInit: "normal:1" } },
  { kind: "LayerNorm", name: "no scale, no bias, mask, constant feature", features: 5, x: [3, 5], options: { useScale: false, useBias: false, epsilon: 1e-2 }, mask: [3, 5], constantFeature: true },
  { kind: "RMSNorm", name: "defaults", features: 6, x: [2, 3, 6] },
  { kind: "RMSNorm", name: "reduce (-2, -1), scale init, mask", features: 4, x: [2, 3, 4], options: { reductionAxes: [-2, -1], scaleInit: "normal:1" }, mask: [2, 3, 1] },
  { kind: "RMSNorm", name: "no scale", features: 4, x: [5, 4], options: { useScale: false } },
  { kind: "GroupNorm", name: "2 groups, NHWC", features: 6, x: [2, 3, 4, 6], options: { numGroups: 2 } },
  { kind: "GroupNorm", name: "group size 2, two-pass, inits", features: 6, x: [3, 5, 6], options: { numGroups: null, groupSize: 2, useFastVariance: false, biasInit: "normal:1", scaleInit: "uniform:2" } },
  { kind: "GroupNorm", name: "reduction axes given, 2-D input", features: 8, x: [4, 8], options: { numGroups: 2, reductionAxes: [-1] } },
  { kind: "GroupNorm", name: "mask, constant feature", features: 4, x: [2, 5, 4], options: { numGroups: 4 }, mask: [2, 5, 4], constantFeature: true },
  { kind: "InstanceNorm", name: "NHWC", features: 3, x: [2, 4, 5, 3] },
  { kind: "InstanceNorm", name: "feature axes (1, -1), two-pass", features: 12, x: [2, 3, 5, 4], options: { featureAxes: [1, -1], useFastVariance: false, biasInit: "normal:1" } },
  { kind: "InstanceNorm", name: "mask", features: 2, x: [3, 6, 2], mask: [3, 6, 1], options: { useBias: false } },
];

interface Ref {
  init: Record<string, number[]>;
  mask: Nested | null;
  params: Record<string, Nested>;
  x: Nested;
  x2: Nested;
  y: Nested;
  y2: Nested | null;
  c: Nested;
  gx: Nested;
  gm: Record<string, Nested>;
  stats: Record<string, Nested> | null;
  yEval: Nested | null;
}

const PY = `${PY_PRELUDE}
import re
snake = lambda k: re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k)
def value(k, v):
  if isinstance(v, str) and ":" in v:
    name, arg = v.split(":")
    return getattr(nnx.initializers, name)(float(arg))
  if isinstance(v, list): return tuple(v)
  return v
cases = json.load(sys.stdin)
out = []
for i, cs in enumerate(cases):
  kw = {snake(k): value(k, v) for k, v in cs.get("options", {}).items()}
  m = getattr(nnx, cs["kind"])(cs["features"], **kw, rngs=nnx.Rngs(i))
  params = nnx.state(m, nnx.Param)
  r = {"init": {"/".join(map(str, p)): u32(v[...]) for p, v in nnx.to_flat_state(nnx.state(m))}}
  # Non-trivial parameters for the output checks.
  for j, (p, v) in enumerate(nnx.to_flat_state(params)):
    v[...] = jax.random.uniform(jax.random.key(500 + 10 * i + j), v.shape) + 0.5
  r["params"] = {"/".join(map(str, p)): tl(v[...]) for p, v in nnx.to_flat_state(params)}
  x = jax.random.normal(jax.random.key(1000 + i), cs["x"]) * 2 + 0.5
  if cs.get("constantFeature"): x = x.at[..., 0].set(2.0)
  x2 = x * 0.5 + 1
  mask = (jax.random.uniform(jax.random.key(100 + i), cs["mask"]) > 0.3) if "mask" in cs else None
  call = lambda m, x: m(x, mask=mask) if mask is not None else m(x)
  y = call(m, x)
  y2 = call(m, x2) if cs["kind"] == "BatchNorm" else None
  c = jax.random.normal(jax.random.key(2000 + i), y.shape)
  gm, gx = nnx.grad(lambda m, x: jnp.sum(call(m, x) * c), argnums=(0, 1))(m, x)
  r.update(mask=None if mask is None else tl(mask.astype(jnp.float32)), x=tl(x), x2=tl(x2), y=tl(y), y2=None if y2 is None else tl(y2), c=tl(c), gx=tl(gx),
           gm={"/".join(map(str, p)): tl(v[...]) for p, v in nnx.to_flat_state(gm)}, stats=None, yEval=None)
  if cs["kind"] == "BatchNorm":
    r["stats"] = {"/".join(map(str, p)): tl(v[...]) for p, v in nnx.to_flat_state(nnx.state(m, nnx.BatchStat))}
    m.eval()
    r["yEval"] = tl(m(x))
  out.append(r)
print(json.dumps(out))
`;

function init(spec: Opt): nnx.Initializer | Opt {
  if (typeof spec !== "string" || !spec.includes(":")) return spec;
  const [name, arg] = spec.split(":");
  const make = { normal: nnx.initializers.normal, uniform: nnx.initializers.uniform, constant: nnx.initializers.constant }[name]!;
  return make(Number(arg));
}

type NormLayer = nnx.Module & { call(x: tf.Tensor, ...rest: any[]): tf.Tensor };

function build(c: Case, rngs: nnx.Rngs): NormLayer {
  const options = Object.fromEntries(Object.entries(c.options ?? {}).map(([k, v]) => [k, init(v)]));
  const o = { ...options, rngs } as never;
  switch (c.kind) {
    case "BatchNorm":
      return new nnx.BatchNorm(c.features, o);
    case "LayerNorm":
      return new nnx.LayerNorm(c.features, o);
    case "RMSNorm":
      return new nnx.RMSNorm(c.features, o);
    case "GroupNorm":
      return new nnx.GroupNorm(c.features, o);
    case "InstanceNorm":
      return new nnx.InstanceNorm(c.features, o);
  }
}

/** call(x) with the case's mask, whatever the layer's positional arguments. */
function apply(m: NormLayer, x: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
  const opts = mask === null ? {} : { mask };
  return m instanceof nnx.BatchNorm ? m.call(x, null, opts) : m.call(x, opts);
}

describe("normalization layers against flax.nnx", () => {
  let refs: Ref[];
  // One JAX compilation per case: minutes on a busy machine.
  beforeAll(() => {
    refs = pythonJson<Ref[]>(PY, JSON.stringify(CASES));
  }, 900_000);

  it.each(CASES.map((c, i) => [`${c.kind} ${c.name}`, i] as const))("%s", (_n, i) => {
    const c = CASES[i];
    const ref = refs[i];
    tf.tidy(() => {
      const m = build(c, new nnx.Rngs(i));
      const flat = nnx.state(m).flatState();
      expect(Object.fromEntries(flat.map(([p, v]) => [p.join("/"), bits(v.value)]))).toEqual(ref.init);
      for (const [, v] of nnx.state(m, nnx.Param).flatState()) expect(v.getMetadata("init"), "init metadata").toBeTypeOf("function");
      nnx.update(m, Object.fromEntries(Object.entries(ref.params).map(([k, v]) => [k, tensor(v)])));
      const mask = ref.mask === null ? null : tf.cast(tensor(ref.mask), "bool");
      const x = tensor(ref.x);
      expectClose(apply(m, x, mask), ref.y, "y");
      if (ref.y2 !== null) expectClose(apply(m, tensor(ref.x2), mask), ref.y2, "y (second call)");
      const cot = tensor(ref.c);
      const g = nnx.grad((mm: NormLayer, xx: tf.Tensor) => tf.sum(tf.mul(apply(mm, xx, mask), cot)) as tf.Scalar, { argnums: [0, 1] })(m, x);
      expectClose(g[1] as tf.Tensor, ref.gx, "dx");
      for (const [p, v] of (g[0] as nnx.State).flatState()) expectClose(v.value, ref.gm[p.join("/")], `d${p.join("/")}`);
      expect((g[0] as nnx.State).paths().map((p) => p.join("/"))).toEqual(Object.keys(ref.gm));
      if (ref.stats !== null) {
        for (const [p, v] of nnx.state(m, nnx.BatchStat).flatState()) expectClose(v.value, ref.stats[p.join("/")], p.join("/"));
        m.eval();
        expectClose(apply(m, x, null), ref.yEval!, "y (eval)");
      }
      nnx.dispose(m);
    });
  });
});

describe("normalization errors and modes", () => {
  it("GroupNorm checks numGroups / groupSize and InstanceNorm the batch axis, as flax", () => {
    const rngs = new nnx.Rngs(0);
    expect(() => new nnx.GroupNorm(6, { numGroups: 4, rngs })).toThrow(/does not divide/);
    expect(() => new nnx.GroupNorm(6, { groupSize: 2, rngs })).toThrow(/Either `numGroups` or `groupSize`/);
    expect(() => new nnx.GroupNorm(6, { numGroups: null, groupSize: 4, rngs })).toThrow(/not multiple/);
    expect(() => new nnx.InstanceNorm(2, { featureAxes: [0, -1], rngs }).call(tf.ones([2, 3, 2]))).toThrow(/leading dimension/);
  });

  it("BatchNorm takes useRunningAverage from call() over the attribute; eval leaves the stats", () => {
    const bn = new nnx.BatchNorm(2, { rngs: new nnx.Rngs(0) });
    const m = bn.mean.value;
    tf.tidy(() => {
      bn.call(tf.ones([3, 2]), true);
    });
    expect(bn.mean.value).toBe(m);
    tf.tidy(() => {
      bn.call(tf.ones([3, 2]));
    });
    expect(bn.mean.value).not.toBe(m);
    expect(m.isDisposed).toBe(true);
  });

  it("keeps numTensors flat (train-mode BatchNorm with its updates, every other norm, masks, grads)", () => {
    const rngs = new nnx.Rngs(0);
    const bn = new nnx.BatchNorm(4, { rngs });
    const gn = new nnx.GroupNorm(4, { numGroups: 2, rngs });
    const ln = new nnx.LayerNorm(4, { rngs });
    const rms = new nnx.RMSNorm(4, { rngs });
    const inorm = new nnx.InstanceNorm(4, { useFastVariance: false, rngs });
    const x = tf.randomNormal([3, 5, 4]);
    const mask = tf.greater(tf.randomNormal([3, 5, 1]), -0.5);
    const all = (xx: tf.Tensor) => inorm.call(rms.call(ln.call(gn.call(bn.call(xx, null, { mask })), { mask })), { mask });
    expectNoLeak(() => {
      tf.tidy(() => {
        all(x);
      });
      nnx.dispose(nnx.grad((m: nnx.GroupNorm) => tf.sum(m.call(bn.call(x))) as tf.Scalar)(gn));
      tf.grad((xx: tf.Tensor) => tf.sum(all(xx)))(x).dispose();
    });
  });
});
