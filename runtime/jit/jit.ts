// nnx.jit: a function of Modules, Optimizers and arrays, run as one compiled
// TensorFlow graph after its first call.
//
//   const trainStep = nnx.jit((model: Model, opt: nnx.Optimizer<Model>, x: nnx.Array, y: nnx.Array) => {
//     const [loss, grads] = nnx.valueAndGrad(lossFn)(model, x, y);
//     opt.update(model, grads);
//     return loss;
//   });
//   const loss = trainStep(model, opt, x, y);   // updates model and opt in place, as NNX does
//
// The first call with a given structure (the arguments' graph structure, static
// attributes such as train/eval mode, tensor shapes and dtypes) runs `fn` eagerly
// (so its result is exact) while runtime/jit/record.ts records every kernel. That
// recording becomes one graph whose inputs are the Variables' values, the tensor
// arguments and the step's random keys, and whose outputs are the results and the
// Variables' new values. It is checked against the eager call, then later calls
// with the same structure run it and write the new values back. What the tracer
// cannot express keeps the call eager, with a one-time warning saying why.

import { tf } from "../tf.js";
import type { Variable } from "../variables.js";
import { type Graph, type ValueRef, tfjsDType } from "./ir.js";
import { type HostSample, type InputSlot, type KeyStep, Recorder } from "./record.js";
import { Session, xlaAvailable, xlaWrapped } from "./session.js";
import { type Walk, capturedRoots, concat, describe, staticDiffs, walk } from "./structure.js";
import { type Template, instantiate, resultTensors, templateOf } from "./results.js";
import { hostSample, keysTensor, replayKeys } from "./keys.js";
import { rerollLoops } from "./loops.js";
import { compareOutputs } from "./check.js";
import { GUARDED, liveNodes } from "./emit.js";

export interface JitOptions {
  /**
   * Compile the graph with XLA. "auto" (the default, or NNXPORT_JIT_XLA=auto): where
   * the TensorFlow library has XLA, build both and keep whichever runs the traced
   * call faster; otherwise the plain graph. true (NNXPORT_JIT_XLA=1): XLA unless it
   * fails. false (NNXPORT_JIT_XLA=0): always the plain graph.
   */
  xla?: boolean | "auto";
  /** Run nnx.scan / nnx.scanLayers steps as one TensorFlow While loop (default true). */
  loops?: boolean;
  /** Name used in warnings (default: the function's name). */
  name?: string;
}

/** What happened to one traced structure. */
export interface JitTrace {
  /** "xla" / "graph": compiled; "eager": kept eager (see reason). */
  mode: "xla" | "graph" | "eager";
  reason?: string;
  /** Milliseconds: the traced (eager) call itself, and building + loading + checking the graph. */
  traceMs: number;
  buildMs: number;
  /** Kernels the traced call executed, and nodes in the compiled graph (after loops and dead code). */
  kernels: number;
  nodes?: number;
  loops?: number;
  /** Every TensorFlow op in the compiled graph (functions included), with the attributes it was given. */
  ops?: Record<string, string[]>;
  /** Why a preferred compilation (XLA) was not used, when the next one was. */
  skipped?: string[];
  /** "auto" with XLA available: milliseconds per call of the XLA and the plain graph, the faster kept. */
  timings?: [xla: number, graph: number];
  /** The largest difference between the compiled graph and the traced call, per output kind. */
  check?: { maxAbsDiff: number; exact: boolean };
}

export interface JitStats {
  traces: JitTrace[];
  compiledCalls: number;
  eagerCalls: number;
}

export type Jitted<F extends (...args: any[]) => any> = F & {
  readonly stats: JitStats;
  /** Frees the compiled graphs (the function keeps working, tracing again). */
  dispose(): void;
};

type VarRef = { walk: number } | { object: Variable<any> };

interface Entry {
  trace: JitTrace;
  /** Modules the function captures (not arguments), with their structure when traced. */
  roots: object[];
  rootsKey: string;
  session?: Session;
  slots: InputSlot[];
  variables: VarRef[];
  /** Captured Variables outside any Module: their shape/dtype when traced. */
  capturedShapes: [Variable<any>, string][];
  outputs: ({ kind: "result" } | { kind: "variable"; variable: number })[];
  result: Template;
  keySteps: KeyStep[];
  keyRows: number[];
  hostSamples: HostSample[];
  staticDiffs: [number, unknown][];
}

let tracing: Recorder | undefined;
const warned = new Set<string>();

function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  process.stderr.write(`nnxport: ${message}\n`);
}

function xlaSetting(option: JitOptions["xla"]): boolean | "auto" {
  if (option !== undefined) return option;
  const env = (process.env.NNXPORT_JIT_XLA ?? "auto").trim().toLowerCase();
  if (["0", "false", "off", "no"].includes(env)) return false;
  if (["1", "true", "on", "yes"].includes(env)) return true;
  return "auto";
}

/**
 * nnx.jit: compiles `fn` into one TensorFlow graph per argument structure. `fn`
 * may update the Modules, Optimizers and Variables it is given (or captures) in
 * place; it should return tensors (or arrays/objects/States of them).
 */
export function jit<F extends (...args: any[]) => any>(fn: F, options: JitOptions = {}): Jitted<F> {
  const name = options.name ?? (fn.name || "anonymous");
  const cache = new Map<string, Entry[]>();
  const stats: JitStats = { traces: [], compiledCalls: 0, eagerCalls: 0 };

  const jitted = function (this: unknown, ...args: unknown[]): unknown {
    // Nested inside another trace: record these kernels into it instead. NNXPORT_JIT=0: everything eager.
    if (tracing || process.env.NNXPORT_JIT === "0") return fn.apply(this, args);
    if (tf.getBackend() !== "tensorflow") {
      warnOnce(
        `backend:${tf.getBackend()}`,
        `nnx.jit runs functions eagerly on the ${tf.getBackend()} backend (compiled steps need tfjs-node's TensorFlow)`,
      );
      stats.eagerCalls++;
      return fn.apply(this, args);
    }
    const w = walk(args);
    const found = lookup(cache.get(w.key) ?? [], w);
    if (!found) return traceCall(this, args, w);
    const [entry, all] = found;
    if (entry.trace.mode === "eager") {
      stats.eagerCalls++;
      return fn.apply(this, args);
    }
    stats.compiledCalls++;
    return runCompiled(entry, all);
  };

  function traceCall(self: unknown, args: unknown[], w: Walk): unknown {
    const rec = new Recorder(w);
    const t0 = performance.now();
    tracing = rec;
    rec.install();
    let result: unknown;
    try {
      result = fn.apply(self, args);
    } catch (e) {
      rec.uninstall();
      tracing = undefined;
      rec.release();
      throw e;
    }
    rec.uninstall();
    tracing = undefined;
    const traceMs = performance.now() - t0;
    let entry: Entry;
    try {
      entry = build(rec, w, args, result, traceMs);
    } finally {
      rec.release();
    }
    stats.traces.push(entry.trace);
    if (entry.trace.mode === "eager") warnOnce(`${name}:${entry.trace.reason}`, `nnx.jit(${name}) runs eagerly: ${entry.trace.reason}`);
    const list = cache.get(w.key) ?? [];
    list.push(entry);
    cache.set(w.key, list);
    return result;
  }

  function build(rec: Recorder, w: Walk, args: unknown[], result: unknown, traceMs: number): Entry {
    const t0 = performance.now();
    const trace: JitTrace = { mode: "eager", traceMs, buildMs: 0, kernels: rec.graph.nodes.filter((n) => n.op !== "Const" && n.op !== "Placeholder").length };
    const entry: Entry = {
      trace,
      roots: [],
      rootsKey: "",
      slots: rec.slots,
      variables: [],
      capturedShapes: [],
      outputs: [],
      result: { kind: "static", value: undefined },
      keySteps: rec.keySteps,
      keyRows: rec.keyRows,
      hostSamples: rec.hostSamples,
      staticDiffs: [],
    };
    const fail = (reason: string) => {
      trace.reason = reason;
      trace.buildMs = performance.now() - t0;
      entry.session?.dispose();
      entry.session = undefined;
      trace.mode = "eager";
      return entry;
    };
    try {
      // Static attributes the call changed (model.train() inside a step) are replayed after each compiled call.
      const after = walk(args);
      if (after.key !== w.key) {
        const diffs = staticDiffs(w, after);
        if (!diffs) return fail("it changes the structure of its arguments (adds or replaces Variables, Modules or attributes), which a compiled graph cannot repeat");
        entry.staticDiffs = diffs;
      }
      if (rec.problems.size) return fail([...rec.problems].join("; "));

      // Variables the function captures: find their Modules, whose structure joins the key.
      const inArgs = new Map(w.variables.map((v, i) => [v, i] as const));
      const captured = rec.variables.filter((r) => !inArgs.has(r.variable)).map((r) => r.variable);
      let all = w;
      if (captured.length) {
        entry.roots = capturedRoots(captured, args);
        const rw = walk(entry.roots);
        entry.rootsKey = rw.key;
        all = concat(w, rw);
      }
      const index = new Map(all.variables.map((v, i) => [v, i] as const));
      entry.variables = rec.variables.map((r) => {
        const at = index.get(r.variable);
        return at !== undefined ? { walk: at } : { object: r.variable };
      });
      entry.capturedShapes = rec.variables
        .filter((r) => !index.has(r.variable))
        .map((r) => [r.variable, describe(r.initial)] as [Variable<any>, string]);

      // Outputs: the results, then every Variable the call gave a new tensor.
      const g = rec.graph;
      const resultRefs: ValueRef[] = [];
      entry.result = templateOf(result, rec, resultRefs, new Set(rec.variables.map((r) => r.variable)));
      if (rec.problems.size) return fail([...rec.problems].join("; "));
      g.outputs.push(...resultRefs);
      entry.outputs = resultRefs.map(() => ({ kind: "result" as const }));
      const expected: tf.Tensor[] = [...resultTensors(result)];
      rec.variables.forEach((r, i) => {
        const now = r.variable.getRawValue() as unknown;
        if (now === r.initial || !(now instanceof tf.Tensor)) return;
        const ref = rec.refOf(now);
        if (!ref) return;
        g.outputs.push(ref);
        entry.outputs.push({ kind: "variable", variable: i });
        expected.push(now);
      });
      if (rec.problems.size) return fail([...rec.problems].join("; "));
      for (const ref of g.outputs) {
        if (tfjsDType(g.info(ref).dtype) === null) return fail(`an output has a dtype tfjs cannot hold (${g.info(ref).dtype})`);
      }
      rec.finish();
      // TensorFlow cannot fetch a tensor it is fed: an input handed straight back goes through an Identity.
      g.outputs.forEach((r, k) => {
        const n = g.node(r.node);
        if (n.op === "Placeholder") g.outputs[k] = g.op("Identity", [r], { T: { kind: "type", value: n.outputs[0].dtype } }, { ...n.outputs[0] });
      });

      const library = options.loops === false ? [] : rerollLoops(g, rec.loops);
      trace.loops = library.length / 2;

      // Compile: XLA where available, else (or if XLA fails its check) the plain graph.
      const setting = xlaSetting(options.xla);
      const modes: ("xla" | "graph")[] = [];
      if (setting !== false) {
        const probe = xlaAvailable();
        if (probe.available) modes.push("xla");
        else if (setting === true) warnOnce("xla-missing", `nnx.jit: XLA is not available (${probe.why}); compiling plain graphs`);
      }
      modes.push("graph");
      const feeds = traceFeeds(rec, entry, w);
      const errors: string[] = [];
      const built: { mode: "xla" | "graph"; session: Session; check: { maxAbsDiff: number; exact: boolean }; ops: Record<string, string[]> }[] = [];
      try {
        for (const mode of modes) {
          // With an explicit choice, the first graph that passes is it; "auto" tries both.
          if (built.length && setting !== "auto") break;
          let session: Session | undefined;
          try {
            // The plain graph runs While loops lowered to TF's dataflow control ops; XLA compiles them whole.
            for (const graph of [g, ...library.map((f) => f.graph)]) {
              for (const n of graph.nodes) if (n.op === "While") n.attrs.set("_lower_using_switch_merge", { kind: "b", value: mode === "graph" });
            }
            const { main, library: lib } = mode === "xla" ? xlaWrapped(g, library) : { main: g, library };
            session = Session.load(main, lib);
            const outs = session.run(feeds);
            const check = compareOutputs(outs, expected);
            tf.dispose(outs);
            if (!check.ok) throw new Error(`its result differs from the eager call (${check.detail})`);
            built.push({ mode, session, check: { maxAbsDiff: check.maxAbsDiff, exact: check.exact }, ops: opsOf([main, ...lib.map((f) => f.graph)]) });
          } catch (e) {
            session?.dispose();
            errors.push(`${mode === "xla" ? "XLA" : "the graph"}: ${(e as Error).message.split("\n")[0]}`);
          }
        }
        if (built.length === 2) {
          // XLA is not always faster (TF 2.21's XLA:CPU convolution gradients are slower than
          // TensorFlow's own kernels): time both on the traced inputs and keep the faster.
          trace.timings = raceSessions(built.map((b) => b.session), feeds);
          const [x, p] = trace.timings;
          const keep = x <= p ? 0 : 1;
          built[1 - keep].session.dispose();
          built.splice(1 - keep, 1);
          if (keep === 1) trace.skipped = [...errors, `XLA: ${x.toFixed(3)} ms per call against ${p.toFixed(3)} ms for the plain graph`];
        }
      } finally {
        tf.dispose(feeds.filter((t, i) => entry.slots[i].kind === "keys" || entry.slots[i].kind === "host"));
      }
      if (built.length) {
        const [b] = built;
        entry.session = b.session;
        trace.mode = b.mode;
        trace.check = b.check;
        trace.ops = b.ops;
        trace.nodes = liveNodes(g).length + library.reduce((n, f) => n + liveNodes(f.graph).length, 0);
        if (errors.length) trace.skipped ??= [...errors];
        trace.buildMs = performance.now() - t0;
        return entry;
      }
      return fail(`the compiled graph could not be used (${errors.join("; ")})`);
    } catch (e) {
      return fail(`nnx.jit could not build a graph: ${(e as Error).message.split("\n")[0]}`);
    }
  }

  /** The inputs of the traced call itself: pre-call values and the keys it drew. */
  function traceFeeds(rec: Recorder, entry: Entry, w: Walk): tf.Tensor[] {
    return entry.slots.map((slot) => {
      switch (slot.kind) {
        case "variable": {
          const keep = rec.variables[slot.variable].keep;
          if (!keep) throw new Error("a Variable input has no tensor");
          return keep;
        }
        case "tensor":
          return w.tensors[slot.tensor];
        case "keys":
          return keysTensor(entry.keyRows.map((s) => rec.keyValues[s]));
        case "host":
          return hostSample(entry.hostSamples[slot.sample], rec.keyValues);
      }
    });
  }

  function lookup(entries: Entry[], w: Walk): [Entry, Walk] | undefined {
    for (const e of entries) {
      let all = w;
      if (e.roots.length) {
        const rw = walk(e.roots);
        if (rw.key !== e.rootsKey) continue;
        all = concat(w, rw);
      }
      if (e.capturedShapes.some(([v, d]) => describe(v.getRawValue()) !== d)) continue;
      return [e, all];
    }
    return undefined;
  }

  function runCompiled(entry: Entry, all: Walk): unknown {
    const varAt = (i: number): Variable<any> => {
      const r = entry.variables[i];
      return "walk" in r ? all.variables[r.walk] : r.object;
    };
    const keys = replayKeys(entry.keySteps, all);
    const temps: tf.Tensor[] = [];
    const inputs = entry.slots.map((slot) => {
      switch (slot.kind) {
        case "variable":
          return varAt(slot.variable).getRawValue() as tf.Tensor;
        case "tensor":
          return all.tensors[slot.tensor];
        case "keys": {
          const t = keysTensor(entry.keyRows.map((s) => keys[s]));
          temps.push(t);
          return t;
        }
        case "host": {
          const t = hostSample(entry.hostSamples[slot.sample], keys);
          temps.push(t);
          return t;
        }
      }
    });
    let outs: tf.Tensor[];
    try {
      outs = entry.session!.run(inputs);
    } finally {
      tf.dispose(temps);
    }
    entry.outputs.forEach((o, k) => {
      if (o.kind === "variable") varAt(o.variable).value = outs[k];
    });
    for (const [i, value] of entry.staticDiffs) all.statics[i].holder[all.statics[i].key] = value;
    return instantiate(entry.result, outs);
  }

  const out = jitted as unknown as Jitted<F>;
  Object.defineProperty(out, "stats", { value: stats });
  Object.defineProperty(out, "dispose", {
    value: () => {
      for (const list of cache.values()) for (const e of list) e.session?.dispose();
      cache.clear();
    },
  });
  Object.defineProperty(out, "name", { value: `jit(${name})` });
  return out;
}

/** Median milliseconds per call of each session on `feeds`, run alternately (~0.3 s in all). */
function raceSessions(sessions: Session[], feeds: tf.Tensor[]): [number, number] {
  const times: number[][] = sessions.map(() => []);
  const started = performance.now();
  for (let round = 0; round < 50 && (round < 4 || performance.now() - started < 300); round++) {
    sessions.forEach((s, i) => {
      const t0 = performance.now();
      tf.dispose(s.run(feeds));
      if (round > 0) times[i].push(performance.now() - t0); // round 0 warms up
    });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return [median(times[0]), median(times[1])];
}

function opsOf(graphs: Graph[]): Record<string, string[]> {
  const ops = new Map<string, Set<string>>();
  for (const g of graphs) {
    for (const n of [...g.inputs.map((id) => g.node(id)), ...liveNodes(g)]) {
      if (!ops.has(n.op)) ops.set(n.op, new Set());
      for (const k of n.attrs.keys()) ops.get(n.op)!.add(k);
    }
  }
  // runtime/jit/emit.ts feeds float constants through PlaceholderWithDefault.
  if (graphs.some((g) => liveNodes(g).some((n) => n.op === "Const" && GUARDED.has(n.outputs[0].dtype)))) {
    ops.set("PlaceholderWithDefault", new Set(["dtype", "shape"]));
  }
  return Object.fromEntries([...ops].sort(([a], [b]) => (a < b ? -1 : 1)).map(([op, attrs]) => [op, [...attrs].sort()]));
}
