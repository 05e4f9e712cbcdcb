// nnx.Rngs / nnx.RngStream (flax/nnx/rnglib.py).
//
//   const rngs = new nnx.Rngs(0);                        // the "default" stream
//   const rngs = new nnx.Rngs({ params: 0, dropout: 1 });
//   rngs.params()      // key = foldIn(streamKey, count); count += 1
//   rngs.dropout()     // falls back to the default stream when there is no "dropout"
//   rngs.stream("noise")()   // any stream name
//   rngs()             // = rngs.default()
//
// Each stream is an attribute of the Rngs named by its tag and holds its base key
// and counter in RngKey / RngCount Variables, so they appear in nnx.state and
// nnx.split under paths like ["rngs", "dropout", "count"], as in NNX.
//
// Keys are raw threefry key data (Uint32Array [k0, k1]), see runtime/random.

import { tf } from "./tf.js";
import * as random from "./random/index.js";
import type { Key } from "./random/index.js";
import { Pytree } from "./graph.js";
import { RngCount, RngKey } from "./variables.js";

export type { Key };
/** A seed or a key. */
export type RngValue = number | Key;

function toKey(value: RngValue): Key {
  if (typeof value === "number") return random.key(value);
  if (value instanceof Uint32Array && value.length === 2) return Uint32Array.from(value);
  throw new TypeError(`Invalid rng value: ${String(value)}, expected an integer seed or a Uint32Array key`);
}

function defineAttr(obj: object, name: string, value: unknown): void {
  Object.defineProperty(obj, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Instances are functions (so `stream()` works like NNX `stream()`) whose
 * prototype is the class prototype. Arrow functions have no enumerable own
 * properties, so graph traversal sees only the attributes we define.
 */
function callableInstance(proto: object, call: (self: any) => unknown): any {
  const self: any = () => call(self);
  Object.setPrototypeOf(self, proto);
  return self;
}

export interface RngStream {
  /** Next key of the stream (NNX `stream()`). */
  (): Key;
}

export class RngStream extends Pytree {
  declare readonly tag: string;
  declare readonly key: RngKey;
  declare readonly count: RngCount;

  constructor(key: RngValue, { tag }: { tag: string }) {
    super();
    const self = callableInstance(new.target.prototype, (s: RngStream) => s.next());
    defineAttr(self, "tag", tag);
    defineAttr(self, "key", new RngKey(toKey(key), { tag }));
    defineAttr(self, "count", new RngCount(0, { tag }));
    return self;
  }

  static override _createEmpty(proto: object): object {
    return callableInstance(proto, (s: RngStream) => s.next());
  }

  /** NNX RngStream.__call__: fold the count into the base key, then count += 1. */
  next(): Key {
    const count = this.count.value;
    const k = random.foldIn(this.key.value, count);
    this.count.value = (count + 1) >>> 0; // uint32 like NNX
    return k;
  }

  /** A new stream (count 0) whose base key is the next key of this one. */
  fork(): RngStream {
    const Ctor = this.constructor as new (key: RngValue, opts: { tag: string }) => RngStream;
    return new Ctor(this.next(), { tag: this.tag });
  }

  // jax.random functions drawing from the next key (NNX `rngs.params.normal(...)`).
  uniform(shape: number[], opts: { minval?: number; maxval?: number } = {}): tf.Tensor {
    return random.uniform(this.next(), shape, opts);
  }
  normal(shape: number[]): tf.Tensor {
    return random.normal(this.next(), shape);
  }
  truncatedNormal(lower: number, upper: number, shape: number[]): tf.Tensor {
    return random.truncatedNormal(this.next(), lower, upper, shape);
  }
  bernoulli(p: number, shape: number[]): tf.Tensor {
    return random.bernoulli(this.next(), p, shape);
  }
  bits(shape: number[]): Uint32Array {
    return random.bits(this.next(), shape);
  }
}

export interface Rngs {
  /** Next key of the default stream (NNX `rngs()`). */
  (): Key;
}

export class Rngs extends Pytree {
  /**
   * `new Rngs(0)` (default stream), `new Rngs({ params: 0, dropout: 1 })`, or
   * `new Rngs(0, { params: 1 })`. Values are seeds, keys or RngStreams (whose
   * base key is reused with a fresh count).
   */
  constructor(
    defaultOrStreams?: RngValue | RngStream | Record<string, RngValue | RngStream> | null,
    streams: Record<string, RngValue | RngStream> = {},
  ) {
    super();
    const self = callableInstance(new.target.prototype, (s: Rngs) => s.stream("default").next());
    let all: Record<string, RngValue | RngStream> = { ...streams };
    if (defaultOrStreams !== undefined && defaultOrStreams !== null) {
      if (typeof defaultOrStreams === "number" || defaultOrStreams instanceof Uint32Array || defaultOrStreams instanceof RngStream) {
        all = { ...all, default: defaultOrStreams };
      } else {
        all = { ...defaultOrStreams, ...all };
      }
    }
    for (const [tag, value] of Object.entries(all)) {
      const key = value instanceof RngStream ? value.key.value : value;
      defineAttr(self, tag, new RngStream(key, { tag }));
    }
    return self;
  }

  static override _createEmpty(proto: object): object {
    return callableInstance(proto, (s: Rngs) => s.stream("default").next());
  }

  /** The stream `name`, or the default stream if there is none (NNX _get_stream). */
  stream(name: string): RngStream {
    const own = Object.prototype.hasOwnProperty.call(this, name) ? (this as any)[name] : undefined;
    if (own instanceof RngStream) return own;
    const dflt = Object.prototype.hasOwnProperty.call(this, "default") ? (this as any).default : undefined;
    if (dflt instanceof RngStream) return dflt;
    throw new Error(`No RngStream named '${name}' found in Rngs.`);
  }

  get params(): RngStream {
    return this.stream("params");
  }

  get dropout(): RngStream {
    return this.stream("dropout");
  }

  get default(): RngStream {
    return this.stream("default");
  }

  /** True if a stream with this exact name exists (no fallback). */
  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this, name) && (this as any)[name] instanceof RngStream;
  }

  /** [name, stream] pairs. */
  items(): [string, RngStream][] {
    return Object.keys(this)
      .filter((k) => (this as any)[k] instanceof RngStream)
      .map((k) => [k, (this as any)[k] as RngStream]);
  }

  /** Stream names. */
  names(): string[] {
    return this.items().map(([k]) => k);
  }

  /** A new Rngs whose streams are forks of these (NNX Rngs.fork). */
  fork(): Rngs {
    const out: Record<string, RngValue> = {};
    for (const [name, s] of this.items()) out[name] = s.next();
    return new Rngs(out);
  }

  next(): Key {
    return this.stream("default").next();
  }

  uniform(shape: number[], opts: { minval?: number; maxval?: number } = {}): tf.Tensor {
    return this.default.uniform(shape, opts);
  }
  normal(shape: number[]): tf.Tensor {
    return this.default.normal(shape);
  }
  bernoulli(p: number, shape: number[]): tf.Tensor {
    return this.default.bernoulli(p, shape);
  }
}
