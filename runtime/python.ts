// Python built-ins that translated code keeps using, with Python's meaning:
// `range`, `enumerate(xs, start)`, `zip`, `%` on numbers (sign of the divisor),
// and shape comparison (`a.shape == b.shape`).

/** Python's range(start, stop, step) as an array. */
export function range(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error("range() arg 3 must not be zero");
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

/** Python's enumerate(xs, start): [index, item] pairs. */
export function enumerate<T>(xs: Iterable<T>, start = 0): Array<[number, T]> {
  return [...xs].map((x, i) => [i + start, x]);
}

/** Python's zip: tuples up to the shortest input. */
export function zip<T extends unknown[]>(...xs: { [K in keyof T]: Iterable<T[K]> }): T[] {
  const arrays = xs.map((x) => [...(x as Iterable<unknown>)]);
  const n = arrays.length ? Math.min(...arrays.map((a) => a.length)) : 0;
  return Array.from({ length: n }, (_, i) => arrays.map((a) => a[i]) as T);
}

/** Python's `a % b` on numbers: the result has the divisor's sign. */
export function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** Python's `a == b` on shapes (tuples of sizes). */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** numpy.prod of a shape. */
export function prod(xs: readonly number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}
