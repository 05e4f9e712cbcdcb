import { beforeAll, describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import { PY_PRELUDE, bits, expectClose, expectNoLeak, tensor, type Nested } from "../helpers/layers.js";

// nnx.ConvLocal is Linen's nn.ConvLocal in NNX form (NNX has none): the
// parameter tree must be Linen's (names, shapes), the kernel is drawn as an NNX
// layer draws (kernel key, then bias key, from rngs.params()), and outputs and
// gradients must be Linen's on the same parameters.

interface Case {
  name: string;
  cin: number;
  cout: number;
  ks: number | number[];
  x: number[];
  strides?: number | number[];
  padding?: string | number | (number | [number, number])[];
  inputDilation?: number | number[];
  kernelDilation?: number | number[];
  useBias?: boolean;
  mask?: boolean;
}

const CASES: Case[] = [
  { name: "1d SAME", cin: 3, cout: 4, ks: 3, x: [2, 7, 3] },
  { name: "1d VALID stride 2 dilation 2", cin: 2, cout: 3, ks: [3], x: [2, 9, 2], padding: "VALID", strides: 2, kernelDilation: 2 },
  { name: "1d CAUSAL", cin: 2, cout: 2, ks: 3, x: [1, 6, 2], padding: "CAUSAL" },
  { name: "1d REFLECT no bias", cin: 2, cout: 2, ks: 3, x: [2, 5, 2], padding: "REFLECT", useBias: false },
  { name: "1d no batch dims", cin: 3, cout: 2, ks: 2, x: [6, 3] },
  { name: "2d SAME strides (2,1)", cin: 3, cout: 4, ks: [3, 3], x: [2, 5, 6, 3], strides: [2, 1] },
  { name: "2d CIRCULAR", cin: 2, cout: 3, ks: [3, 2], x: [2, 4, 5, 2], padding: "CIRCULAR" },
  { name: "2d input dilation, pairs", cin: 2, cout: 3, ks: [2, 2], x: [1, 3, 4, 2], padding: [[1, 0], 1], inputDilation: [2, 1] },
  { name: "2d mask, two batch dims", cin: 2, cout: 3, ks: [2, 2], x: [2, 2, 4, 4, 2], padding: "VALID", mask: true },
  { name: "3d SAME", cin: 2, cout: 2, ks: [2, 2, 2], x: [2, 3, 3, 4, 2] },
];

interface Ref {
  paths: string[];
  shapes: number[][];
  kernelBits: number[];
  biasBits: number[] | null;
  bias: Nested | null;
  mask: Nested | null;
  x: Nested;
  y: Nested;
  c: Nested;
  gx: Nested;
  gkernel: Nested;
  gbias: Nested | null;
}

const PY = `${PY_PRELUDE}
import flax.linen as nn
cases = json.load(sys.stdin)
out = []
for i, cs in enumerate(cases):
  pad = cs.get("padding", "SAME")
  if isinstance(pad, list): pad = [tuple(p) if isinstance(p, list) else p for p in pad]
  tup = lambda v: tuple(v) if isinstance(v, list) else v
  kw = dict(padding=pad, use_bias=cs.get("useBias", True))
  for k, name in [("strides", "strides"), ("kernelDilation", "kernel_dilation"), ("inputDilation", "input_dilation")]:
    if k in cs: kw[name] = tup(cs[k])
  x = jax.random.normal(jax.random.key(1000 + i), cs["x"])
  shapes = jax.eval_shape(lambda: nn.ConvLocal(cs["cout"], tup(cs["ks"]), **kw).init(jax.random.key(0), x))["params"]
  mask = (jax.random.uniform(jax.random.key(100 + i), shapes["kernel"].shape) > 0.3).astype(jnp.float32) if cs.get("mask") else None
  layer = nn.ConvLocal(cs["cout"], tup(cs["ks"]), **kw, mask=mask)
  flat = jax.tree_util.tree_flatten_with_path(shapes)[0]
  r = {"paths": ["/".join(k.key for k in p) for p, _ in flat], "shapes": [list(v.shape) for _, v in flat], "mask": None if mask is None else tl(mask)}
  rngs = nnx.Rngs(i)  # the draws an NNX layer makes: kernel key, then bias key
  params = {"kernel": nnx.initializers.lecun_normal()(rngs.params(), shapes["kernel"].shape)}
  r["kernelBits"] = u32(params["kernel"])
  r["biasBits"] = r["bias"] = None
  if "bias" in shapes:
    r["biasBits"] = u32(nnx.initializers.zeros_init()(rngs.params(), shapes["bias"].shape))
    params["bias"] = jax.random.normal(jax.random.key(300 + i), shapes["bias"].shape)
    r["bias"] = tl(params["bias"])
  y = layer.apply({"params": params}, x)
  c = jax.random.normal(jax.random.key(2000 + i), y.shape)
  gp, gx = jax.grad(lambda p, x: jnp.sum(layer.apply({"params": p}, x) * c), argnums=(0, 1))(params, x)
  r.update(x=tl(x), y=tl(y), c=tl(c), gx=tl(gx), gkernel=tl(gp["kernel"]), gbias=tl(gp["bias"]) if "bias" in gp else None)
  out.append(r)
print(json.dumps(out))
`;

describe("nnx.ConvLocal against flax.linen.ConvLocal", () => {
  let refs: Ref[];
  // One JAX compilation per case: minutes on a busy machine.
  beforeAll(() => {
    refs = pythonJson<Ref[]>(PY, JSON.stringify(CASES));
  }, 900_000);

  it.each(CASES.map((c, i) => [c.name, i] as const))("%s: Linen's parameter tree, NNX-order init, output and gradients", (_n, i) => {
    const c = CASES[i];
    const ref = refs[i];
    tf.tidy(() => {
      const spatial = c.x.slice(c.x.length - 1 - (typeof c.ks === "number" ? 1 : c.ks.length), -1);
      const mask = ref.mask === null ? null : tensor(ref.mask);
      const m = new nnx.ConvLocal(c.cin, c.cout, c.ks, {
        inputShape: spatial,
        strides: c.strides,
        padding: c.padding,
        inputDilation: c.inputDilation,
        kernelDilation: c.kernelDilation,
        useBias: c.useBias,
        mask,
        rngs: new nnx.Rngs(i),
      });
      const flat = nnx.state(m).flatState();
      expect(flat.map(([p]) => p.join("/"))).toEqual(ref.paths);
      expect(flat.map(([, v]) => v.shape)).toEqual(ref.shapes);
      expect(bits(m.kernel.value), "kernel init").toEqual(ref.kernelBits);
      if (ref.biasBits !== null) {
        expect(bits(m.bias!.value), "bias init").toEqual(ref.biasBits);
        m.bias!.value = tensor(ref.bias!);
      }
      const x = tensor(ref.x);
      expectClose(m.call(x), ref.y, "y");
      const cot = tensor(ref.c);
      const g = nnx.grad((mm: nnx.ConvLocal, xx: tf.Tensor) => tf.sum(tf.mul(mm.call(xx), cot)) as tf.Scalar, { argnums: [0, 1] })(m, x);
      const gm = g[0] as nnx.State;
      expectClose(g[1] as tf.Tensor, ref.gx, "dx");
      expectClose(gm.kernel.value, ref.gkernel, "dkernel");
      if (ref.gbias !== null) expectClose(gm.bias.value, ref.gbias, "dbias");
      nnx.dispose(m);
    });
  });

  it("keeps numTensors flat", () => {
    const m = new nnx.ConvLocal(3, 4, [3, 3], { inputShape: [6, 6], padding: "CIRCULAR", rngs: new nnx.Rngs(0) });
    const x = tf.randomNormal([2, 6, 6, 3]);
    expectNoLeak(() => {
      tf.tidy(() => {
        m.call(x);
      });
      const g = nnx.grad((mm: nnx.ConvLocal) => tf.sum(mm.call(x)) as tf.Scalar)(m);
      nnx.dispose(g);
    });
  });
});
