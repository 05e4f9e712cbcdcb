// How hk.* modules draw parameter keys.
//
// A Haiku module draws one hk.next_rng_key() per parameter (or state) whose
// initializer asks for one, in the order the parameters are created; zeros,
// ones, Constant and Identity ask for none. The hk.* runtime modules do the
// same with `rngs.params()`, so given `haikuRngs(key)` (whose params stream
// hands out hk.PRNGSequence(key)'s keys) a module built alone gets exactly the
// initial values of `hk.transform(f).init(key, ...)`.

import { Rngs, RngStream } from "../rnglib.js";
import { Param, type Variable, type VariableType } from "../variables.js";
import { HaikuKeySequence } from "../random/haiku.js";
import { split, type Key } from "../random/index.js";
import { type Initializer, ones, zeros } from "../nn/initializers.js";

const KEYLESS = new WeakSet<Initializer>([zeros, ones]);

/** Marks an initializer that, like Haiku's Constant, never draws a key. */
export function keyless<T extends Initializer>(init: T): T {
  KEYLESS.add(init);
  return init;
}

/** Whether Haiku would call hk.next_rng_key() for this initializer. */
export function drawsKey(init: Initializer): boolean {
  return !KEYLESS.has(init);
}

// Handed to initializers that draw nothing.
const NO_KEY: Key = Uint32Array.of(0, 0);

/** The key a parameter's initializer receives: the next params key, or none. */
export function keyFor(rngs: Rngs, init: Initializer): Key {
  return drawsKey(init) ? rngs.params() : NO_KEY;
}

/**
 * A Variable of `type` (default Param) holding `init`'s value for `shape`,
 * with the initializer in its "init" metadata. Draws a params key only when
 * the initializer needs one.
 */
export function initVariable<V extends Variable>(
  rngs: Rngs,
  init: Initializer,
  shape: number[],
  type: VariableType = Param,
): V {
  const value = init(keyFor(rngs, init), shape, "float32");
  const Ctor = type as unknown as new (value: unknown, metadata: Record<string, unknown>) => V;
  return new Ctor(value, { init });
}

// Streams that hand out an hk.PRNGSequence's keys (haikuRngs, useSourceDropoutKeys): nextRngKeys takes from it.
const SEQUENCES = new WeakMap<RngStream, HaikuKeySequence>();

/** Makes `stream`'s keys those of `sequence` (its next() and nextRngKeys), as hk.next_rng_key() would hand them out. */
export function useHaikuSequence(stream: RngStream, sequence: HaikuKeySequence): void {
  SEQUENCES.set(stream, sequence);
  Object.defineProperty(stream, "next", { value: () => sequence.next(), configurable: true, writable: true });
}

/**
 * hk.next_rng_keys(num): `num` keys at once. Haiku takes them together from its
 * sequence (PRNGSequence.take: `key, *keys = split(key, num + 1)`), which is not
 * `num` calls of next_rng_key; a stream that stands for that sequence does the
 * same, any other stream splits its next key.
 */
export function nextRngKeys(stream: RngStream, num: number): Key[] {
  const sequence = SEQUENCES.get(stream);
  return sequence ? sequence.take(num) : split(stream.next(), num);
}

/** An RngStream handing out the keys of one hk.PRNGSequence. */
class HaikuKeyStream extends RngStream {
  declare private readonly sequence: HaikuKeySequence;

  static create(key: Key | number, tag: string): HaikuKeyStream {
    const stream = new HaikuKeyStream(0, { tag });
    Object.defineProperty(stream, "sequence", { value: new HaikuKeySequence(key), enumerable: false });
    SEQUENCES.set(stream, stream.sequence);
    return stream;
  }

  override next(): Key {
    this.count.value = (this.count.value + 1) >>> 0;
    return this.sequence.next();
  }
}

/**
 * Rngs whose `params` stream is hk.PRNGSequence(key): hk.* modules built from
 * it in Haiku's creation order get the parameters `init(key, ...)` gives.
 */
export function haikuRngs(key: Key | number): Rngs {
  const rngs = new Rngs({ params: 0 });
  Object.defineProperty(rngs, "params", {
    value: HaikuKeyStream.create(key, "params"),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return rngs;
}
