import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import { PY_PRELUDE, bits, expectClose, expectNoLeak, tensor, type Nested } from "../helpers/layers.js";

describe("nnx.Embed against flax.nnx.Embed", { timeout: 600_000 }, () => {
  it("init bit-exact, lookup (wrapping, NaN out of range, any index shape, one embedding), attend, gradients", () => {
    const ref = pythonJson<{
      e: number[];
      e2: number[];
      e1: number[];
      next: number[];
      idx: Nested;
      y: Nested;
      y1: Nested;
      q: Nested;
      att: Nested;
      att1: Nested;
      c: Nested;
      gEmbed: Nested;
      ca: Nested;
      gAttend: Nested;
      gQuery: Nested;
    }>(`${PY_PRELUDE}
r = nnx.Rngs(3)
m = nnx.Embed(7, 4, rngs=r)
m2 = nnx.Embed(5, 3, embedding_init=nnx.initializers.uniform(0.5), rngs=r)
m1 = nnx.Embed(1, 3, rngs=nnx.Rngs(1))
idx = jnp.array([[0, -1, 6, 7], [-7, -8, 3, 100]], dtype=jnp.int32)
q = jax.random.normal(jax.random.key(5), (2, 3, 4))
c = jax.random.normal(jax.random.key(6), (2, 4, 4))
ca = jax.random.normal(jax.random.key(7), (2, 3, 7))
g = nnx.grad(lambda m: jnp.sum(jnp.where(jnp.isnan(m(idx)), 0., m(idx) * c)))(m)
ga, gq = nnx.grad(lambda m, q: jnp.sum(m.attend(q) * ca), argnums=(0, 1))(m, q)
print(json.dumps({"e": u32(m.embedding[...]), "e2": u32(m2.embedding[...]), "e1": u32(m1.embedding[...]),
  "next": [int(v) for v in jax.random.key_data(r.params())], "idx": tl(idx), "y": tl(m(idx)), "y1": tl(m1(idx[:, :3])),
  "q": tl(q), "att": tl(m.attend(q)), "att1": tl(m.attend(q[0, 0])), "c": tl(c), "gEmbed": tl(g["embedding"][...]),
  "ca": tl(ca), "gAttend": tl(ga["embedding"][...]), "gQuery": tl(gq)}))
`);
    const r = new nnx.Rngs(3);
    const m = new nnx.Embed(7, 4, { rngs: r });
    const m2 = new nnx.Embed(5, 3, { embeddingInit: nnx.initializers.uniform(0.5), rngs: r });
    const m1 = new nnx.Embed(1, 3, { rngs: new nnx.Rngs(1) });
    expect(bits(m.embedding.value)).toEqual(ref.e);
    expect(bits(m2.embedding.value)).toEqual(ref.e2);
    expect(bits(m1.embedding.value)).toEqual(ref.e1);
    expect(Array.from(r.params())).toEqual(ref.next);
    expect(m.embedding.getMetadata("init")).toBeTypeOf("function");
    expect(nnx.state(m).paths()).toEqual([["embedding"]]);

    const idx = tensor(ref.idx, "int32");
    expectClose(m.call(idx), ref.y, "lookup");
    expectClose(m1.call(tf.slice(idx, [0, 0], [-1, 3])), ref.y1, "one embedding");
    const q = tensor(ref.q);
    expectClose(m.attend(q), ref.att, "attend");
    expectClose(m.attend(tf.slice(q, [0, 0, 0], [1, 1, 4]).reshape([4])), ref.att1, "attend, one query");
    expect(() => m.call(tf.ones([2]))).toThrow(/integer/);

    const c = tensor(ref.c);
    const g = nnx.grad((mm: nnx.Embed) => {
      const y = mm.call(idx);
      return tf.sum(tf.where(tf.isNaN(y), tf.zerosLike(y), tf.mul(y, c))) as tf.Scalar;
    })(m);
    expectClose(g.embedding.value, ref.gEmbed, "d embedding (lookup)");
    const ca = tensor(ref.ca);
    const ga = nnx.grad((mm: nnx.Embed, qq: tf.Tensor) => tf.sum(tf.mul(mm.attend(qq), ca)) as tf.Scalar, { argnums: [0, 1] })(m, q);
    expectClose((ga[0] as nnx.State).embedding.value, ref.gAttend, "d embedding (attend)");
    expectClose(ga[1] as tf.Tensor, ref.gQuery, "d query");

    expectNoLeak(() => {
      tf.tidy(() => {
        m.call(idx);
        m.attend(q);
      });
      nnx.dispose(nnx.grad((mm: nnx.Embed) => tf.sum(mm.attend(q)) as tf.Scalar)(m));
    });
  });
});
