// Axes and shapes as NumPy reads them: negative axes count from the end, `null`
// means every axis, shapes broadcast from the right.
import { ValueError } from "./dtypes.js";

/** An `axis` argument: one axis, several, or null/undefined for all. */
export type Axis = number | readonly number[] | null | undefined;
/** A shape argument: a size or a list of sizes. */
export type Shape = number | readonly number[];

/** A non-negative axis (numpy's normalize_axis_index); throws when out of range. */
export function normAxis(axis: number, rank: number): number {
  if (!Number.isInteger(axis)) throw new TypeError(`axis must be an integer, got ${axis}`);
  if (axis < -rank || axis >= rank) throw new ValueError(`axis ${axis} is out of bounds for array of dimension ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** Non-negative axes in the order given (all axes for null/undefined); duplicates are an error. */
export function normAxes(axis: Axis, rank: number): number[] {
  if (axis === null || axis === undefined) return [...Array(rank).keys()];
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => normAxis(a, rank));
  if (new Set(out).size !== out.length) throw new ValueError("repeated axis");
  return out;
}

/** A shape argument as a list. */
export function shapeOf(shape: Shape): number[] {
  const s = typeof shape === "number" ? [shape] : [...shape];
  for (const d of s) if (!Number.isInteger(d) || d < 0) throw new ValueError(`invalid shape ${JSON.stringify(s)}`);
  return s;
}

/** jnp.broadcast_shapes. */
export function broadcastShapes(...shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i];
      if (d === out[j] || d === 1) continue;
      if (out[j] !== 1) throw new ValueError(`Incompatible shapes for broadcasting: ${shapes.map((x) => `(${x.join(", ")})`).join(", ")}`);
      out[j] = d;
    }
  }
  return out;
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Row-major strides of a shape. */
export function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
  return out;
}
