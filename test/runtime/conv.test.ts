import { beforeAll, describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import { PY_PRELUDE, bits, expectClose, expectNoLeak, modelAndInputGrads, tensor, type Nested } from "../helpers/layers.js";

type Pad = string | number | (number | [number, number])[];
interface Case {
  kind: "Conv" | "ConvTranspose";
  name: string;
  cin: number;
  cout: number;
  ks: number | number[];
  x: number[];
  strides?: number | number[];
  padding?: Pad;
  inputDilation?: number | number[];
  kernelDilation?: number | number[];
  groups?: number;
  useBias?: boolean;
  mask?: boolean;
  transposeKernel?: boolean;
}

interface Ref {
  kernelBits: number[];
  biasBits: number[] | null;
  bias: Nested | null;
  mask: Nested | null;
  x: Nested;
  y: Nested;
  c: Nested;
  gx: Nested;
  gm: Record<string, Nested>;
}

const conv = (name: string, cin: number, cout: number, ks: number | number[], x: number[], o: Partial<Case> = {}): Case => ({ kind: "Conv", name, cin, cout, ks, x, ...o });
const convT = (name: string, cin: number, cout: number, ks: number | number[], x: number[], o: Partial<Case> = {}): Case => ({ kind: "ConvTranspose", name, cin, cout, ks, x, ...o });

const CASES: Case[] = [
  // 1-D
  conv("1d SAME", 3, 4, 3, [2, 9, 3]),
  conv("1d VALID stride 2", 3, 4, 3, [2, 9, 3], { padding: "VALID", strides: 2 }),
  conv("1d CIRCULAR stride 2 dilation 2", 3, 4, 4, [2, 9, 3], { padding: "CIRCULAR", strides: 2, kernelDilation: 2 }),
  conv("1d REFLECT", 2, 3, [3], [2, 5, 2], { padding: "REFLECT" }),
  conv("1d CAUSAL dilation 2", 3, 2, 3, [2, 8, 3], { padding: "CAUSAL", kernelDilation: 2 }),
  conv("1d int padding", 3, 2, 3, [1, 6, 3], { padding: 2 }),
  conv("1d pair padding", 3, 2, 3, [1, 6, 3], { padding: [[2, 1]] }),
  conv("1d negative padding", 3, 2, 2, [1, 7, 3], { padding: [[-1, 2]] }),
  conv("1d input dilation", 3, 2, 3, [2, 5, 3], { padding: [[1, 1]], inputDilation: 2 }),
  conv("1d input dilation stride kernel dilation", 2, 2, 2, [1, 6, 2], { padding: [[2, 0]], inputDilation: 3, strides: 2, kernelDilation: 2 }),
  conv("1d groups 3", 6, 9, 3, [2, 7, 6], { groups: 3 }),
  conv("1d depthwise", 4, 8, 3, [2, 7, 4], { groups: 4, strides: 2 }),
  conv("1d no batch dims", 3, 4, 3, [9, 3]),
  conv("1d two batch dims", 3, 4, 3, [2, 3, 9, 3], { padding: "VALID" }),
  conv("1d no bias, mask", 3, 4, 3, [2, 9, 3], { useBias: false, mask: true }),
  // 2-D
  conv("2d SAME strides (2,1)", 3, 4, [3, 3], [2, 7, 8, 3], { strides: [2, 1] }),
  conv("2d VALID kernel dilation (2,1)", 3, 4, [2, 3], [2, 7, 8, 3], { padding: "VALID", kernelDilation: [2, 1] }),
  conv("2d CIRCULAR", 2, 3, [3, 3], [2, 5, 6, 2], { padding: "CIRCULAR" }),
  conv("2d REFLECT dilation 2", 2, 3, [3, 2], [1, 6, 5, 2], { padding: "REFLECT", kernelDilation: 2 }),
  conv("2d int and pair padding", 2, 3, [3, 3], [2, 5, 5, 2], { padding: [1, [0, 2]] }),
  conv("2d input dilation stride 2", 3, 2, [3, 3], [2, 4, 5, 3], { padding: [[1, 1], [0, 0]], inputDilation: [2, 1], strides: 2 }),
  conv("2d groups 2", 4, 6, [3, 3], [2, 6, 6, 4], { groups: 2 }),
  conv("2d depthwise stride 2 dilation 2", 3, 6, [3, 3], [2, 9, 9, 3], { groups: 3, strides: 2, kernelDilation: 2 }),
  conv("2d mask", 3, 4, [3, 3], [2, 5, 5, 3], { mask: true }),
  conv("2d no batch dims SAME stride 2", 3, 4, [3, 3], [7, 7, 3], { strides: 2 }),
  conv("2d SAME_LOWER", 2, 2, [4, 4], [1, 6, 6, 2], { padding: "SAME_LOWER" }),
  // 3-D
  conv("3d SAME strides (1,2,1)", 2, 3, [2, 3, 2], [2, 4, 5, 4, 2], { strides: [1, 2, 1] }),
  conv("3d VALID dilation (1,2,1) groups 2", 4, 4, [3, 2, 3], [1, 5, 6, 5, 4], { padding: "VALID", kernelDilation: [1, 2, 1], groups: 2 }),
  conv("3d CIRCULAR", 2, 2, [3, 3, 3], [1, 4, 4, 4, 2], { padding: "CIRCULAR" }),
  conv("3d input dilation", 2, 3, [2, 2, 2], [1, 3, 3, 3, 2], { padding: 1, inputDilation: 2 }),
  conv("3d two batch dims", 2, 3, [2, 2, 2], [2, 2, 3, 3, 3, 2]),
  // ConvTranspose
  convT("1d SAME stride 2", 3, 4, 3, [2, 5, 3], { strides: 2 }),
  convT("1d VALID stride 3", 3, 2, 4, [2, 5, 3], { padding: "VALID", strides: 3 }),
  convT("1d default strides", 2, 3, 3, [2, 5, 2]),
  convT("1d CIRCULAR stride 2", 3, 4, 3, [2, 5, 3], { padding: "CIRCULAR", strides: 2 }),
  convT("1d CIRCULAR transpose kernel", 3, 4, 4, [2, 5, 3], { padding: "CIRCULAR", strides: 2, transposeKernel: true }),
  convT("1d pair padding", 3, 2, 3, [1, 6, 3], { padding: [[2, 1]], strides: 2 }),
  convT("1d int padding dilation 2", 3, 2, 3, [1, 6, 3], { padding: 1, kernelDilation: 2 }),
  convT("1d SAME dilation 2 stride 2", 2, 2, 3, [2, 5, 2], { kernelDilation: 2, strides: 2 }),
  convT("1d negative padding", 2, 2, 3, [1, 6, 2], { padding: [[-1, 1]], strides: 2 }),
  convT("1d mask no bias", 3, 4, 3, [2, 5, 3], { mask: true, useBias: false }),
  convT("1d no batch dims", 3, 4, 3, [5, 3], { strides: 2 }),
  convT("2d SAME stride 2 transpose kernel", 3, 4, [3, 3], [2, 4, 5, 3], { strides: 2, transposeKernel: true }),
  convT("2d CIRCULAR stride 2 transpose kernel", 3, 4, [6, 6], [1, 7, 7, 3], { strides: [2, 2], padding: "CIRCULAR", transposeKernel: true }),
  convT("2d CIRCULAR even kernel", 2, 3, [4, 3], [2, 5, 4, 2], { strides: [2, 1], padding: "CIRCULAR" }),
  convT("2d VALID dilation (1,2)", 3, 2, [2, 3], [2, 4, 4, 3], { padding: "VALID", kernelDilation: [1, 2], strides: [1, 2] }),
  convT("2d two batch dims", 2, 2, [2, 2], [2, 2, 3, 3, 2], { strides: 2 }),
  convT("3d SAME stride 2", 2, 3, [2, 2, 2], [1, 3, 3, 3, 2], { strides: 2 }),
  convT("3d VALID transpose kernel", 2, 3, [2, 3, 2], [2, 3, 2, 3, 2], { padding: "VALID", strides: [1, 2, 1], transposeKernel: true }),
];

function build(c: Case, mask: tf.Tensor | null): nnx.Conv | nnx.ConvTranspose {
  const rngs = new nnx.Rngs(CASES.indexOf(c));
  const common = { strides: c.strides, padding: c.padding, kernelDilation: c.kernelDilation, useBias: c.useBias, mask, rngs };
  if (c.kind === "Conv") return new nnx.Conv(c.cin, c.cout, c.ks, { ...common, inputDilation: c.inputDilation, featureGroupCount: c.groups });
  return new nnx.ConvTranspose(c.cin, c.cout, c.ks, { ...common, transposeKernel: c.transposeKernel });
}

const PY = `${PY_PRELUDE}
cases = json.load(sys.stdin)
out = []
for i, cs in enumerate(cases):
  pad = cs.get("padding", "SAME")
  if isinstance(pad, list): pad = [tuple(p) if isinstance(p, list) else p for p in pad]
  tup = lambda v: tuple(v) if isinstance(v, list) else v
  ks = tup(cs["ks"])
  kw = dict(padding=pad, use_bias=cs.get("useBias", True))
  for k, name in [("strides", "strides"), ("kernelDilation", "kernel_dilation")]:
    if k in cs: kw[name] = tup(cs[k])
  ks_t = (ks,) if isinstance(ks, int) else ks
  if cs["kind"] == "Conv":
    if "inputDilation" in cs: kw["input_dilation"] = tup(cs["inputDilation"])
    g = cs.get("groups", 1)
    kw["feature_group_count"] = g
    kshape = ks_t + (cs["cin"] // g, cs["cout"])
  else:
    kw["transpose_kernel"] = cs.get("transposeKernel", False)
    kshape = ks_t + ((cs["cout"], cs["cin"]) if kw["transpose_kernel"] else (cs["cin"], cs["cout"]))
  mask = (jax.random.uniform(jax.random.key(100 + i), kshape) > 0.3).astype(jnp.float32) if cs.get("mask") else None
  cls = nnx.Conv if cs["kind"] == "Conv" else nnx.ConvTranspose
  m = cls(cs["cin"], cs["cout"], ks, **kw, mask=mask, rngs=nnx.Rngs(i))
  r = {"kernelBits": u32(m.kernel[...]), "biasBits": None, "bias": None, "mask": None if mask is None else tl(mask)}
  if m.bias is not None:
    r["biasBits"] = u32(m.bias[...])
    m.bias[...] = jax.random.normal(jax.random.key(300 + i), m.bias.shape)
    r["bias"] = tl(m.bias[...])
  x = jax.random.normal(jax.random.key(1000 + i), cs["x"])
  y = m(x)
  c = jax.random.normal(jax.random.key(2000 + i), y.shape)
  gm, gx = grads(m, x, c)
  r.update(x=tl(x), y=tl(y), c=tl(c), gx=gx, gm=gm)
  out.append(r)
print(json.dumps(out))
`;

describe("nnx.Conv and nnx.ConvTranspose against flax.nnx", () => {
  let refs: Ref[];
  // 50 layers, each compiled by JAX for its shapes: minutes on a busy machine.
  beforeAll(() => {
    refs = pythonJson<Ref[]>(PY, JSON.stringify(CASES));
  }, 900_000);

  it.each(CASES.map((c, i) => [`${c.kind} ${c.name}`, i] as const))("%s: init bit-exact, output and gradients", (_name, i) => {
    const c = CASES[i];
    const ref = refs[i];
    tf.tidy(() => {
      const mask = ref.mask === null ? null : tensor(ref.mask);
      const m = build(c, mask);
      expect(bits(m.kernel.value), "kernel init").toEqual(ref.kernelBits);
      expect(m.kernel.getMetadata("init")).toBeTypeOf("function");
      if (ref.biasBits === null) expect(m.bias).toBeNull();
      else {
        expect(bits(m.bias!.value), "bias init").toEqual(ref.biasBits);
        m.bias!.value = tensor(ref.bias!);
      }
      const x = tensor(ref.x);
      expectClose(m.call(x), ref.y, "y");
      const [gm, gx] = modelAndInputGrads(m, x, tensor(ref.c));
      expectClose(gx, ref.gx, "dx");
      expectClose(gm.kernel.value, ref.gm.kernel, "dkernel");
      if (ref.biasBits !== null) expectClose(gm.bias.value, ref.gm.bias, "dbias");
      nnx.dispose(m);
    });
  });
});

describe("nnx.Conv errors as flax", () => {
  it("rejects string padding with input dilation and CAUSAL beyond 1-D", () => {
    const rngs = new nnx.Rngs(0);
    const a = new nnx.Conv(2, 2, 3, { inputDilation: 2, rngs });
    expect(() => a.call(tf.ones([1, 5, 2]))).toThrow(/String padding is not implemented/);
    const b = new nnx.Conv(2, 2, [3, 3], { padding: "CAUSAL", rngs });
    expect(() => b.call(tf.ones([1, 5, 5, 2]))).toThrow(/Causal padding is only implemented for 1D/);
    expect(() => new nnx.Conv(2, 2, [3, 3], { padding: [1, 2, 3], rngs }).call(tf.ones([1, 5, 5, 2]))).toThrow(/Invalid padding format/);
  });
});

describe("conv memory", () => {
  it("Conv, ConvTranspose (CIRCULAR) and grads keep numTensors flat", () => {
    const rngs = new nnx.Rngs(0);
    const a = new nnx.Conv(4, 6, [3, 3], { padding: "CIRCULAR", kernelDilation: 2, featureGroupCount: 2, rngs });
    const b = new nnx.ConvTranspose(6, 3, [3, 3], { strides: 2, padding: "CIRCULAR", rngs });
    const x = tf.randomNormal([2, 6, 6, 4]);
    const c = tf.randomNormal([2, 12, 12, 3]);
    expectNoLeak(() => {
      tf.tidy(() => {
        b.call(a.call(x));
      });
      const g = nnx.grad((m: nnx.Conv, xx: tf.Tensor) => tf.sum(tf.mul(b.call(m.call(xx)), c)) as tf.Scalar, { argnums: [0, 1] })(a, x);
      nnx.dispose(g[0] as nnx.State);
      (g[1] as tf.Tensor).dispose();
    }, 20);
  });
});
