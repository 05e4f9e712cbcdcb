// An op's Python signature and how the runtime takes each parameter, written
// as one line per op: `"a: A, axis=null, dtype?, out!, keepdims?, *, where?: A"`.
//
//   name        passed positionally in TypeScript, in this order
//   name=null   the same; a gap before a later argument is filled with `null`
//               (its Python default is None), other gaps with `undefined`
//   name?       goes into the one trailing options object, camelCased
//   name!       accepted only absent or None (the runtime has no such argument);
//   name!=v|w   ... or one of these Python literals (True, 'C', 'float32', 2)
//   name~       accepted with any fixed value and dropped: the runtime already
//               computes as that argument asks (precision on XLA:CPU float32)
//   *name       the remaining positional arguments (passed positionally)
//   *           the parameters after it are keyword-only in Python
//   name=()     always written; absent, it is `[]` (a shape the runtime requires)
//   name=0.5    a skipped positional parameter before a later one is written
//               as this literal (the runtime requires it)
//   : A / : As  an array-like parameter (positional without a default: Python requires it) (an array or a Python scalar whose
//               weak type must survive), or a sequence of them
//   : Ns        nested Python lists of scalars and arrays (jnp.array's object)
//   : D         a dtype (`jnp.float32`, `int`, `"float32"`): written as its name
//   : F         a fixed number (the runtime takes a JS number, not an array)
import type { Known } from "../values.js";

export type ParamRole = "positional" | "option" | "fixed" | "ignored" | "rest";

export interface OpParam {
  /** The Python name. */
  name: string;
  role: ParamRole;
  /** Array-like: one array (or Python scalar), a sequence of them, or nested lists. */
  array?: "one" | "list" | "nested";
  /** A dtype argument; a fixed number. */
  type?: "dtype" | "number";
  /** A skipped positional parameter whose Python default is None is written `null`. */
  nullDefault?: boolean;
  /** Written when absent: always (`()` → `[]`), or only to fill a gap (a literal). */
  fill?: { always: boolean; value: Known };
  keywordOnly?: boolean;
  /** Values a `fixed` parameter may take besides None. */
  allowed?: Known[];
}

export interface Signature {
  params: OpParam[];
}

const cache = new Map<string, Signature>();

/** Parses a signature line (see the top of this file). */
export function signature(text: string): Signature {
  const hit = cache.get(text);
  if (hit) return hit;
  const params: OpParam[] = [];
  let keywordOnly = false;
  for (const raw of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (raw === "*") {
      keywordOnly = true;
      continue;
    }
    const m = /^(\*?)([A-Za-z_][A-Za-z0-9_]*)(\?|!|~)?(?:=(.*?))?\s*(?::\s*(As|A|Ns|D|F))?$/.exec(raw);
    if (!m) throw new Error(`bad op signature item '${raw}' in '${text}'`);
    const [, star, name, mark, dflt, type] = m;
    const p: OpParam = { name, role: star ? "rest" : mark === "?" ? "option" : mark === "!" ? "fixed" : mark === "~" ? "ignored" : "positional" };
    if (type === "A") p.array = "one";
    else if (type === "As") p.array = "list";
    else if (type === "Ns") p.array = "nested";
    else if (type === "D") p.type = "dtype";
    else if (type === "F") p.type = "number";
    if (keywordOnly) p.keywordOnly = true;
    if (p.role === "positional" && dflt === "null") p.nullDefault = true;
    else if (p.role === "positional" && dflt === "()") p.fill = { always: true, value: [] };
    else if (p.role === "positional" && dflt !== undefined) p.fill = { always: false, value: pyLiteral(dflt) };
    if (p.role === "fixed" && dflt !== undefined) p.allowed = dflt.split("|").map(pyLiteral);
    params.push(p);
  }
  const sig = { params };
  cache.set(text, sig);
  return sig;
}

function pyLiteral(text: string): Known {
  const t = text.trim();
  if (t === "True") return true;
  if (t === "False") return false;
  if (t === "None") return null;
  if (/^'.*'$/.test(t)) return t.slice(1, -1);
  const n = Number(t);
  if (!Number.isNaN(n)) return n;
  throw new Error(`bad literal '${t}' in an op signature`);
}

/** Python's way of matching a call's arguments to parameters. */
export interface Binding<V> {
  bound: Map<string, V>;
  /** The values the `*rest` parameter took. */
  rest: V[];
}

/** Binds positional and keyword arguments as Python would; a string says what is wrong. */
export function bindSignature<V>(sig: Signature, args: V[], kwargs: Array<[string, V]>): Binding<V> | string {
  const bound = new Map<string, V>();
  const rest: V[] = [];
  const positional = sig.params.filter((p) => !p.keywordOnly);
  let i = 0;
  for (const p of positional) {
    if (i >= args.length) break;
    if (p.role === "rest") {
      rest.push(...args.slice(i));
      i = args.length;
      break;
    }
    bound.set(p.name, args[i++]);
  }
  if (i < args.length) return `takes at most ${positional.length} positional arguments`;
  for (const [k, v] of kwargs) {
    const p = sig.params.find((q) => q.name === k && q.role !== "rest");
    if (!p) return `has no parameter '${k}'`;
    if (bound.has(k)) return `got two values for '${k}'`;
    bound.set(k, v);
  }
  // An op's first parameter, and every array parameter after it, written without a default, is one Python requires.
  for (const [i, p] of sig.params.entries()) {
    if (i > 0 && p.array !== "one") continue;
    if (p.role === "positional" && !p.keywordOnly && !p.nullDefault && !p.fill && !bound.has(p.name)) return `is missing its required argument '${p.name}'`;
  }
  return { bound, rest };
}

/** camelCase of a Python name (`fill_value` → `fillValue`). */
export function camelName(name: string): string {
  return name.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}
