import { describe, expect, it } from "vitest";
import { nnx, random, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";

describe("nnx.Dropout", () => {
  it("is the identity when deterministic (eval) and rate 0", () => {
    const x = tf.randomNormal([3, 4]);
    const d = new nnx.Dropout(0.5, { rngs: new nnx.Rngs(0) });
    d.eval();
    expect(d.deterministic).toBe(true);
    expect(d.call(x)).toBe(x);
    d.train();
    expect(d.call(x, { deterministic: true })).toBe(x);
    expect(new nnx.Dropout(0, { rngs: new nnx.Rngs(0) }).call(x)).toBe(x);
    expect(Array.from(new nnx.Dropout(1, { rngs: new nnx.Rngs(0) }).call(x).dataSync())).toEqual(new Array(12).fill(0));
  });

  it("draws the same masks as nnx.Dropout from the same rngs", () => {
    const ref = pythonJson<{ x: number[][]; y: number[][][]; yb: number[][][]; ycall: number[][]; count: number; paths: string[][] }>(`
import json, jax, jax.numpy as jnp
from flax import nnx
x = jax.random.normal(jax.random.key(0), (4, 6))
rngs = nnx.Rngs(0, dropout=5)
d = nnx.Dropout(0.3, rngs=rngs)
y = [d(x).tolist(), d(x).tolist()]
db = nnx.Dropout(0.5, broadcast_dims=(0,), rngs=rngs)
yb = [db(x).tolist(), db(x).tolist()]
free = nnx.Dropout(0.25)
ycall = free(x, rngs=nnx.Rngs(dropout=9)).tolist()
paths = [[*map(str, p), type(v).__name__] for p, v in nnx.to_flat_state(nnx.state(d))]
print(json.dumps({"x": x.tolist(), "y": y, "yb": yb, "ycall": ycall, "count": int(rngs.dropout.count[...]), "paths": paths}))
`);
    const x = tf.tensor(ref.x);
    const rngs = new nnx.Rngs(0, { dropout: 5 });
    const d = new nnx.Dropout(0.3, { rngs });
    const y = [d.call(x).arraySync(), d.call(x).arraySync()];
    const db = new nnx.Dropout(0.5, { broadcastDims: [0], rngs });
    const yb = [db.call(x).arraySync(), db.call(x).arraySync()];
    const free = new nnx.Dropout(0.25);
    const ycall = free.call(x, { rngs: new nnx.Rngs({ dropout: 9 }) }).arraySync();
    // x / keep and the mask are exact in float32, so outputs match exactly.
    expect(y).toEqual(ref.y);
    expect(yb).toEqual(ref.yb);
    expect(ycall).toEqual(ref.ycall);
    // Each layer forked the stream once at construction.
    expect(rngs.dropout.count.value).toBe(ref.count);
    expect(nnx.state(d).flatState().map(([p, v]) => [...p.map(String), v.constructor.name])).toEqual(ref.paths);
  });

  it("broadcastDims (negative, several) and rngCollection (own stream, default fallback, call-time Rngs/stream/key) as nnx.Dropout", () => {
    const ref = pythonJson<{ x: number[][][]; y1: number[][][][]; y2: number[][][]; y3: number[][][]; y4: number[][][]; y5: number[][][]; counts: number[]; paths: string[][] }>(`
import json, jax, jax.numpy as jnp
from flax import nnx
x = jax.random.normal(jax.random.key(0), (2, 3, 4))
r = nnx.Rngs(1, noise=7)
d1 = nnx.Dropout(0.4, broadcast_dims=(0, -1), rng_collection="noise", rngs=r)
d2 = nnx.Dropout(0.4, rng_collection="other", rngs=r)
y1 = [d1(x).tolist(), d1(x).tolist()]
y2 = d2(x).tolist()
free = nnx.Dropout(0.5, broadcast_dims=(1,), rng_collection="noise")
y3 = free(x, rngs=nnx.Rngs(noise=3)).tolist()
y4 = free(x, rngs=nnx.Rngs(noise=3).noise).tolist()
y5 = free(x, rngs=jax.random.key(11)).tolist()
paths = [[*map(str, p), type(v).__name__] for p, v in nnx.to_flat_state(nnx.state(d1))]
print(json.dumps({"x": x.tolist(), "y1": y1, "y2": y2, "y3": y3, "y4": y4, "y5": y5,
  "counts": [int(r.noise.count[...]), int(r.default.count[...])], "paths": paths}))
`);
    const x = tf.tensor(ref.x);
    const r = new nnx.Rngs(1, { noise: 7 });
    const d1 = new nnx.Dropout(0.4, { broadcastDims: [0, -1], rngCollection: "noise", rngs: r });
    const d2 = new nnx.Dropout(0.4, { rngCollection: "other", rngs: r });
    expect([d1.call(x).arraySync(), d1.call(x).arraySync()]).toEqual(ref.y1);
    expect(d2.call(x).arraySync()).toEqual(ref.y2);
    const free = new nnx.Dropout(0.5, { broadcastDims: [1], rngCollection: "noise" });
    expect(free.call(x, { rngs: new nnx.Rngs({ noise: 3 }) }).arraySync()).toEqual(ref.y3);
    expect(free.call(x, { rngs: new nnx.Rngs({ noise: 3 }).stream("noise") }).arraySync()).toEqual(ref.y4);
    expect(free.call(x, { rngs: random.key(11) }).arraySync()).toEqual(ref.y5);
    expect([r.stream("noise").count.value, r.default.count.value]).toEqual(ref.counts);
    expect(nnx.state(d1).flatState().map(([p, v]) => [...p.map(String), v.constructor.name])).toEqual(ref.paths);
  });

  it("requires rngs when not deterministic", () => {
    const d = new nnx.Dropout(0.5);
    expect(() => d.call(tf.ones([2]))).toThrow(/no `rngs`/);
  });
});
