// nnx.List, nnx.Dict and nnx.Sequential (flax/nnx/helpers.py). A List keeps its
// items as attributes "0", "1", ... that graph traversal reports as integer
// keys, so a model holding `layers = new nnx.List([...])` has state paths
// ["layers", 0, "kernel"], as in NNX; a Dict keeps its entries as attributes.

import type { tf } from "../tf.js";
import { Module } from "../module.js";

function isIndex(k: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(k);
}

/** NNX's list Pytree: indexable (`list[0]`, `list.get(-1)`), iterable, growable. */
export class List<T = unknown> extends Module implements Iterable<T> {
  static override _pytreeHasIntKeys = true;
  readonly [index: number]: T;

  constructor(items: Iterable<T> = []) {
    super();
    for (const item of items) this.push(item);
  }

  /** Number of items (counted from the index attributes, so merge/clone keep it right). */
  get length(): number {
    return Object.keys(this).filter(isIndex).length;
  }

  private setItem(i: number, value: T): void {
    Object.defineProperty(this, String(i), { value, enumerable: true, writable: true, configurable: true });
  }

  private index(i: number): number {
    const n = this.length;
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) throw new RangeError("Index out of bounds");
    return j;
  }

  /** The item at `i` (negative counts from the end). */
  get(i: number): T {
    return this[this.index(i)];
  }

  /** Replaces the item at `i` (negative counts from the end). */
  set(i: number, value: T): void {
    this.setItem(this.index(i), value);
  }

  /** Appends items; returns the new length. */
  push(...values: T[]): number {
    for (const v of values) this.setItem(this.length, v);
    return this.length;
  }

  /** NNX's append. */
  append(value: T): void {
    this.push(value);
  }

  /** Inserts before `index` (clamped to the ends, negative from the end), as Python's list.insert. */
  insert(index: number, value: T): void {
    const n = this.length;
    let i = index < 0 ? index + n : index;
    i = Math.min(Math.max(i, 0), n);
    for (let j = n; j > i; j--) this.setItem(j, this[j - 1]);
    this.setItem(i, value);
  }

  /** Removes the item at `i` and shifts the rest down; returns it. */
  delete(i: number): T {
    const j = this.index(i);
    const n = this.length;
    const item = this[j];
    for (let k = j + 1; k < n; k++) this.setItem(k - 1, this[k]);
    delete (this as unknown as Record<string, unknown>)[String(n - 1)];
    return item;
  }

  /** Items start..end-1 as a plain array (negative from the end), as Python's slicing. */
  slice(start?: number, end?: number): T[] {
    return this.toArray().slice(start, end);
  }

  toArray(): T[] {
    return Array.from({ length: this.length }, (_, i) => this[i]);
  }

  *[Symbol.iterator](): Iterator<T> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield this[i];
  }
}

/** NNX's Dict: a Module whose entries are its attributes (`dict.a`, `dict.get("a")`). */
export class Dict<T = unknown> extends Module {
  [key: string]: unknown;

  constructor(entries: Record<string, T> | Iterable<readonly [string, T]> = {}) {
    super();
    const pairs = Symbol.iterator in Object(entries) ? [...(entries as Iterable<readonly [string, T]>)] : Object.entries(entries as Record<string, T>);
    for (const [k, v] of pairs) this.set(k, v);
  }

  get(key: string): T {
    if (!this.has(key)) throw new Error(`KeyError: '${key}'`);
    return this[key] as T;
  }

  set(key: string, value: T): void {
    Object.defineProperty(this, key, { value, enumerable: true, writable: true, configurable: true });
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this, key);
  }

  delete(key: string): void {
    if (!this.has(key)) throw new Error(`KeyError: '${key}'`);
    delete this[key];
  }

  keys(): string[] {
    return Object.keys(this);
  }

  values(): T[] {
    return this.keys().map((k) => this[k] as T);
  }

  entries(): [string, T][] {
    return this.keys().map((k) => [k, this[k] as T]);
  }

  get size(): number {
    return this.keys().length;
  }
}

type AnyFunction = (...args: never[]) => unknown;
/** Something Sequential can call: a layer with call(...) or a plain function. */
export type SequentialLayer = { call: AnyFunction } | AnyFunction;

/**
 * nnx.Sequential: calls its layers in order, each on the previous output; an
 * array output is spread into the next call's arguments (Python's tuple).
 * Layers are in `layers`, an nnx.List (paths ["layers", 0, ...]).
 */
export class Sequential extends Module {
  readonly layers: List<SequentialLayer>;

  constructor(...fns: SequentialLayer[]) {
    super();
    this.layers = new List(fns);
  }

  /** The last layer's output (typed by the caller: `seq.call<[tf.Tensor, tf.Tensor]>(x)`; default a tensor). */
  call<R = tf.Tensor>(...args: unknown[]): R {
    if (this.layers.length === 0) return (args.length === 1 ? args[0] : args.length > 0 ? args : undefined) as R;
    let output: unknown;
    let i = 0;
    for (const f of this.layers) {
      const input = i === 0 ? args : Array.isArray(output) ? output : [output];
      if (typeof f === "function") output = (f as (...a: unknown[]) => unknown)(...input);
      else if (f !== null && typeof f === "object" && typeof f.call === "function") output = (f.call as (...a: unknown[]) => unknown).apply(f, input);
      else throw new TypeError(`Sequence[${i}] is not callable: ${String(f)}`);
      i++;
    }
    return output as R;
  }
}
