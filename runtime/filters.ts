// Filters (flax/nnx/filterlib.py): select Variables (or Modules) by type, tag,
// path or any predicate. Every filter is turned into a Predicate by toPredicate.
//
//   nnx.Param                 a class: instanceof (works for user subclasses too)
//   "dropout"                 a string: Variables whose `tag` is "dropout" (RngState)
//   nnx.Everything / true     NNX's `...` / True
//   nnx.Nothing / false/null
//   [f1, f2]                  any of them (like a Python tuple/list filter)
//   nnx.All(...), nnx.Any(...), nnx.Not(f), nnx.PathContains(key), nnx.OfType(cls)
//   (path, value) => boolean  a predicate

export type Key = string | number;
export type PathParts = readonly Key[];
export type Predicate = (path: PathParts, value: unknown) => boolean;
export type ClassFilter = abstract new (...args: any[]) => unknown;
export type Filter = Predicate | ClassFilter | string | boolean | null | undefined | readonly Filter[];

function tagged<P extends Predicate>(p: P, repr: string): P {
  Object.defineProperty(p, "toString", { value: () => repr, enumerable: false });
  return p;
}

/** NNX `...` / `True`: matches everything. Must be the last of several filters. */
export const Everything: Predicate = tagged(() => true, "Everything");
/** Matches nothing (NNX `None` / `False`). */
export const Nothing: Predicate = tagged(() => false, "Nothing");

/** True if `f` is a class (constructor) rather than a predicate function. */
export function isClassFilter(f: unknown): f is ClassFilter {
  if (typeof f !== "function") return false;
  if (/^class[\s{]/.test(Function.prototype.toString.call(f))) return true;
  // Functions compiled from classes by older tooling: a prototype with own methods.
  const proto = (f as { prototype?: object }).prototype;
  return proto !== undefined && Object.getPrototypeOf(proto) !== Object.prototype;
}

export function OfType(type: ClassFilter): Predicate {
  return tagged((_path, x) => x instanceof type, `OfType(${type.name})`);
}

export function WithTag(tag: string): Predicate {
  return tagged(
    (_path, x) => typeof x === "object" && x !== null && "tag" in x && (x as { tag: unknown }).tag === tag,
    `WithTag(${JSON.stringify(tag)})`,
  );
}

/** Path contains `key` (exact part match), or with exact=false any part whose string contains it. */
export function PathContains(key: Key, { exact = true }: { exact?: boolean } = {}): Predicate {
  return tagged(
    (path) => (exact ? path.includes(key) : path.some((p) => String(p).includes(String(key)))),
    `PathContains(${JSON.stringify(key)})`,
  );
}

/** Matches exactly one of the given paths. */
export function PathIn(...paths: PathParts[]): Predicate {
  const set = new Set(paths.map(pathString));
  return tagged((path) => set.has(pathString(path)), "PathIn(...)");
}

export function Any(...filters: Filter[]): Predicate {
  const ps = filters.map(toPredicate);
  return tagged((path, x) => ps.some((p) => p(path, x)), `Any(${ps.join(", ")})`);
}

export function All(...filters: Filter[]): Predicate {
  const ps = filters.map(toPredicate);
  return tagged((path, x) => ps.every((p) => p(path, x)), `All(${ps.join(", ")})`);
}

export function Not(filter: Filter): Predicate {
  const p = toPredicate(filter);
  return tagged((path, x) => !p(path, x), `Not(${p})`);
}

export function toPredicate(filter: Filter): Predicate {
  if (typeof filter === "string") return WithTag(filter);
  if (filter === true) return Everything;
  if (filter === false || filter === null || filter === undefined) return Nothing;
  if (Array.isArray(filter)) return Any(...filter);
  if (isClassFilter(filter)) return OfType(filter);
  if (typeof filter === "function") return filter as Predicate;
  throw new TypeError(`Invalid filter: ${String(filter)}`);
}

function isEverything(f: Filter): boolean {
  return f === Everything || f === true;
}

/** Like filterlib.filters_to_predicates: `Everything` may only appear last. */
export function filtersToPredicates(filters: readonly Filter[]): Predicate[] {
  filters.forEach((f, i) => {
    if (isEverything(f) && i !== filters.length - 1 && !filters.slice(i + 1).every(isEverything)) {
      throw new Error(`\`Everything\` can only be used as the last filter, got it at index ${i}.`);
    }
  });
  return filters.map(toPredicate);
}

/** A stable string for a path, used as a map key (numbers and strings stay distinct). */
export function pathString(path: PathParts): string {
  return JSON.stringify(path);
}

/** NNX path order: element-wise, ints before strings, shorter prefix first. */
export function comparePaths(a: PathParts, b: PathParts): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareKeys(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export function compareKeys(a: Key, b: Key): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
