// Linear algebra against live JAX: einsum (explicit and implicit output,
// ellipsis broadcasting, repeated labels, traces, several operands), matmul's
// 1-D and batch-broadcast rules, dot/vdot/tensordot/inner/outer, diagonals,
// lax.dot_general and jnp.linalg.norm, with values, dtypes and gradients.
import { describe } from "vitest";
import { jnp, lax, tf } from "../../../runtime/index.js";
import { type Case, G, compareWithJax } from "./harness.js";

const x = { exact: true } as const;

const EINSUM: [string, string[]][] = [
  ["ij,jk->ik", ["A", "B"]],
  ["ij,jk", ["A", "B"]],
  ["ij,kj->ik", ["A", "A"]],
  ["ij->ji", ["A"]],
  ["ij->", ["A"]],
  ["ij", ["A"]],
  ["ji", ["A"]],
  ["ii->i", ["Q"]],
  ["ii", ["Q"]],
  ["ii->", ["Q"]],
  ["iij->ij", ["R"]],
  ["i,i->", ["v", "v"]],
  ["i,j->ij", ["v", "w"]],
  ["i,j", ["w", "v"]],
  ["bij,bjk->bik", ["T", "U"]],
  ["...ij,...jk->...ik", ["T", "U"]],
  ["...ij,jk->...ik", ["T", "B"]],
  ["bij,jk->bki", ["T", "B"]],
  ["b...j,j->b...", ["T", "w"]],
  ["...i,...i", ["A", "A"]],
  ["...,...", ["v", "v"]],
  ["i...->...", ["T"]],
  ["ij,jk,kl->il", ["A", "B", "C"]],
  ["ij,jk,kl", ["A", "B", "C"]],
  ["bij,bj,k->bik", ["T", "A2", "v"]],
  ["ijk,ikl->jl", ["T", "U"]],
  ["ab,ab->ab", ["A", "A"]],
  ["ab,cd->abcd", ["A", "Q"]],
  ["...ij,...jk->...ik", ["T1", "U"]],
  ["ij,jk->ik", ["Ai", "Bi"]],
  ["ij,jk->ik", ["A", "Bi"]],
  ["ij,j->i", ["Ab", "wb"]],
  [" i j , j k -> i k ", ["A", "B"]],
  ["ij,jk->ik", ["A", "A"]],
  ["ij,jk->iz", ["A", "B"]],
  ["ij->ii", ["A"]],
];

const ops = (names: string[], v: Record<string, tf.Tensor>) => names.map((n) => v[n]);

const cases: Case[] = [
  ...EINSUM.map(([spec, names]): Case => [`jnp.einsum(${JSON.stringify(spec)}, ${names.join(", ")})`, (v) => jnp.einsum(spec, ...ops(names, v))]),
  // Gradients w.r.t. every operand, for the float specs JAX accepts.
  ...EINSUM.filter(([spec, names]) => !["ij,jk->iz", "ij->ii"].includes(spec) && names.every((n) => !["Ai", "Bi", "Ab", "wb"].includes(n)))
    .map(([spec, names]): Case => [
      `G(lambda *t: jnp.einsum(${JSON.stringify(spec)}, *t), ${names.join(", ")}, argnums=tuple(range(${names.length})))`,
      (v) => G((...t) => jnp.einsum(spec, ...t), ops(names, v), names.map((_, i) => i)),
    ]),
  ["jnp.matmul(A, B)", (v) => jnp.matmul(v.A, v.B)],
  ["jnp.matmul(v, B)", (v) => jnp.matmul(v.v, v.B)],
  ["jnp.matmul(A, w)", (v) => jnp.matmul(v.A, v.w)],
  ["jnp.matmul(w, w)", (v) => jnp.matmul(v.w, v.w)],
  ["jnp.matmul(T, U)", (v) => jnp.matmul(v.T, v.U)],
  ["jnp.matmul(T1, U)", (v) => jnp.matmul(v.T1, v.U)],
  ["jnp.matmul(T, B)", (v) => jnp.matmul(v.T, v.B)],
  ["jnp.matmul(A, U)", (v) => jnp.matmul(v.A, v.U)],
  ["jnp.matmul(V4, U)", (v) => jnp.matmul(v.V4, v.U)],
  ["jnp.matmul(T, w)", (v) => jnp.matmul(v.T, v.w)],
  ["jnp.matmul(v, U)", (v) => jnp.matmul(v.v, v.U)],
  ["jnp.matmul(Ai, Bi)", (v) => jnp.matmul(v.Ai, v.Bi), x],
  ["jnp.matmul(Ai, B)", (v) => jnp.matmul(v.Ai, v.B)],
  ["jnp.matmul(Ab, Ab.T)", (v) => tf.tidy(() => jnp.matmul(v.Ab, jnp.transpose(v.Ab))), x],
  ["jnp.matmul(A, A)", (v) => jnp.matmul(v.A, v.A)],
  ["jnp.matmul(A, 2.0)", (v) => jnp.matmul(v.A, jnp.pyFloat(2))],
  ["G(lambda a, b: jnp.matmul(a, b), T1, U, argnums=(0, 1))", (v) => G((a, b) => jnp.matmul(a, b), [v.T1, v.U], [0, 1])],
  ["G(lambda a, b: jnp.matmul(a, b), v, U, argnums=(0, 1))", (v) => G((a, b) => jnp.matmul(a, b), [v.v, v.U], [0, 1])],
  ["jnp.dot(A, B)", (v) => jnp.dot(v.A, v.B)],
  ["jnp.dot(T, B)", (v) => jnp.dot(v.T, v.B)],
  ["jnp.dot(T, U)", (v) => jnp.dot(v.T, v.U)],
  ["jnp.dot(T, w)", (v) => jnp.dot(v.T, v.w)],
  ["jnp.dot(v, v)", (v) => jnp.dot(v.v, v.v)],
  ["jnp.dot(A, 3)", (v) => jnp.dot(v.A, 3)],
  ["jnp.dot(Ai, Bi)", (v) => jnp.dot(v.Ai, v.Bi), x],
  ["G(lambda a, b: jnp.dot(a, b), T, U, argnums=(0, 1))", (v) => G((a, b) => jnp.dot(a, b), [v.T, v.U], [0, 1])],
  ["jnp.vdot(A, A)", (v) => jnp.vdot(v.A, v.A)],
  ["jnp.vdot(Ai, A2)", (v) => jnp.vdot(v.Ai, v.A2)],
  ["jnp.tensordot(T, U, 1)", (v) => jnp.tensordot(v.T, v.U, 1)],
  ["jnp.tensordot(T, U, axes=((0, 2), (0, 1)))", (v) => jnp.tensordot(v.T, v.U, [[0, 2], [0, 1]])],
  ["jnp.tensordot(T, T, axes=([-1, 1], [-1, 1]))", (v) => jnp.tensordot(v.T, v.T, [[-1, 1], [-1, 1]])],
  ["jnp.tensordot(A, A, 2)", (v) => jnp.tensordot(v.A, v.A, 2)],
  ["jnp.tensordot(A, A, 0)", (v) => jnp.tensordot(v.A, v.A, 0)],
  ["jnp.tensordot(A, A, 3)", (v) => jnp.tensordot(v.A, v.A, 3)],
  ["jnp.tensordot(T, U, (1, 0))", (v) => jnp.tensordot(v.T, v.U, [1, 0])],
  ["G(lambda a, b: jnp.tensordot(a, b, axes=((0, 2), (0, 1))), T, U, argnums=(0, 1))", (v) => G((a, b) => jnp.tensordot(a, b, [[0, 2], [0, 1]]), [v.T, v.U], [0, 1])],
  ["jnp.inner(A, A)", (v) => jnp.inner(v.A, v.A)],
  ["jnp.inner(v, w[:2])", (v) => tf.tidy(() => jnp.inner(v.v, jnp.index(v.w, jnp.slice(null, 2))))],
  ["jnp.inner(T, A2)", (v) => jnp.inner(v.T, v.A2)],
  ["jnp.outer(v, w)", (v) => jnp.outer(v.v, v.w)],
  ["jnp.outer(A, Ai)", (v) => jnp.outer(v.A, v.Ai)],
  ["jnp.outer(wb, wb)", (v) => jnp.outer(v.wb, v.wb), x],
  ["jnp.diagonal(Q)", (v) => jnp.diagonal(v.Q), x],
  ["jnp.diagonal(A, 1)", (v) => jnp.diagonal(v.A, 1), x],
  ["jnp.diagonal(A, -1)", (v) => jnp.diagonal(v.A, -1), x],
  ["jnp.diagonal(T, 0, 1, 2)", (v) => jnp.diagonal(v.T, 0, 1, 2), x],
  ["jnp.diagonal(T, -1, -1, 0)", (v) => jnp.diagonal(v.T, -1, -1, 0), x],
  ["jnp.diagonal(A, 5)", (v) => jnp.diagonal(v.A, 5), x],
  ["jnp.trace(Q)", (v) => jnp.trace(v.Q)],
  ["jnp.trace(T, 1, 1, 2)", (v) => jnp.trace(v.T, 1, 1, 2)],
  ["jnp.trace(Ai)", (v) => jnp.trace(v.Ai), x],
  ["jnp.diag(v)", (v) => jnp.diag(v.v), x],
  ["jnp.diag(v, 2)", (v) => jnp.diag(v.v, 2), x],
  ["jnp.diag(w, -1)", (v) => jnp.diag(v.w, -1), x],
  ["jnp.diag(A, 1)", (v) => jnp.diag(v.A, 1), x],
  ["G(lambda t: jnp.diag(t, 1), v)", (v) => G((t) => jnp.diag(t, 1), [v.v])],
  ["G(lambda t: jnp.trace(t, 1, 1, 2), T)", (v) => G((t) => jnp.trace(t, 1, 1, 2), [v.T])],
  ["lax.dot_general(T, U, (((2,), (1,)), ((0,), (0,))))", (v) => lax.dotGeneral(v.T, v.U, [[[2], [1]], [[0], [0]]])],
  ["lax.dot_general(T, B, (((2,), (0,)), ((), ())))", (v) => lax.dotGeneral(v.T, v.B, [[[2], [0]], [[], []]])],
  ["lax.dot_general(U, T, (((1,), (2,)), ((0,), (0,))))", (v) => lax.dotGeneral(v.U, v.T, [[[1], [2]], [[0], [0]]])],
  ["G(lambda a, b: lax.dot_general(a, b, (((1,), (2,)), ((0,), (0,)))), U, T, argnums=(0, 1))", (v) => G((a, b) => lax.dotGeneral(a, b, [[[1], [2]], [[0], [0]]]), [v.U, v.T], [0, 1])],
  ["jnp.linalg.norm(A)", (v) => jnp.linalg.norm(v.A)],
  ["jnp.linalg.norm(T)", (v) => jnp.linalg.norm(v.T)],
  ["jnp.linalg.norm(v, 1)", (v) => jnp.linalg.norm(v.v, 1)],
  ["jnp.linalg.norm(w, jnp.inf)", (v) => jnp.linalg.norm(v.w, Infinity)],
  ["jnp.linalg.norm(w, -jnp.inf)", (v) => jnp.linalg.norm(v.w, -Infinity)],
  ["jnp.linalg.norm(w, 0)", (v) => jnp.linalg.norm(v.w, 0)],
  ["jnp.linalg.norm(w, 3)", (v) => jnp.linalg.norm(v.w, 3)],
  ["jnp.linalg.norm(w, 0.5)", (v) => jnp.linalg.norm(v.w, 0.5)],
  ["jnp.linalg.norm(T, axis=-1)", (v) => jnp.linalg.norm(v.T, null, -1)],
  ["jnp.linalg.norm(T, axis=1, keepdims=True)", (v) => jnp.linalg.norm(v.T, null, 1, true)],
  ["jnp.linalg.norm(A, 'fro')", (v) => jnp.linalg.norm(v.A, "fro")],
  ["jnp.linalg.norm(A, 1)", (v) => jnp.linalg.norm(v.A, 1)],
  ["jnp.linalg.norm(A, -1)", (v) => jnp.linalg.norm(v.A, -1)],
  ["jnp.linalg.norm(A, jnp.inf)", (v) => jnp.linalg.norm(v.A, Infinity)],
  ["jnp.linalg.norm(A, -jnp.inf)", (v) => jnp.linalg.norm(v.A, -Infinity)],
  ["jnp.linalg.norm(T, 1, axis=(2, 0))", (v) => jnp.linalg.norm(v.T, 1, [2, 0])],
  ["jnp.linalg.norm(T, jnp.inf, axis=(0, 2), keepdims=True)", (v) => jnp.linalg.norm(v.T, Infinity, [0, 2], true)],
  ["jnp.linalg.norm(T, 'fro', axis=(1, 2))", (v) => jnp.linalg.norm(v.T, "fro", [1, 2])],
  ["jnp.linalg.norm(Ai)", (v) => jnp.linalg.norm(v.Ai)],
  ["jnp.linalg.vector_norm(T, axis=(0, 2), ord=1)", (v) => jnp.linalg.vectorNorm(v.T, { axis: [0, 2], ord: 1 })],
  ["G(lambda t: jnp.linalg.norm(t), A)", (v) => G((t) => jnp.linalg.norm(t), [v.A])],
  ["G(lambda t: jnp.linalg.norm(t, 3), w)", (v) => G((t) => jnp.linalg.norm(t, 3), [v.w])],
  ["G(lambda t: jnp.linalg.norm(t, jnp.inf, axis=(0, 2)), T)", (v) => G((t) => jnp.linalg.norm(t, Infinity, [0, 2]), [v.T])],
  ["G(lambda t: jnp.linalg.norm(t, axis=-1), T)", (v) => G((t) => jnp.linalg.norm(t, null, -1), [v.T])],
];

describe("jnp linear algebra matches JAX", () => {
  compareWithJax(
    `
rng = np.random.RandomState(0)
r = lambda *s: jnp.asarray(rng.uniform(-2, 2, s).astype(np.float32))
A = r(3, 4); B = r(4, 5); C = r(5, 2); Q = r(3, 3); R = r(3, 3, 2)
v = r(3); w = r(4); A2 = r(2, 4)
T = r(2, 3, 4); U = r(2, 4, 5); T1 = r(1, 3, 4); V4 = r(3, 1, 3, 4)
Ai = jnp.array([[1, -2, 3, 0], [4, 5, -6, 7], [0, 1, 2, 3]], jnp.int32)
Bi = jnp.arange(20, dtype=jnp.int32).reshape(4, 5) - 7
Ab = jnp.array([[True, False, True, False], [False, False, True, True], [True, True, True, True]])
wb = jnp.array([False, True, True, False])
`,
    cases,
  );
});
