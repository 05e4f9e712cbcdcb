// Python subscripts of arrays, as the runtime's `jnp.index(x, ...items)` and
// `jnp.at(x, ...items).set(v)`, with NumPy's shape rules (the ones JAX
// follows and runtime/jnp/indexing.ts implements): ints drop an axis, slices
// keep a sliced one, None adds one, `...` stands for the axes not named; int
// and bool arrays (and, beside them, ints) are advanced indices whose
// broadcast shape goes where the first of them stands when they are adjacent,
// else first. A bool mask's count of true values is only known at run time.
// Also: unpacking an array along its first axis (`a, b = x`, `for row in x`).
import type { Expr, Pattern } from "../python/ast.js";
import type { Span } from "../span.js";
import { call, id, member, num, rt, type TExpr, type TStmt } from "../ts/ast.js";
import { arrayArg, type OpHost } from "./ops/apply.js";
import { broadcast, ceilDivDims, dimAt, materialize, scalarShape, subDims, unknownShape, type Dim, type SymShape } from "./shapes.js";
import { describe, type ArrayV, type StaticV, type Value } from "./values.js";
import { camelName } from "./ops/signature.js";

/** What subscripts need from the stager: applying ops, and evaluating index expressions. */
export interface SubscriptHost extends OpHost {
  value(e: Expr): Value;
}

/** `x.at[idx]`: the array and its subscript, waiting for `.set(v)`, `.add(v)`, `.get()`. */
export interface AtV {
  kind: "global";
  name: "array.at[]";
  self: ArrayV;
  /** The subscript's items as the runtime takes them. */
  items: TExpr[];
  /** The shape `x[idx]` has. */
  indexed: SymShape;
}

/** `x[index]`. */
export function arraySubscript(host: SubscriptHost, x: ArrayV, index: Expr, span: Span): Value {
  const s = subscript(host, x, index, span);
  return { kind: "array", call: call(rt("jnp.index"), x.call, ...s.items), shape: s.shape, dtype: x.dtype };
}

/** `x.at[index]`. */
export function atSubscript(host: SubscriptHost, x: ArrayV, index: Expr, span: Span): AtV {
  const s = subscript(host, x, index, span);
  return { kind: "global", name: "array.at[]", self: x, items: s.items, indexed: s.shape };
}

const AT_METHODS = ["set", "add", "subtract", "multiply", "mul", "divide", "power", "min", "max"];

/** `x.at[idx].set(v)` and the other update methods, and `.get()`. */
export function atMethod(host: OpHost, at: AtV, method: string, args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
  const x = at.self;
  const target = call(rt("jnp.at"), x.call, ...at.items);
  const options = (allowed: string[]): TExpr[] => {
    const entries: Array<{ key: string; value: TExpr; raw: boolean }> = [];
    for (const [k, v] of kwargs) {
      if (k === "values") continue;
      if (k === "indices_are_sorted" || k === "unique_indices") continue; // promises about the indices; the result is the same
      if (!allowed.includes(k)) return host.stop(span, `x.at[...].${method}(${k}=...)`);
      if (v.kind === "static" && v.known === null) continue;
      entries.push({ key: camelName(k), value: k === "fill_value" ? arrayArg(host, v, [x, v], span, "fill_value") : host.callExpr(v, span, `x.at[...].${method}'s '${k}'`), raw: true });
    }
    return entries.length ? [{ k: "object", entries }] : [];
  };
  if (method === "get") {
    if (args.length) return host.stop(span, "x.at[...].get() with positional arguments");
    return { kind: "array", call: call(member(target, "get"), ...options(["mode", "fill_value"])), shape: at.indexed, dtype: x.dtype };
  }
  if (!AT_METHODS.includes(method)) return host.stop(span, `x.at[...].${method}(...)`);
  const values = args[0] ?? kwargs.find(([k]) => k === "values")?.[1];
  if (!values || args.length > 1) return host.stop(span, `x.at[...].${method}(...) takes one value`);
  const opts = options(["mode"]);
  const v = arrayArg(host, values, [x, values], span, `the value of x.at[...].${method}`);
  return { kind: "array", call: call(member(target, method === "mul" ? "multiply" : method), v, ...opts), shape: x.shape, dtype: x.dtype };
}

/** One item of a subscript, classified. */
type Item =
  | { kind: "int"; e: TExpr }
  | { kind: "slice"; e: TExpr; parts: Array<StaticV | undefined> }
  | { kind: "newaxis" }
  | { kind: "ellipsis" }
  | { kind: "array"; e: TExpr; shape: SymShape; mask: boolean };

function subscript(host: SubscriptHost, x: ArrayV, index: Expr, span: Span): { items: TExpr[]; shape: SymShape } {
  const exprs = index.kind === "tuple" ? index.items : [index];
  const items: Item[] = exprs.map((it) => item(host, it));
  if (items.filter((i) => i.kind === "ellipsis").length > 1) return host.stop(span, "an index can only have a single ellipsis ('...')");
  const ts = items.map((i) => (i.kind === "newaxis" ? rt("jnp.newaxis") : i.kind === "ellipsis" ? rt("jnp.ellipsis") : i.e));
  // Trailing `:` change nothing (NumPy appends them anyway): `x[:, -1, :]` is `jnp.index(x, jnp.slice(), -1)`;
  // after an ellipsis they do (`x[..., 0, :]` indexes the last axis but one).
  if (!items.some((i) => i.kind === "ellipsis")) while (ts.length > 1 && isFullSlice(ts[ts.length - 1])) ts.pop();
  return { items: ts, shape: indexedShape(x.shape, items) };
}

function isFullSlice(e: TExpr): boolean {
  return e.k === "call" && e.fn.k === "rt" && e.fn.path === "jnp.slice" && e.args.length === 0;
}

function item(host: SubscriptHost, e: Expr): Item {
  if (e.kind === "none") return { kind: "newaxis" };
  if (e.kind === "ellipsis") return { kind: "ellipsis" };
  if (e.kind === "slice") {
    const parts = [e.start, e.stop, e.step].map((p) => (p ? host.value(p) : undefined));
    const bad = parts.find((p) => p && p.kind !== "static");
    if (bad) return host.stop(e.span, `a slice bound that is ${describe(bad)} (JAX needs slice bounds fixed; use lax.dynamic_slice)`);
    const statics = parts as Array<StaticV | undefined>;
    const args = statics.map((p) => (p ? host.callExpr(p, e.span, "a slice bound") : ({ k: "null" } as TExpr)));
    while (args.length && args[args.length - 1].k === "null") args.pop();
    return { kind: "slice", e: call(rt("jnp.slice"), ...args), parts: statics.map((p) => (p && p.known === null ? undefined : p)) };
  }
  const v = host.value(e);
  if (v.kind === "static") {
    if (v.known === null) return { kind: "newaxis" };
    if (v.type.t === "int") return { kind: "int", e: host.callExpr(v, e.span, "an index") };
    if (v.type.t === "bool") return host.stop(e.span, "a Python bool as an index");
    return host.stop(e.span, `indexing an array with ${describe(v)} (JAX takes ints, slices, None, ..., and int or bool arrays; a list must be written jnp.array([...]))`);
  }
  if (v.kind === "array") {
    if (v.dtype === "float32") return host.stop(e.span, "indexing with a float array (JAX requires int or bool indices)");
    if (v.dtype === "bool" && v.shape.rank === 0) return host.stop(e.span, "a scalar bool array as an index");
    return { kind: "array", e: v.call, shape: v.shape, mask: v.dtype === "bool" };
  }
  // NumPy's and jax.numpy's name for None.
  if (v.kind === "global" && (v.name === "numpy.newaxis" || v.name === "jax.numpy.newaxis")) return { kind: "newaxis" };
  return host.stop(e.span, `indexing an array with ${describe(v)}`);
}

/** The shape of `x[items]` (see the top of this file). */
export function indexedShape(s: SymShape, items: Item[]): SymShape {
  // Expand bool masks into one advanced item per axis they cover, as the runtime does.
  const expanded: Item[] = [];
  for (const it of items) {
    if (it.kind === "array" && it.mask) {
      const r = it.shape.rank;
      if (r === undefined) return unknownShape;
      for (let k = 0; k < r; k++) expanded.push({ kind: "array", e: it.e, shape: { rank: 1, dims: [undefined] }, mask: true });
    } else expanded.push(it);
  }
  const consumed = expanded.filter((i) => i.kind !== "newaxis" && i.kind !== "ellipsis").length;
  const at = expanded.findIndex((i) => i.kind === "ellipsis");
  const hasArrays = expanded.some((i) => i.kind === "array");
  const isAdvanced = (i: Item) => i.kind === "array" || (hasArrays && i.kind === "int");
  if (s.rank === undefined) {
    // Unknown rank: `x[..., tail]` keeps what the tail does to the trailing axes; anything else is unknown.
    if (at !== 0 || hasArrays) return unknownShape;
    const tail = expanded.slice(1);
    const axes = tail.filter((i) => i.kind !== "newaxis").length;
    const out: Dim[] = [];
    let k = -axes;
    for (const i of tail) {
      if (i.kind === "newaxis") out.push(num(1));
      else if (i.kind === "slice") out.push(sliceSize(dimAt(s, k++), i.parts));
      else k++;
    }
    return { dims: out, input: s.input };
  }
  const full: Item[] = at < 0 ? [...expanded, ...Array.from({ length: Math.max(0, s.rank - consumed) }, () => FULL)] : [...expanded.slice(0, at), ...Array.from({ length: Math.max(0, s.rank - consumed) }, () => FULL), ...expanded.slice(at + 1)];
  const advPositions = full.flatMap((it, pos) => (isAdvanced(it) ? [pos] : []));
  const contiguous = advPositions.every((p, k) => k === 0 || p === advPositions[k - 1] + 1);
  const block = advPositions.length ? full.filter(isAdvanced).map((i) => (i.kind === "array" ? i.shape : scalarShape)).reduce((x, y) => broadcast(x, y)) : scalarShape;
  const out: Dim[] = [];
  let blockAt = advPositions.length && !contiguous ? 0 : -1;
  let axis = 0;
  full.forEach((it, pos) => {
    if (it.kind === "newaxis") out.push(num(1));
    else if (isAdvanced(it)) {
      if (contiguous && pos === advPositions[0]) blockAt = out.length;
      axis++;
    } else if (it.kind === "slice") out.push(sliceSize(dimAt(s, axis++), it.parts));
    else axis++; // a plain int drops its axis
  });
  if (blockAt >= 0) {
    if (block.rank === undefined) return unknownShape;
    out.splice(blockAt, 0, ...materialize(block));
  }
  return { rank: out.length, dims: out };
}

const FULL: Item = { kind: "slice", e: { k: "null" }, parts: [undefined, undefined, undefined] };

/** The length of `start:stop:step` along an axis of size `size`: exact with numbers, symbolic in the common forms. */
export function sliceSize(size: Dim, parts: Array<StaticV | undefined>): Dim {
  const [start, stop, step] = parts;
  const k = (p: StaticV | undefined) => (p === undefined ? null : typeof p.known === "number" ? p.known : undefined);
  const [a, b, c] = [k(start), k(stop), k(step)];
  if (a === undefined || b === undefined || c === undefined) {
    // A bound the translator cannot see: `:n` with n from config is n when it fits.
    if (a === null && c === null && stop?.ctor && size) return minDim(size, stop.ctor);
    return undefined;
  }
  const n = size?.k === "num" ? size.value : undefined;
  if (n !== undefined) return num(sliceIndices(n, a, b, c).length);
  if (!size) return undefined;
  const stepN = c ?? 1;
  if (stepN < 0) return a === null && b === null ? ceilDivDims(size, num(-stepN)) : undefined;
  // Non-negative bounds and bounds from the end, on a size only the constructor knows.
  let len: Dim;
  if (a === null && b === null) len = size;
  else if (a === null) len = b! >= 0 ? minDim(size, num(b!)) : maxZero(subDims(size, num(-b!)));
  else if (b === null) len = a >= 0 ? maxZero(subDims(size, num(a))) : minDim(size, num(-a));
  else if (a >= 0 && b >= 0) len = b <= a ? num(0) : maxZero(subDims(minDim(size, num(b)), num(a)));
  else if (a < 0 && b < 0) len = b <= a ? num(0) : maxZero(subDims(minDim(size, num(-a)), num(-b)));
  else return undefined;
  return stepN === 1 ? len : ceilDivDims(len, num(stepN));
}

function minDim(a: Dim, b: Dim): Dim {
  if (!a || !b) return undefined;
  if (a.k === "num" && b.k === "num") return num(Math.min(a.value, b.value));
  return call("Math.min", a, b);
}

function maxZero(a: Dim): Dim {
  if (!a) return undefined;
  if (a.k === "num") return num(Math.max(0, a.value));
  return call("Math.max", a, num(0));
}

/** Python's slice.indices(n), expanded. */
function sliceIndices(n: number, start: number | null, stop: number | null, step: number | null): number[] {
  const st = step ?? 1;
  const [lower, upper] = st > 0 ? [0, n] : [-1, n - 1];
  const bound = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    const w = v < 0 ? v + n : v;
    return w < lower ? lower : w > upper ? upper : w;
  };
  const from = bound(start, st < 0 ? upper : lower);
  const to = bound(stop, st < 0 ? lower : upper);
  const out: number[] = [];
  for (let i = from; st > 0 ? i < to : i > to; i += st) out.push(i);
  return out;
}

/** Python unpacking of an array along its first axis (`a, b = x`): its rows. */
export function unpackArray(host: OpHost, x: ArrayV, n: number, span: Span): Value[] | undefined {
  if (x.shape.rank === 0) return host.stop(span, "unpacking a 0-d array");
  const first = dimAt(x.shape, 0);
  if (first?.k === "num" && first.value !== n) return host.stop(span, `unpacking an array of ${first.value} rows into ${n} names`);
  if (x.shape.rank === undefined) return host.stop(span, "unpacking an array whose number of axes the translator cannot see");
  const row: SymShape = { rank: x.shape.rank - 1, dims: materialize(x.shape).slice(1) };
  const all = call(rt("tf.unstack"), x.call);
  return Array.from({ length: n }, (_, i): ArrayV => ({ kind: "array", call: { k: "index", object: all, index: num(i) }, shape: row, dtype: x.dtype }));
}

/** The rows of an array as a value that unpacks in one go: `const [a, b] = tf.unstack(x)`. */
export function arrayRows(host: OpHost, x: ArrayV, n: number, span: Span): Value | undefined {
  const rows = unpackArray(host, x, n, span);
  if (!rows) return undefined;
  return { kind: "tuple", items: rows, call: call(rt("tf.unstack"), x.call) };
}

/** How `for row in x` runs: over `tf.unstack(x)`; the constructor, if it must, counts the rows. */
export interface ArrayLoop {
  ctorIter: boolean;
  counter?: TExpr;
  ctorCounter?: TExpr;
  bindTarget(frame: { env: Map<string, Value>; noteCtorName(name: string): void }): void;
  statement(body: TStmt[], side: "ctor" | "call"): TStmt;
}

export function arrayLoop(host: OpHost, x: ArrayV, target: Pattern, span: Span): ArrayLoop | undefined {
  if (target.kind !== "name") return host.stop(target.span, "unpacking the rows of an array in a for loop");
  if (x.shape.rank === undefined || x.shape.rank === 0) return host.stop(span, x.shape.rank === 0 ? "a loop over a 0-d array" : "a loop over an array whose number of axes the translator cannot see");
  const rows = dimAt(x.shape, 0);
  const row: ArrayV = { kind: "array", call: id(target.id), shape: { rank: x.shape.rank - 1, dims: materialize(x.shape).slice(1) }, dtype: x.dtype };
  const name = target.id;
  return {
    ctorIter: !!rows,
    bindTarget: (f) => f.env.set(name, row),
    statement: (body, side) =>
      side === "call" ? { k: "forOf", target: { k: "pid", name }, iter: call(rt("tf.unstack"), x.call), body } : { k: "forRange", name: `_${name}`, start: num(0), stop: rows!, body },
  };
}
