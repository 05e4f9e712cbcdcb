import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";

class Counter extends nnx.Variable {}
class Special extends nnx.Param {}

describe("nnx.Variable", () => {
  it("owns its tensor: survives tf.tidy, frees the old value on assignment", () => {
    let v!: nnx.Param;
    tf.tidy(() => {
      v = new nnx.Param(tf.ones([2]));
    });
    expect(v.value.isDisposed).toBe(false);
    const first = v.value;
    tf.tidy(() => {
      v.value = tf.add(v.value, 1);
    });
    expect(first.isDisposed).toBe(true);
    expect(Array.from(v.value.dataSync())).toEqual([2, 2]);
    // JAX arrays are immutable: a value read before the assignment is still readable in the same tidy.
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const old = v.value;
      v.value = tf.add(old, 1);
      expect(Array.from(tf.mul(old, v.value).dataSync())).toEqual([6, 6]);
      expect(old.isDisposed).toBe(false);
    });
    expect(tf.memory().numTensors).toBe(before);
    // Outside a tidy the old value is freed at once.
    const last = v.value;
    v.value = tf.ones([2]);
    expect(last.isDisposed).toBe(true);
    const same = v.value;
    v.value = same; // assigning the held tensor is a no-op
    expect(same.isDisposed).toBe(false);
    v.setValue(tf.zeros([2]));
    expect(same.isDisposed).toBe(true);
    const n = tf.memory().numTensors;
    v.dispose();
    expect(tf.memory().numTensors).toBe(n - 1);
  });

  it("holds non-tensor values and metadata", () => {
    const c = new nnx.RngCount(3, { tag: "dropout" });
    expect(c.value).toBe(3);
    expect(c.tag).toBe("dropout");
    const p = new nnx.Param(tf.zeros([3, 4]), { sharding: ["a", null] });
    expect(p.shape).toEqual([3, 4]);
    expect(p.getMetadata("sharding")).toEqual(["a", null]);
    p.setMetadata("note", 1);
    expect(p.getMetadata()).toEqual({ sharding: ["a", null], note: 1 });
    expect(p.hasMetadata("note")).toBe(true);
    const q = p.copy();
    expect(q).toBeInstanceOf(nnx.Param);
    expect(q.value).not.toBe(p.value);
    expect(q.getMetadata("sharding")).toEqual(["a", null]);
    expect(String(p)).toBe("Param(float32[3,4])");
  });

  it("user subclasses work with type filters, like NNX's class hierarchy", () => {
    const ref = pythonJson<Record<string, boolean>>(`
import json, jax.numpy as jnp
from flax import nnx
class Counter(nnx.Variable): pass
class Special(nnx.Param): pass
s = Special(jnp.zeros(1)); c = Counter(jnp.zeros(1))
print(json.dumps({"special_is_param": isinstance(s, nnx.Param), "counter_is_param": isinstance(c, nnx.Param),
  "counter_is_variable": isinstance(c, nnx.Variable), "rngkey_is_rngstate": isinstance(nnx.RngKey(jnp.zeros(2)), nnx.RngState)}))
`);
    const s = new Special(tf.zeros([1]));
    const c = new Counter(tf.zeros([1]));
    const isA = (f: nnx.Filter, v: unknown) => nnx.toPredicate(f)([], v);
    expect({
      special_is_param: isA(nnx.Param, s),
      counter_is_param: isA(nnx.Param, c),
      counter_is_variable: isA(nnx.Variable, c),
      rngkey_is_rngstate: isA(nnx.RngState, new nnx.RngKey(new Uint32Array(2))),
    }).toEqual(ref);
    expect(c.type).toBe(Counter);
  });
});
