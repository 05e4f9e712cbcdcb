import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
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

  it("requires rngs when not deterministic", () => {
    const d = new nnx.Dropout(0.5);
    expect(() => d.call(tf.ones([2]))).toThrow(/no `rngs`/);
  });
});
