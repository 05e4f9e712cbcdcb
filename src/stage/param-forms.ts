// Method parameters a class's users give other than an array: a tuple of
// arrays (an LSTM's (c, h) carry, a decoder's ((c, h), token)), named tuples
// in it (Haiku's LSTMState: an object `{ hidden: nnx.Array; cell: nnx.Array }`),
// a size (`initial_state(batch_size)`: a number) or a shape
// (`cell.initialize_carry(x[:, 0].shape)`). Their form is recorded with the
// class variant's input ranks, under "method|param|..." keys (the ranks' own
// keys are "method|param"), and read back when the method is staged: the
// parameter is then a tuple whose items are arrays of the given ranks (typed
// `[nnx.Array, nnx.Array]`), or a `number[]` of known length whose items the
// method can index, slice and concatenate.
import { qualifiedName, type Expr } from "../python/ast.js";
import { member, num, type TExpr } from "../ts/ast.js";
import { staticOf, type StaticV, type Value } from "./values.js";

/** Records the form of `v` under `key` ("method|param"); false when it is none of the forms above. */
export function recordForm(ranks: Map<string, number>, key: string, v: Value | undefined): boolean {
  const forms = new Map<string, number>();
  if (!formOf(forms, key, v, true)) return false;
  for (const [k, n] of forms) ranks.set(k, n);
  return true;
}

function formOf(out: Map<string, number>, key: string, v: Value | undefined, top: boolean): boolean {
  if (!v) return false;
  if (!top && v.kind === "array") {
    if (v.shape.rank !== undefined) out.set(key, v.shape.rank);
    return true;
  }
  if ((v.kind === "tuple" || v.kind === "list") && v.items.length) {
    out.set(`${key}|#`, v.items.length);
    return v.items.every((item, i) => formOf(out, `${key}|${i}`, item, false));
  }
  // A named tuple (Haiku's LSTMState), or a dict inside a tuple: its fields by name, in order.
  if (v.kind === "dict" && (v.tuple || !top) && v.entries.length && v.entries.every(([k]) => typeof k === "string" && /^\w+$/.test(k))) {
    out.set(`${key}|#fields`, v.entries.length);
    if (v.tuple) out.set(`${key}|#named`, 1);
    v.entries.forEach(([k], i) => out.set(`${key}|@${i}:${String(k)}`, 0));
    return v.entries.every(([, item], i) => formOf(out, `${key}|${i}`, item, false));
  }
  // A size (a core's `initial_state(batch_size)`).
  if (top && v.kind === "static" && v.type.t === "int") {
    out.set(`${key}|#int`, 1);
    return true;
  }
  if (top && v.kind === "static" && v.type.t === "tuple" && v.type.items.every((t) => t.t === "int")) {
    out.set(`${key}|#shape`, v.type.items.length);
    return true;
  }
  return false;
}

/** Whether `ranks` gives `key` ("method|param") a form. */
export function hasForm(ranks: ReadonlyMap<string, number> | undefined, key: string): boolean {
  return !!ranks && (ranks.has(`${key}|#`) || ranks.has(`${key}|#shape`) || ranks.has(`${key}|#fields`) || ranks.has(`${key}|#int`));
}

/** The key that marks a parameter's form (`|#` a tuple, `|#shape`, `|#fields` a named tuple, `|#int`). */
const FORM_MARK = /\|#(shape|fields|int)?$/;

/** The forms `given` has that `into` lacks are copied in; true when any was. */
export function addForms(into: Map<string, number>, given: ReadonlyMap<string, number>): boolean {
  let added = false;
  for (const [k, n] of given) {
    if (!FORM_MARK.test(k) || into.has(k)) continue;
    const base = k.replace(FORM_MARK, "");
    for (const [k2, n2] of given) if (k2 === k || k2.startsWith(`${base}|`)) into.set(k2, n2);
    into.set(k, n);
    added = true;
  }
  return added;
}

/** The parameter's value and TypeScript type for the form recorded under `key`, read through `e`. */
export function formParam(ranks: ReadonlyMap<string, number> | undefined, key: string, e: TExpr): { value: Value; tsType: string } | undefined {
  if (!ranks) return undefined;
  const length = ranks.get(`${key}|#shape`);
  if (ranks.has(`${key}|#int`)) return { value: staticOf({ t: "int" }, undefined, e), tsType: "number" };
  if (length !== undefined) {
    const items: StaticV[] = Array.from({ length }, (_, i) => staticOf({ t: "int" }, undefined, { k: "nonnull", value: { k: "index", object: e, index: num(i) } }));
    const value = Object.assign(staticOf({ t: "tuple", items: items.map((i) => i.type) }, undefined, e), { items });
    return { value, tsType: "number[]" };
  }
  return tupleForm(ranks, key, e);
}

function tupleForm(ranks: ReadonlyMap<string, number>, key: string, e: TExpr): { value: Value; tsType: string } | undefined {
  const fields = ranks.get(`${key}|#fields`);
  if (fields !== undefined) return fieldsForm(ranks, key, e, fields);
  const n = ranks.get(`${key}|#`);
  if (n === undefined) return undefined;
  const items: Value[] = [];
  const types: string[] = [];
  for (let i = 0; i < n; i++) {
    const at: TExpr = { k: "index", object: e, index: num(i) };
    const inner = tupleForm(ranks, `${key}|${i}`, at);
    if (inner) {
      items.push(inner.value);
      types.push(inner.tsType);
      continue;
    }
    const rank = ranks.get(`${key}|${i}`);
    items.push({ kind: "array", call: at, shape: rank !== undefined ? { rank, dims: [] } : { dims: [] }, dtype: "unknown" });
    types.push("nnx.Array");
  }
  return { value: { kind: "tuple", items, call: e }, tsType: `[${types.join(", ")}]` };
}

/** A named tuple's fields (an object in the runtime: `{ hidden: nnx.Array; cell: nnx.Array }`). */
function fieldsForm(ranks: ReadonlyMap<string, number>, key: string, e: TExpr, n: number): { value: Value; tsType: string } | undefined {
  const entries: Array<[string, Value]> = [];
  const types: string[] = [];
  for (let i = 0; i < n; i++) {
    const mark = [...ranks.keys()].find((k) => k.startsWith(`${key}|@${i}:`));
    if (!mark) return undefined;
    const name = mark.slice(`${key}|@${i}:`.length);
    const at = member(e, name);
    const inner = tupleForm(ranks, `${key}|${i}`, at);
    const rank = ranks.get(`${key}|${i}`);
    entries.push([name, inner?.value ?? { kind: "array", call: at, shape: rank !== undefined ? { rank, dims: [] } : { dims: [] }, dtype: "unknown" }]);
    types.push(`${name}: ${inner?.tsType ?? "nnx.Array"}`);
  }
  return { value: { kind: "dict", entries, call: e, ...(ranks.has(`${key}|#named`) ? { tuple: true } : {}) }, tsType: `{ ${types.join("; ")} }` };
}

const ARRAY_TYPES = new Set(["jax.Array", "jax.numpy.ndarray", "numpy.ndarray", "jax.typing.ArrayLike", "chex.Array", "flax.typing.Array"]);
const TUPLE_TYPES = new Set(["tuple", "typing.Tuple", "Tuple"]);

/**
 * The form an annotation gives a parameter (`carry: tuple[tuple[Array, Array], Array]`,
 * through the file's aliases such as `LSTMCarry = tuple[Array, Array]`): recorded
 * under `key` as a user's tuple would be; false when it is not a tuple of arrays.
 */
export function annotationForm(into: Map<string, number>, key: string, e: Expr | undefined, alias: (name: string) => Expr | undefined): boolean {
  const forms = new Map<string, number>();
  if (!e || !tupleOf(forms, key, e, alias, 0)) return false;
  for (const [k, n] of forms) into.set(k, n);
  return true;
}

function isArrayType(e: Expr, alias: (name: string) => Expr | undefined, depth: number): boolean {
  if (depth > 8) return false;
  if (e.kind === "file") {
    const a = alias(e.name);
    return !!a && isArrayType(a, alias, depth + 1);
  }
  const q = qualifiedName(e);
  return !!q && ARRAY_TYPES.has(q);
}

function tupleOf(out: Map<string, number>, key: string, e: Expr, alias: (name: string) => Expr | undefined, depth: number): boolean {
  if (depth > 8) return false;
  if (e.kind === "file") {
    const a = alias(e.name);
    return !!a && tupleOf(out, key, a, alias, depth + 1);
  }
  if (e.kind !== "index") return false;
  const head = e.object.kind === "builtin" ? e.object.name : qualifiedName(e.object);
  if (!head || !TUPLE_TYPES.has(head)) return false;
  const items = e.index.kind === "tuple" ? e.index.items : [e.index];
  // `tuple[Array, ...]` has no fixed length.
  if (!items.length || items.some((i) => i.kind === "ellipsis")) return false;
  out.set(`${key}|#`, items.length);
  return items.every((item, i) => isArrayType(item, alias, depth + 1) || tupleOf(out, `${key}|${i}`, item, alias, depth + 1));
}
