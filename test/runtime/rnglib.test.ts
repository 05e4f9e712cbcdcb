import { describe, expect, it } from "vitest";
import { nnx, random } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";

const keyData = (k: Uint32Array) => Array.from(k);

describe("nnx.Rngs", () => {
  it("hands out the same key sequence as nnx.Rngs, with default fallback", () => {
    const expected = pythonJson<Record<string, number[][]>>(`
import json, jax
from flax import nnx
kd = lambda k: [int(v) for v in jax.random.key_data(k)]
r = nnx.Rngs(0, params=1)
out = {
  "seq": [kd(r.params()), kd(r.params()), kd(r.default()), kd(r()), kd(r.dropout()), kd(r.noise()), kd(r.params())],
}
r2 = nnx.Rngs(params=jax.random.key(7), dropout=3)
out["dict"] = [kd(r2.params()), kd(r2.dropout()), kd(r2.dropout())]
r3 = nnx.Rngs(5)
f = r3.default.fork()
out["fork"] = [kd(f()), kd(f()), kd(r3())]
r4 = nnx.Rngs(2, dropout=4)
g = r4.fork()
out["rngs_fork"] = [kd(g.dropout()), kd(g()), kd(r4.dropout())]
out["counts"] = [[int(r.params.count[...]), int(r.default.count[...])]]
print(json.dumps(out))
`);
    const r = new nnx.Rngs(0, { params: 1 });
    const seq = [r.params(), r.params(), r.default(), r(), r.dropout(), r.stream("noise")(), r.params()];
    expect(seq.map(keyData)).toEqual(expected.seq);
    expect([[r.params.count.value, r.default.count.value]]).toEqual(expected.counts);

    const r2 = new nnx.Rngs({ params: random.key(7), dropout: 3 });
    expect([r2.params(), r2.dropout(), r2.dropout()].map(keyData)).toEqual(expected.dict);

    const r3 = new nnx.Rngs(5);
    const f = r3.default.fork();
    expect([f(), f(), r3()].map(keyData)).toEqual(expected.fork);

    const r4 = new nnx.Rngs(2, { dropout: 4 });
    const g = r4.fork();
    expect([g.dropout(), g(), r4.dropout()].map(keyData)).toEqual(expected.rngs_fork);
  });

  it("errors for a missing stream without default, like rnglib", () => {
    const r = new nnx.Rngs({ params: 0 });
    expect(() => r.dropout()).toThrow("No RngStream named 'dropout' found in Rngs.");
    expect(r.has("params")).toBe(true);
    expect(r.has("dropout")).toBe(false);
    expect(r.names()).toEqual(["params"]);
  });

  it("keeps key and count in RngKey/RngCount Variables visible to nnx.state", () => {
    const expected = pythonJson<string[][]>(`
import json
from flax import nnx
r = nnx.Rngs(0, params=1)
r.params()
print(json.dumps([[*map(str, p), type(v).__name__] for p, v in nnx.to_flat_state(nnx.state(r))]))
`);
    const r = new nnx.Rngs(0, { params: 1 });
    r.params();
    const flat = nnx.state(r).flatState();
    expect(flat.map(([p, v]) => [...p.map(String), v.constructor.name])).toEqual(expected);
    const [counts] = [nnx.state(r, nnx.RngCount)];
    expect(counts.params.count.value).toBe(1);
    // Filter by tag (string filter), as NNX.
    expect(nnx.state(r, "params").paths()).toEqual([
      ["params", "count"],
      ["params", "key"],
    ]);
  });

  it("survives split/merge: the merged Rngs continues the same sequence", () => {
    const r = new nnx.Rngs({ params: 3 });
    r.params();
    const [gd, st] = nnx.split(r);
    const r2 = nnx.merge(gd, st, { copy: true });
    expect(r2).toBeInstanceOf(nnx.Rngs);
    expect(keyData(r2.params())).toEqual(keyData(r.params()));
  });
});
