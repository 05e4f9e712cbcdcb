// Haiku's key sequence (haiku/_src/base.py PRNGSequence, dm-haiku 0.0.17), so a
// translated program draws the same keys as `transform(f).init` / `.apply`.
//
// How Haiku does it:
//   - `init(rng, ...)` and `apply(params, state?, rng, ...)` each wrap `rng` in a
//     fresh PRNGSequence (an int seed becomes jax.random.PRNGKey(seed)). There is
//     no per-module state: ONE sequence serves the whole call, in program order.
//   - `hk.next_rng_key()` pops a reserved subkey; when none is left it first
//     reserves `rng_reserve_size` (default 1) more: `key, *subs =
//     split(key, n + 1)`. With the default, every call is
//     `key, out = split(key)`; return out.
//   - `hk.get_parameter` draws only through its initializer, and only when the
//     parameter is created (init). hk.Linear: `w` first, with
//     TruncatedNormal(stddev = 1/sqrt(fan_in)), which calls next_rng_key() once;
//     then `b` with jnp.zeros, which draws nothing.
//   - `hk.dropout(hk.next_rng_key(), rate, x)` draws in init too (the forward pass
//     runs), so it shifts the keys of every parameter created after it.
//   - `reserve(n)` is NOT neutral: with jax's partitionable threefry, split(k, m)[i]
//     does not depend on m, and reserving n keys hands out split(k, n+1)[1..n]
//     instead of chaining split(k)[0]. So `hk.reserve_rng_keys`, `next_rng_keys`
//     and `hk.config.context(rng_reserve_size=...)` change the numbers and must be
//     mirrored with `reserve`/`take`/`reserveSize`.

import { key as seedKey, split } from "./index.js";
import type { Key } from "./index.js";
import { haikuTruncatedNormal } from "../nn/initializers.js";
import type { Initializer } from "../nn/initializers.js";

export type { Key };

/**
 * hk.PRNGSequence. Contract for generated code: create one per init/apply call
 * from that call's key, then call `next()` once per `hk.next_rng_key()` and once
 * per created parameter whose initializer draws (hk.Linear's default `w`), in
 * the order the Python program executes them; zeros/constant initializers and
 * existing parameters (apply) draw nothing.
 */
export class HaikuKeySequence {
  private key: Key;
  private readonly subkeys: Key[] = [];
  private readonly reserveSize: number;

  /**
   * `keyOrSeed`: the key given to init/apply, or an int seed
   * (jax.random.PRNGKey(seed)). `reserveSize`: hk.config's rng_reserve_size
   * (default 1).
   */
  constructor(keyOrSeed: Key | number, { reserveSize = 1 }: { reserveSize?: number } = {}) {
    this.key = typeof keyOrSeed === "number" ? seedKey(keyOrSeed) : Uint32Array.from(keyOrSeed);
    this.reserveSize = reserveSize;
  }

  /** PRNGSequence.reserve / hk.reserve_rng_keys: key, *subs = split(key, num + 1). */
  reserve(num: number): void {
    if (num > 0) {
      const keys = split(this.key, num + 1);
      this.key = keys[0];
      this.subkeys.push(...keys.slice(1));
    }
  }

  /** hk.next_rng_key(). */
  next(): Key {
    if (this.subkeys.length === 0) this.reserve(this.reserveSize);
    return this.subkeys.shift()!;
  }

  /** PRNGSequence.take / hk.next_rng_keys(num): tops up the reserve, then pops num keys. */
  take(num: number): Key[] {
    this.reserve(Math.max(num - this.subkeys.length, 0));
    return Array.from({ length: num }, () => this.next());
  }
}

/**
 * hk.Linear's default w_init for an input of `fanIn` features:
 * TruncatedNormal(stddev = 1/sqrt(fanIn)), the stddev computed in float64 as
 * Haiku does (`1. / np.sqrt(input_size)`) and then rounded to float32.
 */
export function haikuLinearWInit(fanIn: number): Initializer {
  return haikuTruncatedNormal(1 / Math.sqrt(fanIn));
}
