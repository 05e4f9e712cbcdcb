// Flax Linen's RNG derivation (flax/core/scope.py, flax 0.12.8), so a translated
// program draws the same keys as `Module.init` / `Module.apply`.
//
// How Linen does it:
//   - `model.init(key, ...)` means `init({'params': key}, ...)`; `apply(..., rngs=
//     {'dropout': k})` gives streams by name. Each stream's root key is used as is:
//     it is never split, and the root module's name is not part of anything.
//   - A child scope's rng is the parent's LazyRng with the child's name appended
//     to a static suffix (`Scope.push`); nothing is hashed until a key is needed.
//   - `Scope.make_rng(name)` increments that scope's counter for `name` and
//     returns `_fold_in_static(root, (*scope_path, counter))`: SHA-1 over the
//     UTF-8 names and the counter's minimal big-endian bytes, concatenated with no
//     separator (`flax_fix_rng_separator` defaults to False), then ONE
//     `jax.random.fold_in(root, first 4 digest bytes as a big-endian uint32)`.
//   - Every `self.param(...)` that creates a value calls make_rng('params') in its
//     module's scope before running the initializer, whether or not the
//     initializer uses the key (a zeros bias still takes a count). Params that
//     already exist (apply) call nothing.
//   - make_rng(name) for a stream that was not passed falls back to 'params' (its
//     key and its counter); with neither, Linen raises.
//
// Keys are raw threefry key data; jax.random.key(s) and jax.random.PRNGKey(s)
// derive the same data, so both seed a translated program identically.

import { createHash } from "node:crypto";
import { foldIn } from "./index.js";
import type { Key } from "./index.js";

export type { Key };

/** One element of a Linen static fold-in suffix: a scope name or a counter. */
export type StaticFoldable = string | number;

export interface FoldStaticOptions {
  /**
   * Mirrors `flax.config.flax_fix_rng_separator` (default false, as in flax
   * 0.12.8): when true a 0 byte precedes every element.
   */
  fixRngSeparator?: boolean;
}

/** Python's `x.to_bytes((x.bit_length() + 7) // 8, 'big')`: 0 is empty, 1 is [1], 256 is [1, 0]. */
function minimalBigEndian(x: number): Buffer {
  if (!Number.isSafeInteger(x) || x < 0) {
    // Python raises OverflowError for negative ints; floats are rejected by flax.
    throw new RangeError(`Linen folds in non-negative integers only, got ${x}`);
  }
  const bytes: number[] = [];
  for (let v = x; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from(bytes);
}

/**
 * The uint32 that `_fold_in_static` folds in for `data`: the first 4 bytes,
 * big-endian, of sha1(concatenation of the encoded elements).
 */
export function staticFoldHash(data: readonly StaticFoldable[], opts: FoldStaticOptions = {}): number {
  const h = createHash("sha1");
  for (const x of data) {
    if (opts.fixRngSeparator) h.update(Buffer.of(0));
    if (typeof x === "string") h.update(Buffer.from(x, "utf8"));
    else if (typeof x === "number") h.update(minimalBigEndian(x));
    else throw new TypeError(`Expected int or string, got: ${String(x)}`);
  }
  return h.digest().readUInt32BE(0);
}

/**
 * flax.core.scope._fold_in_static(rng, data): `rng` itself when `data` is empty,
 * else fold_in(rng, staticFoldHash(data)).
 */
export function foldInStatic(rng: Key, data: readonly StaticFoldable[], opts: FoldStaticOptions = {}): Key {
  if (data.length === 0) return Uint32Array.from(rng);
  return foldIn(rng, staticFoldHash(data, opts));
}

/**
 * The key `Scope.make_rng` returns.
 *
 * - `root`: the stream's key exactly as passed to init/apply (for `init(key, x)`
 *   that is `key` for the 'params' stream).
 * - `scopePath`: module names from the root module down, root excluded:
 *   `["Block_0", "Dense_0"]`; `[]` for the root module's own self.param/make_rng.
 *   Names are Linen's: compact children `ClassName_<i>` (i counted per class in
 *   the parent, in call order) or `name=`; setup() children their attribute name.
 * - `counter`: 1 for the scope's first make_rng of this stream, 2 for the next…
 *   (per scope path and per stream, within one init/apply call).
 *
 * Example: Block_0/Dense_0's kernel is linenKey(key, ["Block_0", "Dense_0"], 1),
 * its bias counter 2.
 */
export function linenKey(
  root: Key,
  scopePath: readonly string[],
  counter: number,
  opts: FoldStaticOptions = {},
): Key {
  if (!Number.isSafeInteger(counter) || counter < 1) {
    throw new RangeError(`make_rng counters start at 1, got ${counter}`);
  }
  return foldInStatic(root, [...scopePath, counter], opts);
}

/**
 * The counters of one Linen init/apply call (one root Scope): construct one per
 * call, then call `makeRng(scopePath, stream)` in the order the Python program
 * calls make_rng (each created param is a 'params' call in its module's scope;
 * nn.Dropout calls make_rng('dropout') in its own scope, e.g. ["Block_0",
 * "Dropout_0"], once per non-deterministic call with rate in (0, 1)).
 *
 * Only the order within each (scope path, stream) matters: scopes and streams
 * have independent counters. A scope path reached twice in one call (a module
 * called twice, a setup() child used in several places) shares its counters, as
 * Linen keeps child counters in the parent scope keyed by the child's name.
 */
export class LinenRngs {
  private readonly roots: Map<string, Key>;
  private readonly counters = new Map<string, number>();
  private readonly opts: FoldStaticOptions;

  /** `rngs`: a key (`init(key, ...)`: the 'params' stream) or `{ stream: key }`. */
  constructor(rngs: Key | Readonly<Record<string, Key>>, opts: FoldStaticOptions = {}) {
    const entries: [string, Key][] = rngs instanceof Uint32Array ? [["params", rngs]] : Object.entries(rngs);
    this.roots = new Map(entries.map(([name, k]) => [name, Uint32Array.from(k)]));
    this.opts = opts;
  }

  /** Scope.has_rng. */
  has(stream: string): boolean {
    return this.roots.has(stream);
  }

  /** Scope.make_rng(stream) in the scope at `scopePath`; falls back to 'params'. */
  makeRng(scopePath: readonly string[], stream = "params"): Key {
    if (!this.roots.has(stream)) {
      if (!this.roots.has("params")) {
        const where = scopePath.length ? scopePath.join("/") : "the root module";
        throw new Error(`${where} needs PRNG for "${stream}"`);
      }
      stream = "params";
    }
    // JSON of the path keeps ["a/b"] and ["a", "b"] apart.
    const id = JSON.stringify([stream, ...scopePath]);
    const counter = (this.counters.get(id) ?? 0) + 1;
    this.counters.set(id, counter);
    return linenKey(this.roots.get(stream)!, scopePath, counter, this.opts);
  }
}
