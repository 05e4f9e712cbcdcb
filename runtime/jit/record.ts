// The tracer: while a jitted function runs for real the first time, this records
// every kernel the tfjs-node binding executes (op, attributes, dataflow) into a
// Graph, and notes everything else the step depends on: which Variables it reads
// and writes, the keys it draws (and from which stream), the random tensors it
// makes from them, and the loops of nnx.scan. Anything it cannot express becomes
// a `problem`, and the call then stays eager.

import { tf } from "../tf.js";
import { RngStream } from "../rnglib.js";
import { Variable } from "../variables.js";
import { jitHooks, samplerDepth, type SampleKind } from "./hooks.js";
import { DT, Graph, type Attr, type ConstData, type TfDType, type ValueRef, tfDType } from "./ir.js";
import { isKnownOp } from "./signature.js";
import { bernoulliGraph, gather, uniformGraph } from "./random.js";
import type { Walk } from "./structure.js";

// --- the tfjs-node internals the tracer taps ---------------------------------------------

export interface TensorMetadata {
  id: number;
  shape: number[];
  dtype: number;
}

interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

export interface Binding {
  executeOp(name: string, attrs: OpAttr[], ids: number[], numOutputs: number): TensorMetadata[];
  createTensor(shape: number[], dtype: number, values: unknown): number;
  deleteTensor(id: number): void;
  tensorDataSync(id: number): ConstData;
  loadSavedModel(dir: string, tags: string): number;
  deleteSavedModel(id: number): void;
  runSavedModel(id: number, ids: number[], inputNames: string, outputNames: string): TensorMetadata[];
  TF_ATTR_STRING: number;
  TF_ATTR_INT: number;
  TF_ATTR_FLOAT: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_TYPE: number;
  TF_ATTR_SHAPE: number;
}

interface TensorData {
  id: number;
  values: unknown;
  shape: number[];
  dtype: number;
}

export interface NodeBackend {
  binding: Binding;
  tensorMap: { get(dataId: object): TensorData | undefined };
  getInputTensorIds(tensors: tf.Tensor[]): number[];
  createOutputTensor(meta: TensorMetadata): tf.Tensor;
}

export function nodeBackend(): NodeBackend {
  return tf.backend() as unknown as NodeBackend;
}

interface EngineState {
  activeTape: { gradient?: (dys: unknown) => unknown }[] | null;
}
interface EngineInternals {
  state: EngineState;
  addTapeNode(...args: unknown[]): void;
}

// --- what a trace produces -----------------------------------------------------------------

/** What feeds one graph input at each call. */
export type InputSlot =
  | { kind: "variable"; variable: number }
  | { kind: "tensor"; tensor: number }
  | { kind: "keys" }
  | { kind: "host"; sample: number };

/** How each key the step uses is obtained again at the next call. */
export type KeyStep =
  | { kind: "draw"; source: SourceRef }
  | { kind: "arg"; arg: number }
  | { kind: "const"; key: Uint32Array }
  | { kind: "split"; parent: number; num: number; index: number }
  | { kind: "foldIn"; parent: number; data: number };

/** A key source: by its position in the arguments' walk, or (captured) itself. */
export type SourceRef = { walk: number } | { object: { next(): Uint32Array } };

/** A random tensor drawn in JavaScript at each call (samplers without an in-graph version). */
export interface HostSample {
  kind: SampleKind;
  step: number;
  shape: number[];
  params: readonly unknown[];
}

/** Kernels of one loop iteration: nodes [start, end) of the graph. */
export interface Segment {
  index: number;
  start: number;
  end: number;
}

export interface LoopRecord {
  length: number;
  forward: Segment[];
  /** In the order the backward pass ran them (last step first). */
  backward: Segment[];
}

export interface VariableRecord {
  variable: Variable<any>;
  /** The value before the call. */
  initial: unknown;
  /** A reference to the initial tensor that outlives the call (for the build's self-check). */
  keep?: tf.Tensor;
}

const ATTR_FUNC = 8;

// Captured before any trace patches the prototype.
const rawValue = Variable.prototype.getRawValue;

let active: Recorder | undefined;
let gatherWrapped = false;

/**
 * tfjs-node's GatherV2 kernel reads its indices on the host to check their
 * bounds (TensorFlow's kernel checks them again). That read does not feed the
 * graph, so it must not count as the step reading a tensor in JavaScript.
 */
function allowGatherBoundsCheck(): void {
  if (gatherWrapped) return;
  gatherWrapped = true;
  const kernel = tf.getKernel("GatherV2", "tensorflow");
  if (!kernel) return;
  tf.unregisterKernel("GatherV2", "tensorflow");
  tf.registerKernel({
    ...kernel,
    kernelFunc: (args) => {
      const rec = active;
      if (!rec) return kernel.kernelFunc(args);
      rec.validationRead = true;
      try {
        return kernel.kernelFunc(args);
      } finally {
        rec.validationRead = false;
      }
    },
  });
}

export class Recorder {
  readonly graph = new Graph();
  readonly problems = new Set<string>();
  readonly variables: VariableRecord[] = [];
  readonly slots: InputSlot[] = [];
  readonly keySteps: KeyStep[] = [];
  /** The value each key step had in this call. */
  readonly keyValues: Uint32Array[] = [];
  readonly hostSamples: HostSample[] = [];
  readonly loops: LoopRecord[] = [];
  /** Key steps fed to the graph, in the order of the rows of the keys input. */
  readonly keyRows: number[] = [];

  private readonly backend = nodeBackend();
  private readonly real: Binding;
  private readonly refs = new Map<number, ValueRef>();
  private readonly pendingInputs = new Map<number, InputSlot>();
  private readonly placeholders = new Map<string, ValueRef>();
  private readonly byValues = new Map<unknown, ValueRef | InputSlot>();
  private readonly tensorInfo = new Map<number, { shape: number[]; dtype: string }>();
  private readonly variableIndex = new Map<Variable<any>, number>();
  private readonly keyIndex = new Map<Uint32Array, number>();
  private readonly undo: (() => void)[] = [];
  private paused = 0;
  private drawDepth = 0;
  /** Tensors with ids from here on were made during the call. */
  private firstNewTensor = Infinity;
  /** Variables made during the call (gradient States, temporaries): not state of the step. */
  private readonly temporaries = new WeakSet<Variable<any>>();
  private keysInput?: ValueRef;
  private scan?: { record: LoopRecord; token: number; index: number };
  private backwardTag?: { token: number; index: number };
  private backwardSegment?: Segment;

  constructor(private readonly args: Walk) {
    this.real = this.backend.binding;
  }

  // --- installing and removing the taps ---------------------------------------------------

  install(): void {
    this.firstNewTensor = (tf.engine().constructor as unknown as { nextTensorId: number }).nextTensorId;
    allowGatherBoundsCheck();
    active = this;
    this.undo.push(() => (active = undefined));
    const rec = this;
    const real = this.real;
    const backend = this.backend;
    // Every argument tensor and every Variable of the arguments is a potential input.
    this.args.tensors.forEach((t, i) => this.registerInput(t, { kind: "tensor", tensor: i }));
    this.args.variables.forEach((v) => this.noteVariable(v));
    this.args.keys.forEach((k, i) => this.addKey(k, { kind: "arg", arg: i }));

    // The binding: a stand-in that records, then calls the real one.
    const proxy = Object.create(real) as Binding;
    const define = (name: keyof Binding, value: unknown) => Object.defineProperty(proxy, name, { value });
    define("executeOp", (name: string, attrs: OpAttr[], ids: number[], n: number) => rec.executeOp(name, attrs, ids, n));
    define("createTensor", (shape: number[], dtype: number, values: unknown) => rec.createTensor(shape, dtype, values));
    define("tensorDataSync", (id: number) => {
      if (!rec.paused && !rec.validationRead) rec.problem("reads a tensor's values in JavaScript during the step (dataSync/array/print); the graph would freeze them");
      return real.tensorDataSync(id);
    });
    define("runSavedModel", (...a: Parameters<Binding["runSavedModel"]>) => {
      rec.problem("runs a loaded SavedModel inside the step");
      return real.runSavedModel(...a);
    });
    backend.binding = proxy;
    this.undo.push(() => (backend.binding = real));

    // Tensors handed to the binding: remember their shapes, for inputs the trace has not seen.
    const getIds = backend.getInputTensorIds;
    backend.getInputTensorIds = function (tensors: tf.Tensor[]) {
      const out = getIds.call(this, tensors);
      tensors.forEach((t, i) => {
        if (t instanceof tf.Tensor && !rec.refs.has(out[i])) rec.tensorInfo.set(out[i], { shape: t.shape, dtype: t.dtype });
      });
      return out;
    };
    this.undo.push(() => delete (backend as { getInputTensorIds?: unknown }).getInputTensorIds);

    this.tapVariables();
    this.tapKeys();
    this.tapLoops();
  }

  uninstall(): void {
    while (this.undo.length) this.undo.pop()!();
    this.closeBackwardSegment();
  }

  /** Set while a kernel validates its inputs on the host (GatherV2's bounds check). */
  validationRead = false;

  problem(why: string): void {
    this.problems.add(why);
  }

  // --- the binding --------------------------------------------------------------------------

  private executeOp(name: string, attrs: OpAttr[], ids: number[], n: number): TensorMetadata[] {
    if (this.paused) return this.real.executeOp(name, attrs, ids, n);
    const inputs = ids.map((id) => this.refFor(id));
    const out = this.real.executeOp(name, attrs, ids, n);
    if (!isKnownOp(name)) this.problem(`uses the TensorFlow op ${name}, which nnx.jit does not compile yet`);
    const node = this.graph.add(name, inputs, this.convertAttrs(name, attrs), out.map((m) => ({ dtype: m.dtype, shape: [...m.shape] })));
    out.forEach((m, i) => this.refs.set(m.id, { node: node.id, index: i }));
    return out;
  }

  private createTensor(shape: number[], dtype: number, values: unknown): number {
    const id = this.real.createTensor(shape, dtype, values);
    if (this.paused) return id;
    const known = this.byValues.get(values);
    if (known && "node" in known) this.refs.set(id, known);
    else if (known) this.pendingInputs.set(id, known as InputSlot);
    else this.refs.set(id, this.constantOf(shape, dtype, values));
    return id;
  }

  private constantOf(shape: number[], dtype: number, values: unknown): ValueRef {
    if (dtype === DT.string || !(ArrayBuffer.isView(values) && !(values instanceof DataView))) {
      this.problem("uses a string or non-numeric tensor");
      return this.graph.constant(DT.int32, [0], new Int32Array(0));
    }
    return this.graph.constant(dtype, shape, values as ConstData);
  }

  /** The graph value of a binding tensor id. */
  private refFor(id: number): ValueRef {
    const ref = this.refs.get(id);
    if (ref) return ref;
    const slot = this.pendingInputs.get(id);
    if (slot) {
      const info = this.tensorInfo.get(id);
      const made = this.placeholderFor(slot, info ? tfDType(info.dtype) : DT.float32, info?.shape ?? []);
      this.refs.set(id, made);
      return made;
    }
    // A tensor from outside the call that is neither an argument nor a Variable's
    // value (captured by a closure): a constant of the graph, as under jax.jit.
    const info = this.tensorInfo.get(id);
    if (!info) {
      this.problem("uses a tensor whose shape the tracer could not see");
      return this.graph.scalar(DT.float32, 0);
    }
    this.paused++;
    try {
      const data = this.real.tensorDataSync(id);
      const made = this.constantOf(info.shape, tfDType(info.dtype), data);
      this.refs.set(id, made);
      return made;
    } finally {
      this.paused--;
    }
  }

  private placeholderFor(slot: InputSlot, dtype: TfDType, shape: number[]): ValueRef {
    const key = JSON.stringify(slot);
    let ref = this.placeholders.get(key);
    if (!ref) {
      ref = this.graph.placeholder(dtype, shape);
      this.placeholders.set(key, ref);
      this.slots.push(slot);
    }
    return ref;
  }

  private convertAttrs(op: string, attrs: OpAttr[]): Map<string, Attr> {
    const b = this.real;
    const out = new Map<string, Attr>();
    for (const a of attrs) {
      const v = a.value;
      let attr: Attr;
      if (a.type === b.TF_ATTR_STRING) attr = { kind: "s", value: String(v) };
      else if (a.type === b.TF_ATTR_INT) attr = Array.isArray(v) ? { kind: "list_i", value: v.map(Number) } : { kind: "i", value: Number(v) };
      else if (a.type === b.TF_ATTR_FLOAT) attr = Array.isArray(v) ? { kind: "list_f", value: v.map(Number) } : { kind: "f", value: Number(v) };
      else if (a.type === b.TF_ATTR_BOOL) attr = Array.isArray(v) ? { kind: "list_b", value: v.map(Boolean) } : { kind: "b", value: Boolean(v) };
      else if (a.type === b.TF_ATTR_TYPE) attr = { kind: "type", value: Number(v) };
      else if (a.type === b.TF_ATTR_SHAPE) attr = { kind: "shape", value: (v as number[]).map(Number) };
      else {
        this.problem(`passes ${op} an attribute of a kind nnx.jit does not write (${a.type === ATTR_FUNC ? "function" : a.type})`);
        continue;
      }
      out.set(a.name, attr);
    }
    return out;
  }

  // --- inputs ---------------------------------------------------------------------------------

  /** Makes `t`'s binding tensor known as graph input `slot`. */
  private registerInput(t: tf.Tensor, slot: InputSlot): void {
    const info = this.backend.tensorMap.get(t.dataId);
    if (!info) return;
    // A tensor whose values still live in JavaScript is uploaded now (outside the
    // recording), so its binding id is known before any op uses it.
    this.paused++;
    try {
      this.backend.getInputTensorIds([t]);
    } finally {
      this.paused--;
    }
    if (!this.pendingInputs.has(info.id) && !this.refs.has(info.id)) {
      this.pendingInputs.set(info.id, slot);
      this.tensorInfo.set(info.id, { shape: t.shape, dtype: t.dtype });
    }
  }

  /** Registers a Variable the first time the step touches it (argument or captured). */
  noteVariable(v: Variable<any>): number {
    let index = this.variableIndex.get(v);
    if (index !== undefined) return index;
    if (this.temporaries.has(v)) return -1;
    const initial = rawValue.call(v) as unknown;
    if (initial instanceof tf.Tensor && (initial as unknown as { id: number }).id >= this.firstNewTensor) {
      // Made during the call (e.g. the Variables of a gradient State): its tensor is a value of the graph.
      this.temporaries.add(v);
      return -1;
    }
    index = this.variables.length;
    this.variableIndex.set(v, index);
    const record: VariableRecord = { variable: v, initial };
    this.variables.push(record);
    if (initial instanceof tf.Tensor && !initial.isDisposed) {
      this.registerInput(initial, { kind: "variable", variable: index });
      // A second handle on the same data, so the pre-call value survives the call.
      this.paused++;
      try {
        record.keep = tf.keep(tf.clone(initial));
      } finally {
        this.paused--;
      }
    }
    return index;
  }

  private tapVariables(): void {
    const rec = this;
    const proto = Variable.prototype as unknown as Record<string, unknown>;
    const desc = Object.getOwnPropertyDescriptor(Variable.prototype, "value")!;
    const getRaw = proto.getRawValue as (this: Variable<any>) => unknown;
    const setRaw = proto.setRawValue as (this: Variable<any>, v: unknown) => void;
    const read = (v: Variable<any>) => {
      const at = rec.noteVariable(v);
      const raw = getRaw.call(v);
      if (at >= 0 && !(raw instanceof tf.Tensor) && rec.drawDepth === 0) {
        rec.problem(`reads the JavaScript value of a ${v.constructor.name} (not a tensor) during the step`);
      }
      return raw;
    };
    const write = (v: Variable<any>, next: unknown) => {
      const at = rec.noteVariable(v);
      if (at >= 0 && !(next instanceof tf.Tensor) && rec.drawDepth === 0) {
        rec.problem(`assigns a JavaScript value (not a tensor) to a ${v.constructor.name} during the step`);
      }
    };
    Object.defineProperty(Variable.prototype, "value", {
      configurable: true,
      get(this: Variable<any>) {
        read(this);
        return desc.get!.call(this);
      },
      set(this: Variable<any>, next: unknown) {
        write(this, next);
        desc.set!.call(this, next);
      },
    });
    const patch = (name: string, f: (this: Variable<any>, ...a: any[]) => unknown) => {
      const had = Object.getOwnPropertyDescriptor(proto, name)!;
      Object.defineProperty(proto, name, { ...had, value: f });
      this.undo.push(() => Object.defineProperty(proto, name, had));
    };
    patch("getValue", function () {
      return read(this);
    });
    patch("getRawValue", function () {
      return read(this);
    });
    patch("setRawValue", function (next: unknown) {
      write(this, next);
      setRaw.call(this, next);
    });
    this.undo.push(() => Object.defineProperty(Variable.prototype, "value", desc));
  }

  // --- keys -----------------------------------------------------------------------------------

  private addKey(key: Uint32Array, step: KeyStep): number {
    const index = this.keySteps.length;
    this.keySteps.push(step);
    this.keyValues.push(Uint32Array.from(key));
    this.keyIndex.set(key, index);
    return index;
  }

  /** The key step that produced `key` (by identity, else by value), if the trace saw it made. */
  private stepOf(key: Uint32Array): number | undefined {
    const hit = this.keyIndex.get(key);
    if (hit !== undefined) return hit;
    let found: number | undefined;
    this.keyValues.forEach((k, i) => {
      if (k[0] === key[0] && k[1] === key[1]) found ??= i;
    });
    return found;
  }

  private tapKeys(): void {
    const rec = this;
    // Every RngStream (an argument's or a captured one) hands out keys through next().
    const next = RngStream.prototype.next;
    RngStream.prototype.next = function (this: RngStream) {
      return rec.draw(() => next.call(this), this);
    };
    this.undo.push(() => (RngStream.prototype.next = next));
    // Other key sources in the arguments (source-init.ts installs them on Dropout layers).
    for (const source of this.args.sources) {
      if (source instanceof RngStream) continue;
      const obj = source as { next(): Uint32Array };
      const own = Object.getOwnPropertyDescriptor(obj, "next");
      const original = obj.next;
      Object.defineProperty(obj, "next", {
        value: () => rec.draw(() => original.call(obj), obj),
        configurable: true,
        writable: true,
        enumerable: own ? own.enumerable : false,
      });
      this.undo.push(() => {
        if (own) Object.defineProperty(obj, "next", own);
        else delete (obj as { next?: unknown }).next;
      });
    }
    jitHooks.derive = (kind, parent, data, out) => {
      if (rec.drawDepth > 0 || samplerDepth.value > 0) return;
      if (kind === "key") rec.addKey(out, { kind: "const", key: Uint32Array.from(out) });
      else {
        const p = parent && rec.stepOf(parent);
        if (p === undefined || p === null) return; // derived from a key the trace did not see made
        rec.addKey(out, kind === "split" ? { kind: "split", parent: p, num: data[0], index: data[1] } : { kind: "foldIn", parent: p, data: data[0] });
      }
    };
    jitHooks.rawBits = () => {
      if (rec.drawDepth === 0) rec.problem("turns a key into random values in JavaScript (random.bits or a *Values sampler); they would be frozen");
    };
    jitHooks.sample = (kind, key, shape, params, tensor) => rec.sample(kind, key, shape, params, tensor as tf.Tensor);
    this.undo.push(() => {
      delete jitHooks.derive;
      delete jitHooks.rawBits;
      delete jitHooks.sample;
    });
  }

  private draw(next: () => Uint32Array, source: object): Uint32Array {
    this.drawDepth++;
    let key: Uint32Array;
    try {
      key = next();
    } finally {
      this.drawDepth--;
    }
    if (this.drawDepth === 0) {
      const at = this.args.sources.indexOf(source);
      this.addKey(key, { kind: "draw", source: at >= 0 ? { walk: at } : { object: source as { next(): Uint32Array } } });
    }
    return key;
  }

  private sample(kind: SampleKind, key: Uint32Array, shape: number[], params: readonly unknown[], tensor: tf.Tensor): void {
    const step = this.stepOf(key);
    if (step === undefined) {
      this.problem(`draws random numbers (${kind}) with a key that does not come from an nnx.Rngs stream, a key argument or random.key/split/foldIn inside the step`);
      return;
    }
    let made: ValueRef | InputSlot;
    if (kind === "bernoulli" || kind === "uniform") {
      const g = this.graph;
      const row = this.keyRow(step);
      const k = gather(g, this.keys(), g.scalar(DT.int32, row));
      made =
        kind === "bernoulli"
          ? bernoulliGraph(g, k, shape, params[0] as number)
          : uniformGraph(g, k, shape, params[0] as number, params[1] as number);
    } else {
      made = { kind: "host", sample: this.hostSamples.length };
      this.hostSamples.push({ kind, step, shape: [...shape], params: [...params] });
    }
    const info = this.backend.tensorMap.get(tensor.dataId);
    if (info && info.values != null) this.byValues.set(info.values, made);
    else if (info) {
      if ("node" in made) this.refs.set(info.id, made);
      else this.pendingInputs.set(info.id, made);
    }
  }

  private keyRow(step: number): number {
    let row = this.keyRows.indexOf(step);
    if (row < 0) {
      row = this.keyRows.length;
      this.keyRows.push(step);
    }
    return row;
  }

  /** The [K, 2] int32 keys input; its row count is fixed when the trace ends. */
  private keys(): ValueRef {
    if (!this.keysInput) {
      this.keysInput = this.graph.placeholder(DT.int32, [0, 2]);
      this.placeholders.set(JSON.stringify({ kind: "keys" }), this.keysInput);
      this.slots.push({ kind: "keys" });
    }
    return this.keysInput;
  }

  // --- loops ----------------------------------------------------------------------------------

  private tapLoops(): void {
    const rec = this;
    jitHooks.scanBegin = (length) => {
      if (rec.scan) return undefined; // nested: the outer loop is the unit
      const record: LoopRecord = { length, forward: [], backward: [] };
      rec.loops.push(record);
      rec.scan = { record, token: rec.loops.length - 1, index: -1 };
      return rec.scan.token;
    };
    jitHooks.scanStep = (token, index) => {
      const s = rec.scan;
      if (!s || s.token !== token) return;
      const at = rec.graph.nodes.length;
      const last = s.record.forward.at(-1);
      if (last) last.end = at;
      s.record.forward.push({ index, start: at, end: at });
      s.index = index;
    };
    jitHooks.scanEnd = (token) => {
      const s = rec.scan;
      if (!s || s.token !== token) return;
      const last = s.record.forward.at(-1);
      if (last) last.end = rec.graph.nodes.length;
      rec.scan = undefined;
    };
    this.undo.push(() => {
      delete jitHooks.scanBegin;
      delete jitHooks.scanStep;
      delete jitHooks.scanEnd;
    });
    // Tape nodes made during a loop step remember it, so the backward pass's
    // kernels can be cut into iterations too.
    const engine = tf.engine() as unknown as EngineInternals;
    const addTapeNode = engine.addTapeNode;
    engine.addTapeNode = function (this: EngineInternals, ...a: unknown[]) {
      addTapeNode.apply(this, a);
      const tape = this.state.activeTape;
      const node = tape?.[tape.length - 1];
      if (!node?.gradient) return;
      const tag = rec.scan ? { token: rec.scan.token, index: rec.scan.index } : undefined;
      const gradient = node.gradient;
      node.gradient = (dys: unknown) => {
        rec.backwardAt(tag);
        return gradient(dys);
      };
    };
    this.undo.push(() => delete (engine as { addTapeNode?: unknown }).addTapeNode);
  }

  private backwardAt(tag: { token: number; index: number } | undefined): void {
    const cur = this.backwardTag;
    if (cur && tag && cur.token === tag.token && cur.index === tag.index) return;
    this.closeBackwardSegment();
    this.backwardTag = tag;
    if (tag) {
      const at = this.graph.nodes.length;
      this.backwardSegment = { index: tag.index, start: at, end: at };
      this.loops[tag.token].backward.push(this.backwardSegment);
    }
  }

  private closeBackwardSegment(): void {
    if (this.backwardSegment) this.backwardSegment.end = this.graph.nodes.length;
    this.backwardSegment = undefined;
    this.backwardTag = undefined;
  }

  // --- after the call -------------------------------------------------------------------------

  /** Fixes the keys input's row count once every draw is known. */
  finish(): void {
    if (this.keysInput) {
      const node = this.graph.node(this.keysInput.node);
      const shape = [this.keyRows.length, 2];
      node.outputs[0].shape = shape;
      node.attrs.set("shape", { kind: "shape", value: shape });
    }
  }

  /** The graph value of a tensor that exists after the call (a result or a Variable's new value). */
  refOf(t: tf.Tensor): ValueRef | undefined {
    const info = this.backend.tensorMap.get(t.dataId);
    if (!info) {
      this.problem("returns or keeps a tensor that was disposed");
      return undefined;
    }
    if (info.values != null) {
      const known = this.byValues.get(info.values);
      if (known) return "node" in known ? known : this.placeholderFor(known as InputSlot, tfDType(t.dtype), t.shape);
      return this.constantOf(t.shape, info.dtype, info.values);
    }
    this.tensorInfo.set(info.id, { shape: t.shape, dtype: t.dtype });
    return this.refFor(info.id);
  }

  /** Frees the pre-call handles kept for the self-check. */
  release(): void {
    for (const v of this.variables) v.keep?.dispose();
  }
}
