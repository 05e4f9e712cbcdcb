// jax.random inside the graph: threefry2x32 and the samplers built on its bits,
// as TensorFlow uint32/float ops that give exactly runtime/random's numbers (which
// are JAX's). The key arrives as a graph input each call, so a compiled step
// draws fresh masks from the same stream positions eager mode would use.

import { xlaMath } from "../random/xla_math.js";
import { DT, type Graph, type TfDType, type ValueRef, sizeOf } from "./ir.js";

const t = (value: TfDType) => ({ kind: "type" as const, value });

const COMPARISONS = new Set(["Equal", "NotEqual", "Less", "Greater"]);
const LOGICAL = new Set(["LogicalAnd", "LogicalOr"]);

/** An element-wise binary op; a scalar operand broadcasts. */
function binary(g: Graph, op: string, x: ValueRef, y: ValueRef): ValueRef {
  const a = g.info(x);
  const b = g.info(y);
  const shape = a.shape.length >= b.shape.length ? a.shape : b.shape;
  const dtype = COMPARISONS.has(op) ? DT.bool : a.dtype;
  return g.op(op, [x, y], LOGICAL.has(op) ? {} : { T: t(a.dtype) }, { dtype, shape: [...shape] });
}

const u32 = (g: Graph, v: number) => g.scalar(DT.uint32, v >>> 0);

function rotl(g: Graph, x: ValueRef, r: number): ValueRef {
  return binary(g, "BitwiseOr", binary(g, "LeftShift", x, u32(g, r)), binary(g, "RightShift", x, u32(g, 32 - r)));
}

function bitcast(g: Graph, x: ValueRef, to: TfDType): ValueRef {
  const info = g.info(x);
  return g.op("Bitcast", [x], { T: t(info.dtype), type: t(to) }, { dtype: to, shape: [...info.shape] });
}

function cast(g: Graph, x: ValueRef, to: TfDType): ValueRef {
  const info = g.info(x);
  return g.op("Cast", [x], { SrcT: t(info.dtype), DstT: t(to), Truncate: { kind: "b", value: false } }, { dtype: to, shape: [...info.shape] });
}

export function reshape(g: Graph, x: ValueRef, shape: number[]): ValueRef {
  const info = g.info(x);
  return g.op("Reshape", [x, g.vector(DT.int32, shape)], { T: t(info.dtype), Tshape: t(DT.int32) }, { dtype: info.dtype, shape: [...shape] });
}

/** Element `index` along axis 0 (GatherV2 with a constant index). */
export function gather(g: Graph, x: ValueRef, index: ValueRef, axis = 0): ValueRef {
  const info = g.info(x);
  const shape = info.shape.filter((_, d) => d !== axis);
  return g.op(
    "GatherV2",
    [x, index, g.scalar(DT.int32, axis)],
    { Tparams: t(info.dtype), Tindices: t(DT.int32), Taxis: t(DT.int32), batch_dims: { kind: "i", value: 0 } },
    { dtype: info.dtype, shape },
  );
}

/** The two uint32 words of a key given as int32 [2]. */
export function keyWords(g: Graph, key: ValueRef): [ValueRef, ValueRef] {
  const words = bitcast(g, key, DT.uint32);
  return [gather(g, words, g.scalar(DT.int32, 0)), gather(g, words, g.scalar(DT.int32, 1))];
}

/** jax.random.bits(key, [n]) as uint32 [n]: y0 ^ y1 of threefry2x32(key, (hi(i), lo(i))). */
export function bitsGraph(g: Graph, k0: ValueRef, k1: ValueRef, n: number): ValueRef {
  if (n >= 2 ** 31) throw new Error("nnx.jit: random draws of 2^31 or more elements are not compiled");
  const k2 = binary(g, "BitwiseXor", binary(g, "BitwiseXor", k0, k1), u32(g, 0x1bd11bda));
  const ks = [k0, k1, k2];
  const iota = g.op(
    "Range",
    [g.scalar(DT.int32, 0), g.scalar(DT.int32, n), g.scalar(DT.int32, 1)],
    { Tidx: t(DT.int32) },
    { dtype: DT.int32, shape: [n] },
  );
  // Counter (hi, lo) = (0, i) for i < 2^32: x0 = 0 + k0, x1 = i + k1.
  let x0: ValueRef = k0;
  let x1 = binary(g, "AddV2", bitcast(g, iota, DT.uint32), k1);
  const rotations = [
    [13, 15, 26, 6],
    [17, 29, 16, 24],
  ];
  for (let block = 0; block < 5; block++) {
    for (const r of rotations[block % 2]) {
      x0 = binary(g, "AddV2", x0, x1);
      x1 = binary(g, "BitwiseXor", rotl(g, x1, r), x0);
    }
    x0 = binary(g, "AddV2", x0, ks[(block + 1) % 3]);
    x1 = binary(g, "AddV2", binary(g, "AddV2", x1, ks[(block + 2) % 3]), u32(g, block + 1));
  }
  return binary(g, "BitwiseXor", x0, x1);
}

/** Floats in [0, 1): (bits >>> 9 | 0x3f800000) as float32, minus 1. */
function unitFloats(g: Graph, bits: ValueRef): ValueRef {
  const mant = binary(g, "BitwiseOr", binary(g, "RightShift", bits, u32(g, 9)), u32(g, 0x3f800000));
  return binary(g, "Sub", bitcast(g, mant, DT.float32), g.scalar(DT.float32, 1));
}

function f32(x: number): number {
  return Math.fround(x);
}

/**
 * round_f32(a*b + c) with one rounding, for float32 a (a tensor) and float32
 * constants b, c: runtime/random/xla_math.ts fma32 in float64 graph ops (a*b is
 * exact in float64; the sum's double rounding is repaired with TwoSum).
 */
function fma32Graph(g: Graph, a: ValueRef, b: number, c: number): ValueRef {
  const d = (v: number) => g.scalar(DT.float64, v);
  const p = binary(g, "Mul", cast(g, a, DT.float64), d(b));
  const s = binary(g, "AddV2", p, d(c));
  const r32 = cast(g, s, DT.float32);
  const r = cast(g, r32, DT.float64);
  const bb = binary(g, "Sub", s, p);
  const err = binary(g, "AddV2", binary(g, "Sub", p, binary(g, "Sub", s, bb)), binary(g, "Sub", d(c), bb));
  const other = binary(g, "Sub", binary(g, "Mul", d(2), s), r);
  const otherIsF32 = binary(g, "Equal", cast(g, cast(g, other, DT.float32), DT.float64), other);
  const inexact = binary(g, "NotEqual", s, r);
  const midpoint = binary(g, "LogicalAnd", binary(g, "LogicalAnd", inexact, binary(g, "NotEqual", err, d(0))), otherIsF32);
  const toward = select(g, binary(g, "Greater", err, d(0)), binary(g, "Maximum", r, other), binary(g, "Minimum", r, other));
  return cast(g, select(g, midpoint, toward, r), DT.float32);
}

function select(g: Graph, cond: ValueRef, x: ValueRef, y: ValueRef): ValueRef {
  const info = g.info(x);
  return g.op("SelectV2", [cond, x, y], { T: t(info.dtype) }, { dtype: info.dtype, shape: [...g.info(cond).shape] });
}

/** jax.random.uniform(key, shape, minval, maxval) as runtime/random computes it. */
export function uniformGraph(g: Graph, key: ValueRef, shape: number[], minval: number, maxval: number): ValueRef {
  const [k0, k1] = keyWords(g, key);
  const u = unitFloats(g, bitsGraph(g, k0, k1, sizeOf(shape)));
  const lo = f32(minval);
  const range = f32(f32(maxval) - lo);
  let out: ValueRef;
  if (lo === 0 && range === 1) out = u; // u*1 + 0 is exact, and u >= 0 = lo
  else {
    const fused = xlaMath.fma
      ? fma32Graph(g, u, range, lo)
      : binary(g, "AddV2", binary(g, "Mul", u, g.scalar(DT.float32, range)), g.scalar(DT.float32, lo));
    out = binary(g, "Maximum", fused, g.scalar(DT.float32, lo));
  }
  return reshape(g, out, shape);
}

/** jax.random.bernoulli(key, p, shape): uniform < float32(p). */
export function bernoulliGraph(g: Graph, key: ValueRef, shape: number[], p: number): ValueRef {
  const u = uniformGraph(g, key, [sizeOf(shape)], 0, 1);
  return reshape(g, binary(g, "Less", u, g.scalar(DT.float32, f32(p))), shape);
}
