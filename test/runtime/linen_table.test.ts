import { beforeAll, describe, expect, it } from "vitest";
import { nnx, random, tf } from "../../runtime/index.js";
import { linenKey } from "../../runtime/random/linen.js";
import { pythonJson } from "../helpers/python.js";
import { PY_PRELUDE, bits, expectClose, type Nested } from "../helpers/layers.js";

function nestedOf(flat: number[], shape: number[]): Nested {
  if (shape.length === 0) return flat[0];
  const step = flat.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) => nestedOf(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

// The Linen-to-runtime map of this area's layers, checked against Flax Linen:
// each Linen layer is initialised on its own (the root module, so its own
// make_rng scope is []), and every Linen variable must
//   - map to one runtime Variable (and the runtime layer has no others),
//   - have the runtime Variable's shape (or, where marked, its size: Linen
//     keeps several feature axes as they are, NNX flattens them),
//   - equal, bit for bit, the runtime Variable's "init" metadata applied to the
//     key Linen draws for it: linenKey(root, scope, counter), where counter
//     counts the self.param / make_rng('params') calls of that scope in order.
// Where Linen's default initializer differs from NNX's, `linenInit` says so.
// SpectralNorm and WeightNorm: Linen's init already stores the wrapped layer's
// parameters normalized (map_variables writes the mapped view back when
// initializing; SpectralNorm also updates u and sigma), while NNX normalizes in
// place at the first call. So there the test draws every variable from Linen's
// key, makes the first call, and compares the state with Linen's init result.

interface Entry {
  /** The runtime path (flatState joined by "/"). */
  ts: string;
  /** make_rng('params') scope and counter; absent for variables drawn without a key (jnp.zeros/ones). */
  scope?: string[];
  counter?: number;
  /** Linen's default initializer, when it is not the runtime's. */
  linenInit?: nnx.Initializer;
  /** Linen's shape differs (several feature axes kept); sizes must agree. */
  reshaped?: boolean;
}

interface Row {
  name: string;
  /** The Linen module, its sample input and call keywords (Python). */
  py: string;
  x: string;
  kw?: string;
  make: (rngs: nnx.Rngs) => nnx.Module;
  /** Linen's init result is the state after this first call on Linen's sample input (shape `xShape`). */
  firstCall?: (m: nnx.Module, x: tf.Tensor) => void;
  xShape?: number[];
  /** Linen "collection|name|name..." -> runtime variable. */
  map: Record<string, Entry>;
}

const ROWS: Row[] = [
  {
    name: "Dense",
    py: "nn.Dense(4)",
    x: "jnp.ones((2, 3))",
    make: (rngs) => new nnx.Linear(3, 4, { rngs }),
    map: { "params|kernel": { ts: "kernel", counter: 1 }, "params|bias": { ts: "bias", counter: 2 } },
  },
  {
    name: "Dense (use_bias=False)",
    py: "nn.Dense(4, use_bias=False)",
    x: "jnp.ones((2, 3))",
    make: (rngs) => new nnx.Linear(3, 4, { useBias: false, rngs }),
    map: { "params|kernel": { ts: "kernel", counter: 1 } },
  },
  {
    name: "Conv",
    py: "nn.Conv(6, (3, 3), feature_group_count=2)",
    x: "jnp.ones((2, 5, 5, 4))",
    make: (rngs) => new nnx.Conv(4, 6, [3, 3], { featureGroupCount: 2, rngs }),
    map: { "params|kernel": { ts: "kernel", counter: 1 }, "params|bias": { ts: "bias", counter: 2 } },
  },
  {
    name: "ConvTranspose",
    py: "nn.ConvTranspose(3, (2, 2), strides=(2, 2), transpose_kernel=True)",
    x: "jnp.ones((2, 4, 4, 5))",
    make: (rngs) => new nnx.ConvTranspose(5, 3, [2, 2], { strides: [2, 2], transposeKernel: true, rngs }),
    map: { "params|kernel": { ts: "kernel", counter: 1 }, "params|bias": { ts: "bias", counter: 2 } },
  },
  {
    name: "ConvLocal",
    py: "nn.ConvLocal(3, (3, 3), strides=2)",
    x: "jnp.ones((2, 6, 6, 2))",
    make: (rngs) => new nnx.ConvLocal(2, 3, [3, 3], { inputShape: [6, 6], strides: 2, rngs }),
    map: { "params|kernel": { ts: "kernel", counter: 1 }, "params|bias": { ts: "bias", counter: 2 } },
  },
  {
    name: "Embed",
    py: "nn.Embed(10, 4)",
    x: "jnp.ones((2, 3), jnp.int32)",
    make: (rngs) => new nnx.Embed(10, 4, { rngs }),
    map: { "params|embedding": { ts: "embedding", counter: 1 } },
  },
  {
    name: "BatchNorm",
    py: "nn.BatchNorm()",
    x: "jnp.ones((4, 3))",
    kw: "use_running_average=False",
    make: (rngs) => new nnx.BatchNorm(3, { rngs }),
    map: {
      "batch_stats|mean": { ts: "mean" },
      "batch_stats|var": { ts: "var" },
      "params|scale": { ts: "scale", counter: 1 },
      "params|bias": { ts: "bias", counter: 2 },
    },
  },
  {
    name: "BatchNorm (use_scale=False)",
    py: "nn.BatchNorm(use_scale=False)",
    x: "jnp.ones((4, 3))",
    kw: "use_running_average=False",
    make: (rngs) => new nnx.BatchNorm(3, { useScale: false, rngs }),
    map: { "batch_stats|mean": { ts: "mean" }, "batch_stats|var": { ts: "var" }, "params|bias": { ts: "bias", counter: 1 } },
  },
  {
    name: "BatchNorm (axis=(1, 2))",
    py: "nn.BatchNorm(axis=(1, 2))",
    x: "jnp.ones((2, 5, 4, 3))",
    kw: "use_running_average=False",
    make: (rngs) => new nnx.BatchNorm(20, { axis: [1, 2], rngs }),
    map: {
      "batch_stats|mean": { ts: "mean", reshaped: true },
      "batch_stats|var": { ts: "var", reshaped: true },
      "params|scale": { ts: "scale", counter: 1, reshaped: true },
      "params|bias": { ts: "bias", counter: 2, reshaped: true },
    },
  },
  {
    name: "LayerNorm",
    py: "nn.LayerNorm()",
    x: "jnp.ones((2, 3))",
    make: (rngs) => new nnx.LayerNorm(3, { rngs }),
    map: { "params|scale": { ts: "scale", counter: 1 }, "params|bias": { ts: "bias", counter: 2 } },
  },
  {
    name: "LayerNorm (feature axes (-2, -1))",
    py: "nn.LayerNorm(reduction_axes=(-2, -1), feature_axes=(-2, -1))",
    x: "jnp.ones((2, 5, 4, 3))",
    make: (rngs) => new nnx.LayerNorm(12, { reductionAxes: [-2, -1], featureAxes: [-2, -1], rngs }),
    map: { "params|scale": { ts: "scale", counter: 1, reshaped: true }, "params|bias": { ts: "bias", counter: 2, reshaped: true } },
  },
  {
    name: "RMSNorm",
    py: "nn.RMSNorm()",
    x: "jnp.ones((2, 3))",
    make: (rngs) => new nnx.RMSNorm(3, { rngs }),
    map: { "params|scale": { ts: "scale", counter: 1 } },
  },
  {
    name: "GroupNorm",
    py: "nn.GroupNorm(num_groups=3)",
    x: "jnp.ones((2, 5, 4, 6))",
    make: (rngs) => new nnx.GroupNorm(6, { numGroups: 3, rngs }),
    map: { "params|scale": { ts: "scale", counter: 1 }, "params|bias": { ts: "bias", counter: 2 } },
  },
  {
    name: "InstanceNorm",
    py: "nn.InstanceNorm()",
    x: "jnp.ones((2, 5, 3))",
    make: (rngs) => new nnx.InstanceNorm(3, { rngs }),
    map: { "params|scale": { ts: "scale", counter: 1 }, "params|bias": { ts: "bias", counter: 2 } },
  },
  {
    name: "SpectralNorm(Dense)",
    py: "nn.SpectralNorm(nn.Dense(4))",
    x: "jnp.ones((2, 3))",
    kw: "update_stats=True",
    make: (rngs) => new nnx.SpectralNorm(new nnx.Linear(3, 4, { rngs }), { rngs }),
    firstCall: (m, x) => void (m as nnx.SpectralNorm).call(x),
    xShape: [2, 3],
    map: {
      "params|layer_instance|kernel": { ts: "layerInstance/kernel", scope: ["layer_instance"], counter: 1 },
      "params|layer_instance|bias": { ts: "layerInstance/bias", scope: ["layer_instance"], counter: 2 },
      // Linen: jax.random.normal (stddev 1); NNX: initializers.normal() (stddev 0.01).
      "batch_stats|layer_instance/kernel/u": { ts: "batchStats/kernel/u", counter: 1, linenInit: (k, s) => random.normal(k, s) },
      "batch_stats|layer_instance/kernel/sigma": { ts: "batchStats/kernel/sigma" },
    },
  },
  {
    name: "WeightNorm(Dense)",
    py: "nn.WeightNorm(nn.Dense(4))",
    x: "jnp.ones((2, 3))",
    make: (rngs) => new nnx.WeightNorm(new nnx.Linear(3, 4, { rngs }), { rngs }),
    firstCall: (m, x) => void (m as nnx.WeightNorm).call(x),
    xShape: [2, 3],
    map: {
      "params|layer_instance|kernel": { ts: "layerInstance/kernel", scope: ["layer_instance"], counter: 1 },
      "params|layer_instance|bias": { ts: "layerInstance/bias", scope: ["layer_instance"], counter: 2 },
      "params|layer_instance/kernel/scale": { ts: "scales/kernel", counter: 1 },
    },
  },
  {
    name: "PReLU",
    py: "nn.PReLU()",
    x: "jnp.ones((2, 3))",
    make: () => new nnx.PReLU(),
    map: { "params|negative_slope": { ts: "negativeSlope", counter: 1 } },
  },
];

interface LinenVar {
  shape: number[];
  bits: number[];
}

const PY = `${PY_PRELUDE}
import flax.linen as nn
rows = json.load(sys.stdin)
out = []
for row in rows:
  m = eval(row["py"])
  v = eval("m.init(jax.random.key(7), " + row["x"] + ("" if row.get("kw") is None else ", " + row["kw"]) + ")")
  flat = jax.tree_util.tree_flatten_with_path(v)[0]
  out.append({"|".join(k.key for k in p): {"shape": list(a.shape), "bits": u32(a)} for p, a in flat})
print(json.dumps(out))
`;

describe("Linen layers vs the runtime's (names, collections, shapes, init order and defaults)", () => {
  let linen: Record<string, LinenVar>[];
  beforeAll(() => {
    linen = pythonJson<Record<string, LinenVar>[]>(PY, JSON.stringify(ROWS.map(({ py, x, kw }) => ({ py, x, kw }))));
  }, 900_000);

  it.each(ROWS.map((r, i) => [r.name, i] as const))("%s", (_n, i) => {
    const row = ROWS[i];
    const vars = linen[i];
    expect(Object.keys(vars).sort(), "Linen's variables").toEqual(Object.keys(row.map).sort());
    const m = row.make(new nnx.Rngs(0));
    const mine = new Map(
      nnx
        .state(m)
        .flatState()
        .filter(([, v]) => !(v instanceof nnx.RngState))
        .map(([p, v]) => [p.join("/"), v as nnx.Variable]),
    );
    expect([...mine.keys()].sort(), "runtime variables").toEqual(Object.values(row.map).map((e) => e.ts).sort());
    const root = random.key(7);
    const drawn = new Map<string, tf.Tensor>();
    for (const [path, e] of Object.entries(row.map)) {
      const lv = vars[path];
      const v = mine.get(e.ts)!;
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      if (e.reshaped) expect(size(v.shape), `${path} size`).toBe(size(lv.shape));
      else expect(v.shape, `${path} shape`).toEqual(lv.shape);
      const init = e.linenInit ?? (v.getMetadata("init") as nnx.Initializer);
      expect(init, `${path}: runtime init metadata`).toBeTypeOf("function");
      const key = e.counter === undefined ? root : linenKey(root, e.scope ?? [], e.counter);
      const value = tf.tidy(() => init(key, lv.shape, "float32"));
      if (row.firstCall) drawn.set(e.ts, value);
      else {
        expect(bits(value), `${path}: init(linenKey(scope ${JSON.stringify(e.scope ?? [])}, counter ${e.counter})) is Linen's value`).toEqual(lv.bits);
        value.dispose();
      }
    }
    if (row.firstCall) {
      for (const [ts, value] of drawn) mine.get(ts)!.value = value;
      tf.tidy(() => row.firstCall!(m, tf.ones(row.xShape!)));
      for (const [path, e] of Object.entries(row.map)) {
        const linenValue = new Float32Array(new Uint32Array(vars[path].bits).buffer);
        expectClose(mine.get(e.ts)!.value, nestedOf(Array.from(linenValue), vars[path].shape), `${path} after the first call`);
      }
    }
    nnx.dispose(m);
  });
});
