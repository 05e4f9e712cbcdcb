// Scans as one TensorFlow While loop instead of N unrolled copies.
//
// The tracer cut the kernels of every nnx.scan / nnx.scanLayers into iterations
// (forward steps, and the backward pass's steps, which tfjs runs last step first).
// Consecutive iterations that executed the same ops with the same attributes and
// shapes are "rolled": their first iteration becomes the body of a While loop, and
// how each iteration's inputs relate to the others decides the loop's variables:
//
//   - the same value in every iteration           -> passed through (loop invariant)
//   - the previous iteration's output             -> a carry, starting from iteration 0's input
//   - a different outside value per iteration     -> sliced from a stacked tensor by the counter
//     (slices of one Unpack / gathers of one stacked tensor are sliced directly; anything
//     else is packed first)
//
// An iteration's outputs used after the loop are collected in a TensorList (or, when
// only the last one is used, kept in a loop variable). Iterations that differ (the
// backward pass's first and last steps, which start and end the gradient sums) stay
// unrolled around the loop. If anything does not fit, the iterations stay unrolled:
// still correct, just bigger.

import { DT, type Attr, Graph, type Node, type OutputInfo, type ValueRef, attrKey, constData, sizeOf } from "./ir.js";
import type { FunctionSpec } from "./emit.js";
import type { LoopRecord, Segment } from "./record.js";
import { gather } from "./random.js";

const key = (r: ValueRef) => `${r.node}:${r.index}`;
const same = (a: ValueRef, b: ValueRef) => a.node === b.node && a.index === b.index;
const type = (value: number): Attr => ({ kind: "type", value });
const isFree = (n: Node) => n.op === "Const" || n.op === "Placeholder";

/** Rolls every loop it can; returns the While bodies and conditions to add to the library. */
export function rerollLoops(graph: Graph, loops: LoopRecord[]): FunctionSpec[] {
  const library: FunctionSpec[] = [];
  for (const loop of loops) {
    for (const group of [loop.forward, loop.backward]) {
      if (group.length < 2) continue;
      const made = rollGroup(graph, group, library.length / 2);
      if (made) library.push(...made);
    }
  }
  return library;
}

interface Run {
  /** Node ids of each iteration (free nodes left out), iteration order. */
  iters: number[][];
}

function segmentNodes(g: Graph, s: Segment): number[] {
  const out: number[] = [];
  for (let id = s.start; id < s.end; id++) if (!isFree(g.node(id))) out.push(id);
  return out;
}

/** A structural signature of one iteration: ops, attributes, shapes and internal wiring. */
function signature(g: Graph, ids: number[]): string {
  const pos = new Map(ids.map((id, j) => [id, j] as const));
  return ids
    .map((id) => {
      const n = g.node(id);
      const ins = n.inputs.map((r) => (pos.has(r.node) ? `L${pos.get(r.node)}.${r.index}` : "X")).join(",");
      const outs = n.outputs.map((o) => `${o.dtype}[${o.shape}]`).join(",");
      return `${n.op}(${ins})${outs}{${attrKey(n.attrs)}}`;
    })
    .join("\n");
}

/** The longest stretch of consecutive iterations with one signature. */
function longestRun(g: Graph, group: Segment[]): Run | undefined {
  const iters = group.map((s) => segmentNodes(g, s));
  const sigs = iters.map((ids) => signature(g, ids));
  let best: [number, number] = [0, 0];
  for (let a = 0; a < iters.length; ) {
    let b = a + 1;
    while (b < iters.length && sigs[b] === sigs[a]) b++;
    if (b - a > best[1] - best[0] && iters[a].length > 0) best = [a, b];
    a = b;
  }
  if (best[1] - best[0] < 2) return undefined;
  return { iters: iters.slice(best[0], best[1]) };
}

/** Values the graph's outputs depend on. */
function liveSet(g: Graph): Set<number> {
  const live = new Set<number>();
  const stack = g.outputs.map((r) => r.node);
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    for (const r of g.node(id).inputs) stack.push(r.node);
  }
  return live;
}

type SlotKind =
  | { kind: "const"; ref: ValueRef }
  | { kind: "invariant"; ref: ValueRef }
  | { kind: "carry"; from: [number, number]; init: ValueRef }
  | { kind: "sliced"; values: ValueRef[] };

/** How the counter i of the loop maps to a slice index: a*i + b. */
interface Affine {
  a: number;
  b: number;
}

function affine(values: number[]): Affine | undefined {
  if (values.length < 2) return undefined;
  const a = values[1] - values[0];
  const b = values[0];
  return values.every((v, i) => v === a * i + b) ? { a, b } : undefined;
}

function constScalarInt(g: Graph, r: ValueRef): number | undefined {
  const n = g.node(r.node);
  if (n.op !== "Const" || n.outputs[0].dtype !== DT.int32 || n.outputs[0].shape.length !== 0) return undefined;
  return n.data![0];
}

/** How a sliced input is obtained inside the body. */
type Slicing =
  | { kind: "index"; at: Affine } // the slice is the counter itself (constant indices)
  | { kind: "gather"; source: ValueRef; axis: number; at: Affine } // source[a*i+b] along axis
  | { kind: "pack"; values: ValueRef[] }; // pack first, then source[i]

function slicingOf(g: Graph, values: ValueRef[]): Slicing | undefined {
  const ints = values.map((r) => constScalarInt(g, r));
  if (ints.every((v) => v !== undefined)) {
    const at = affine(ints as number[]);
    if (at) return { kind: "index", at };
  }
  const nodes = values.map((r) => g.node(r.node));
  // Outputs of one Unpack (tf.unstack of the scanned input, or of a gradient).
  if (nodes.every((n) => n.op === "Unpack" && n.id === nodes[0].id)) {
    const at = affine(values.map((r) => r.index));
    const axis = nodes[0].attrs.get("axis");
    if (at && axis?.kind === "i") return { kind: "gather", source: nodes[0].inputs[0], axis: axis.value, at };
  }
  // Gathers of one tensor at constant indices (a rolled loop's collected outputs; nnx.scanLayers' layers).
  if (nodes.every((n) => n.op === "GatherV2" && same(n.inputs[0], nodes[0].inputs[0]) && same(n.inputs[2], nodes[0].inputs[2]))) {
    const idx = nodes.map((n) => constScalarInt(g, n.inputs[1]));
    const axis = constScalarInt(g, nodes[0].inputs[2]);
    const batch = nodes[0].attrs.get("batch_dims");
    if (idx.every((v) => v !== undefined) && axis !== undefined && (!batch || (batch.kind === "i" && batch.value === 0))) {
      const at = affine(idx as number[]);
      if (at) return { kind: "gather", source: nodes[0].inputs[0], axis, at };
    }
  }
  const first = g.info(values[0]);
  if (values.every((r) => g.info(r).dtype === first.dtype && g.info(r).shape.join() === first.shape.join())) {
    return { kind: "pack", values };
  }
  return undefined;
}

function rollGroup(g: Graph, group: Segment[], loopIndex: number): FunctionSpec[] | undefined {
  const run = longestRun(g, group);
  if (!run) return undefined;
  const m = run.iters.length;
  const template = run.iters[0];
  const where = new Map<number, [number, number]>(); // node id -> (iteration, position)
  run.iters.forEach((ids, t) => ids.forEach((id, j) => where.set(id, [t, j])));

  // 1. Classify every outside input of the template.
  const slots = new Map<string, SlotKind>(); // "j.k" -> kind
  for (let j = 0; j < template.length; j++) {
    const n = g.node(template[j]);
    for (let k = 0; k < n.inputs.length; k++) {
      if (where.get(n.inputs[k].node)?.[0] === 0) continue; // internal to the iteration
      const refs = run.iters.map((ids) => g.node(ids[j]).inputs[k]);
      if (refs.every((r) => same(r, refs[0]))) {
        // Constants are copied into the body (XLA needs shapes and axes as compile-time constants).
        slots.set(`${j}.${k}`, { kind: g.node(refs[0].node).op === "Const" ? "const" : "invariant", ref: refs[0] });
        continue;
      }
      const prev = refs.slice(1).map((r) => where.get(r.node));
      if (prev.every((p) => p !== undefined)) {
        const [p0] = prev as [number, number][];
        const ok = (prev as [number, number][]).every(([t, pj], i) => t === i && pj === p0[1]) && refs.slice(1).every((r) => r.index === refs[1].index);
        if (!ok || where.has(refs[0].node)) return undefined;
        slots.set(`${j}.${k}`, { kind: "carry", from: [p0[1], refs[1].index], init: refs[0] });
        continue;
      }
      if (refs.some((r) => where.has(r.node))) return undefined; // mixes loop and outside values
      slots.set(`${j}.${k}`, { kind: "sliced", values: refs });
    }
  }

  // 2. Which iteration outputs are used after the loop (by live nodes or graph outputs).
  const live = liveSet(g);
  const usedAt = new Map<string, Set<number>>(); // "j.o" -> iterations used outside
  const noteUse = (r: ValueRef) => {
    const w = where.get(r.node);
    if (!w) return;
    const k = `${w[1]}.${r.index}`;
    if (!usedAt.has(k)) usedAt.set(k, new Set());
    usedAt.get(k)!.add(w[0]);
  };
  for (const n of g.nodes) if (live.has(n.id) && !where.has(n.id)) n.inputs.forEach(noteUse);
  g.outputs.forEach(noteUse);

  // 3. Loop variables: counter, carries, last values, collected outputs, invariants, slices.
  const carryKey = (s: { from: [number, number]; init: ValueRef }) => `${s.from.join(".")}|${key(s.init)}`;
  const carries = new Map<string, { from: [number, number]; init: ValueRef }>();
  const invariants = new Map<string, ValueRef>();
  const sliced = new Map<string, { values: ValueRef[]; how: Slicing }>();
  for (const s of slots.values()) {
    if (s.kind === "carry") {
      const info = g.info(s.init);
      const out = g.node(template[s.from[0]]).outputs[s.from[1]];
      if (info.dtype !== out.dtype || info.shape.join() !== out.shape.join()) return undefined;
      carries.set(carryKey(s), s);
    } else if (s.kind === "invariant") invariants.set(key(s.ref), s.ref);
    else if (s.kind === "const") continue;
    else {
      const k = s.values.map(key).join(",");
      if (sliced.has(k)) continue;
      const how = slicingOf(g, s.values);
      if (!how) return undefined;
      sliced.set(k, { values: s.values, how });
    }
  }
  const carrySources = new Map<string, string>(); // "j.o" -> carry key (first one wins)
  for (const [ck, c] of carries) if (!carrySources.has(c.from.join("."))) carrySources.set(c.from.join("."), ck);
  const collected: string[] = [];
  const lasts: string[] = [];
  for (const [jo, ts] of usedAt) {
    const onlyLast = ts.size === 1 && ts.has(m - 1);
    if (onlyLast && carrySources.has(jo)) continue;
    if (onlyLast) lasts.push(jo);
    else collected.push(jo);
  }
  const outInfo = (jo: string): OutputInfo => {
    const [j, o] = jo.split(".").map(Number);
    return g.node(template[j]).outputs[o];
  };

  // 4. The body.
  const body = new Graph();
  const varInfos: OutputInfo[] = [];
  const arg = (info: OutputInfo) => {
    varInfos.push({ dtype: info.dtype, shape: [...info.shape] });
    return body.placeholder(info.dtype, info.shape);
  };
  const counter = arg({ dtype: DT.int32, shape: [] });
  const carryArgs = new Map([...carries.keys()].map((ck) => [ck, arg(g.info(carries.get(ck)!.init))] as const));
  for (const jo of lasts) arg(outInfo(jo)); // overwritten by each iteration; read after the loop
  const listArgs = new Map(collected.map((jo) => [jo, arg({ dtype: DT.variant, shape: [] })] as const));
  const invArgs = new Map([...invariants].map(([k, r]) => [k, arg(g.info(r))] as const));
  const sliceArgs = new Map<string, ValueRef>();
  for (const [k, s] of sliced) {
    if (s.how.kind === "gather") sliceArgs.set(k, arg(g.info(s.how.source)));
    else if (s.how.kind === "pack") {
      const e = g.info(s.values[0]);
      sliceArgs.set(k, arg({ dtype: e.dtype, shape: [m, ...e.shape] }));
    }
  }
  const int = (v: number) => body.scalar(DT.int32, v);
  const indexOf = (at: Affine): ValueRef => {
    let r = counter;
    if (at.a !== 1) r = body.op("Mul", [r, int(at.a)], { T: type(DT.int32) }, { dtype: DT.int32, shape: [] });
    if (at.b !== 0) r = body.op("AddV2", [r, int(at.b)], { T: type(DT.int32) }, { dtype: DT.int32, shape: [] });
    return r;
  };
  const sliceValue = new Map<string, ValueRef>();
  const slotValue = (s: SlotKind): ValueRef => {
    if (s.kind === "const") {
      const c = g.node(s.ref.node);
      return body.constant(c.outputs[0].dtype, c.outputs[0].shape, c.data!);
    }
    if (s.kind === "invariant") return invArgs.get(key(s.ref))!;
    if (s.kind === "carry") return carryArgs.get(carryKey(s))!;
    const k = s.values.map(key).join(",");
    let v = sliceValue.get(k);
    if (!v) {
      const { how } = sliced.get(k)!;
      if (how.kind === "index") v = indexOf(how.at);
      else if (how.kind === "gather") v = gather(body, sliceArgs.get(k)!, indexOf(how.at), how.axis);
      else v = gather(body, sliceArgs.get(k)!, counter, 0);
      sliceValue.set(k, v);
    }
    return v;
  };
  const copied = new Map<number, number>(); // template id -> body id
  template.forEach((id, j) => {
    const n = g.node(id);
    const inputs = n.inputs.map((r, k) => {
      const local = copied.get(r.node);
      if (local !== undefined) return { node: local, index: r.index };
      const slot = slots.get(`${j}.${k}`);
      if (slot) return slotValue(slot);
      throw new Error("nnx.jit loops: an input of the body has no source");
    });
    const made = body.add(n.op, inputs, new Map(n.attrs), n.outputs.map((o) => ({ dtype: o.dtype, shape: [...o.shape] })));
    copied.set(id, made.id);
  });
  const bodyRef = (jo: string): ValueRef => {
    const [j, o] = jo.split(".").map(Number);
    return { node: copied.get(template[j])!, index: o };
  };
  body.outputs.push(body.op("AddV2", [counter, int(1)], { T: type(DT.int32) }, { dtype: DT.int32, shape: [] }));
  for (const c of carries.values()) body.outputs.push(bodyRef(c.from.join(".")));
  for (const jo of lasts) body.outputs.push(bodyRef(jo));
  for (const jo of collected) {
    const item = bodyRef(jo);
    body.outputs.push(
      body.op("TensorListSetItem", [listArgs.get(jo)!, counter, item], { element_dtype: type(outInfo(jo).dtype) }, { dtype: DT.variant, shape: [] }),
    );
  }
  for (const r of invArgs.values()) body.outputs.push(r);
  for (const r of sliceArgs.values()) body.outputs.push(r);

  // 5. The condition: i < m.
  const cond = new Graph();
  for (const info of varInfos) cond.placeholder(info.dtype, info.shape);
  cond.outputs.push(cond.op("Less", [{ node: cond.inputs[0], index: 0 }, cond.scalar(DT.int32, m)], { T: type(DT.int32) }, { dtype: DT.bool, shape: [] }));

  // 6. The While node and what comes out of it.
  const initial: ValueRef[] = [g.scalar(DT.int32, 0)];
  for (const c of carries.values()) initial.push(c.init);
  for (const jo of lasts) {
    const o = outInfo(jo);
    initial.push(g.constant(o.dtype, o.shape, constData(o.dtype, new Array<number>(sizeOf(o.shape)).fill(0))));
  }
  for (const jo of collected) {
    const o = outInfo(jo);
    initial.push(
      g.op("TensorListReserve", [g.vector(DT.int32, o.shape), g.scalar(DT.int32, m)], { element_dtype: type(o.dtype), shape_type: type(DT.int32) }, { dtype: DT.variant, shape: [] }),
    );
  }
  for (const r of invariants.values()) initial.push(r);
  for (const [, s] of sliced) {
    if (s.how.kind === "gather") initial.push(s.how.source);
    else if (s.how.kind === "pack") {
      const e = g.info(s.values[0]);
      initial.push(g.op("Pack", s.values, { T: type(e.dtype), N: { kind: "i", value: m }, axis: { kind: "i", value: 0 } }, { dtype: e.dtype, shape: [m, ...e.shape] }));
    }
  }
  const name = `nnx_loop${loopIndex}`;
  const loop = g.add(
    "While",
    initial,
    {
      T: { kind: "list_type", value: varInfos.map((v) => v.dtype) },
      output_shapes: { kind: "list_shape", value: varInfos.map((v) => v.shape) },
      cond: { kind: "func", value: `${name}_cond` },
      body: { kind: "func", value: `${name}_body` },
      parallel_iterations: { kind: "i", value: 10 },
      _lower_using_switch_merge: { kind: "b", value: true },
    },
    varInfos.map((v) => ({ dtype: v.dtype, shape: [...v.shape] })),
  );
  let at = 1;
  const finals = new Map<string, ValueRef>(); // "j.o" -> While output holding the last iteration's value
  for (const c of carries.values()) {
    const jo = c.from.join(".");
    if (!finals.has(jo)) finals.set(jo, { node: loop.id, index: at });
    at++;
  }
  for (const jo of lasts) finals.set(jo, { node: loop.id, index: at++ });
  const stacks = new Map<string, ValueRef>();
  for (const jo of collected) {
    const o = outInfo(jo);
    stacks.set(
      jo,
      g.op("TensorListStack", [{ node: loop.id, index: at++ }, g.vector(DT.int32, o.shape)], { element_dtype: type(o.dtype), num_elements: { kind: "i", value: m } }, { dtype: o.dtype, shape: [m, ...o.shape] }),
    );
  }

  // 7. Everything after the loop reads the While's outputs instead of the iterations'.
  const replaced = new Map<string, ValueRef>();
  const replace = (r: ValueRef): ValueRef => {
    const w = where.get(r.node);
    if (!w) return r;
    const k = key(r);
    let out = replaced.get(k);
    if (!out) {
      const jo = `${w[1]}.${r.index}`;
      // Collected outputs are read from the stack even for the last iteration, so a
      // tf.stack of all of them is recognised as the stack itself (packPeephole).
      if (stacks.has(jo)) out = gather(g, stacks.get(jo)!, g.scalar(DT.int32, w[0]), 0);
      else if (w[0] === m - 1 && finals.has(jo)) out = finals.get(jo)!;
      else throw new Error(`nnx.jit loops: iteration ${w[0]}'s output ${jo} is used but not kept`);
      replaced.set(k, out);
    }
    return out;
  };
  // Only live consumers: dead ones (unused gradient pieces) are dropped when the graph is written.
  for (const n of g.nodes) if (live.has(n.id) && !where.has(n.id)) n.inputs = n.inputs.map(replace);
  g.outputs.splice(0, g.outputs.length, ...g.outputs.map(replace));
  packPeephole(g);
  return [
    { name: `${name}_cond`, graph: cond },
    { name: `${name}_body`, graph: body },
  ];
}

/**
 * tf.stack of every gather of a collected stack, in order, is the stack itself
 * (moved to the stacked axis): a rolled scan's stacked ys cost one Transpose.
 */
function packPeephole(g: Graph): void {
  for (const n of g.nodes) {
    if (n.op !== "Pack" || n.inputs.length < 2) continue;
    const srcs = n.inputs.map((r) => g.node(r.node));
    if (!srcs.every((s) => s.op === "GatherV2" && same(s.inputs[0], srcs[0].inputs[0]) && constScalarInt(g, s.inputs[2]) === 0)) continue;
    const idx = srcs.map((s) => constScalarInt(g, s.inputs[1]));
    const stack = srcs[0].inputs[0];
    const info = g.info(stack);
    if (!idx.every((v, i) => v === i) || info.shape[0] !== idx.length) continue;
    const axisAttr = n.attrs.get("axis");
    const rank = info.shape.length;
    let axis = axisAttr?.kind === "i" ? axisAttr.value : 0;
    if (axis < 0) axis += rank;
    const perm = [...Array(rank).keys()].slice(1);
    perm.splice(axis, 0, 0);
    n.op = axis === 0 ? "Identity" : "Transpose";
    n.inputs = axis === 0 ? [stack] : [stack, g.vector(DT.int32, perm)];
    n.attrs = axis === 0 ? new Map([["T", type(info.dtype)]]) : new Map([["T", type(info.dtype)], ["Tperm", type(DT.int32)]]);
  }
}
