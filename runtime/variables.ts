// nnx.Variable and its standard subclasses (flax/nnx/variablelib.py).
//
// A Variable is a mutable box around one value, usually a tf.Tensor. It is what
// graph traversal finds, what filters select by type, and what State leaves are.
//
// Memory: tfjs tensors must be freed explicitly, so a Variable OWNS its tensor.
//   - construction and `.value = t` call tf.keep(t), so an enclosing tf.tidy does
//     not free a value that now lives in the model;
//   - `.value = t` releases the previous tensor (unless it is `t` itself): inside
//     a tf.tidy it goes back to that scope, so code that read it before the
//     assignment (`old = v.value; v.value = f(old); use(old)`, as JAX's immutable
//     arrays allow) can still use it until the scope ends; outside one it is
//     disposed at once;
//   - so outside a tidy do not keep using a tensor after assigning a replacement,
//     and do not assign one tensor to two Variables (tf.clone it first);
//   - a value that is an array of tensors (a tuple, as Module.sow collects) is
//     owned item by item: tensors that stay are untouched, new ones are kept and
//     those no longer held are released.

import { tf } from "./tf.js";

export type Metadata = Record<string, unknown>;

const inspect = Symbol.for("nodejs.util.inspect.custom");

function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

/** The tensors a value holds: itself, or the items of an array (a tuple) of them, nested. */
function heldTensors(x: unknown, out: tf.Tensor[] = []): tf.Tensor[] {
  if (isTensor(x)) out.push(x);
  else if (Array.isArray(x)) for (const item of x) heldTensors(item, out);
  return out;
}

/** A tensor a Variable no longer holds: the enclosing tidy disposes it when it ends (it is a value the scope may still read). */
function release(t: tf.Tensor): void {
  const scope = tf.engine().state.activeScope;
  if (!scope) return t.dispose();
  t.kept = false;
  t.scopeId = scope.id;
  scope.track.push(t);
}

/** Variables constructed so far: each keeps its place as `_made`. */
let made = 0;

export class Variable<T = tf.Tensor> {
  // Plain (not #private) fields so nnx.merge can rebuild instances with
  // Object.create; they are non-enumerable so printing shows `value` instead.
  declare private _raw: T;
  declare private _metadata: Metadata;

  constructor(value: T, metadata: Metadata = {}) {
    Object.defineProperty(this, "_raw", { value: undefined, writable: true, enumerable: false });
    Object.defineProperty(this, "_metadata", { value: { ...metadata }, writable: true, enumerable: false });
    // Creation order: Haiku's classes draw each key as they create its variable, so translation reads their key order from it.
    Object.defineProperty(this, "_made", { value: made++, enumerable: false });
    for (const t of heldTensors(value)) tf.keep(t);
    this._raw = value;
  }

  /** The held value (NNX `variable[...]` / `get_value()`). */
  get value(): T {
    return this._raw;
  }

  /** Replaces the value; the Variable takes ownership (keep new, dispose old). */
  set value(next: T) {
    const prev = this._raw;
    if (next === prev) return;
    const kept = heldTensors(next);
    for (const t of kept) tf.keep(t);
    this._raw = next;
    const still = new Set(kept);
    for (const t of heldTensors(prev)) if (!still.has(t) && !t.isDisposed) release(t);
  }

  /** NNX get_value(). */
  getValue(): T {
    return this._raw;
  }

  /** NNX set_value(); same ownership rules as `.value = x`. */
  setValue(value: T): void {
    this.value = value;
  }

  /** The raw slot, without keep/dispose. Used by transforms that swap values temporarily. */
  getRawValue(): T {
    return this._raw;
  }

  setRawValue(value: T): void {
    this._raw = value;
  }

  get shape(): number[] {
    const v = this._raw as unknown;
    if (isTensor(v)) return v.shape;
    if (v instanceof Uint32Array) return [];
    throw new TypeError(`${this.constructor.name} does not hold a tensor`);
  }

  get dtype(): string | undefined {
    const v = this._raw as unknown;
    return isTensor(v) ? v.dtype : undefined;
  }

  /** The Variable's type, like NNX `variable.type`. */
  get type(): VariableType<T> {
    return this.constructor as VariableType<T>;
  }

  getMetadata(): Metadata;
  getMetadata(name: string, defaultValue?: unknown): unknown;
  getMetadata(name?: string, defaultValue?: unknown): unknown {
    if (name === undefined) return { ...this._metadata };
    return name in this._metadata ? this._metadata[name] : defaultValue;
  }

  setMetadata(metadata: Metadata): void;
  setMetadata(name: string, value: unknown): void;
  setMetadata(nameOrMetadata: string | Metadata, value?: unknown): void {
    if (typeof nameOrMetadata === "string") this._metadata[nameOrMetadata] = value;
    else this._metadata = { ...nameOrMetadata };
  }

  hasMetadata(name: string): boolean {
    return name in this._metadata;
  }

  /**
   * A new Variable of the same type and metadata. Tensors are tf.clone'd (cheap:
   * shared data, separate ownership) unless a replacement value is given.
   */
  copy(value?: T): this {
    const v = value === undefined ? copyValue(this._raw) : value;
    return createVariable(this.type, v, this._metadata) as this;
  }

  /**
   * NNX update_from_state: take `other`'s value and metadata. The tensor is
   * cloned so both Variables own their own handle.
   */
  updateFromState(other: Variable<T>): void {
    if (other === this) return;
    const v = other._raw;
    if (v !== this._raw) this.value = isTensor(v) || Array.isArray(v) ? copyValue(v) : v;
    this._metadata = { ...other._metadata };
  }

  /** Frees the held tensor (the Variable is unusable afterwards). */
  dispose(): void {
    for (const t of heldTensors(this._raw)) if (!t.isDisposed) t.dispose();
  }

  toString(): string {
    const v = this._raw as unknown;
    const desc = isTensor(v) ? `${v.dtype}[${v.shape.join(",")}]` : String(v);
    return `${this.constructor.name}(${desc})`;
  }

  [inspect](): string {
    const v = this._raw as unknown;
    if (isTensor(v) && !v.isDisposed && v.size <= 16) {
      return `${this.constructor.name}(${JSON.stringify(v.arraySync())})`;
    }
    return this.toString();
  }
}

function copyValue<T>(v: T): T {
  if (isTensor(v)) return tf.clone(v) as T;
  if (Array.isArray(v)) return v.map(copyValue) as T;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return (v as unknown as Uint32Array).slice() as T;
  return v;
}

export type VariableType<T = any> = abstract new (...args: any[]) => Variable<T>;

/**
 * Builds a Variable of `type` without running its constructor (like NNX
 * `Variable.from_metadata`), so subclasses with other constructor signatures
 * still round-trip through split/merge. `own` = tf.keep the tensor.
 */
export function createVariable<T>(
  type: VariableType<T>,
  value: T,
  metadata: Metadata = {},
  { own = true }: { own?: boolean } = {},
): Variable<T> {
  const v = Object.create(type.prototype) as Variable<T>;
  Object.defineProperty(v, "_raw", { value, writable: true, enumerable: false });
  Object.defineProperty(v, "_metadata", { value: { ...metadata }, writable: true, enumerable: false });
  if (own) for (const t of heldTensors(value)) tf.keep(t);
  return v;
}

/** Trainable parameters: what nnx.grad differentiates and Optimizer updates by default. */
export class Param<T = tf.Tensor> extends Variable<T> {}

/** Batch statistics (BatchNorm running mean/var). */
export class BatchStat<T = tf.Tensor> extends Variable<T> {}

/** Per-call caches (e.g. attention KV cache). */
export class Cache<T = tf.Tensor> extends Variable<T> {}

/** Values stored with Module.sow / captured intermediates. */
export class Intermediate<T = tf.Tensor> extends Variable<T> {}

/** State of an RngStream; `tag` is the stream name (filterable with a string filter). */
export class RngState<T = unknown> extends Variable<T> {
  get tag(): string {
    return this.getMetadata("tag") as string;
  }
}

/** The stream's base key: a raw threefry key (Uint32Array [k0, k1]). */
export class RngKey extends RngState<Uint32Array> {}

/** How many keys the stream has handed out (NNX keeps a uint32 array; a number here). */
export class RngCount extends RngState<number> {}

export function isVariable(x: unknown): x is Variable<unknown> {
  return x instanceof Variable;
}
