// Graph -> GraphDef (with a FunctionDef library) -> SavedModel bytes, written with the
// protobuf classes tfjs-node ships (@tensorflow/tfjs-node/dist/proto/api_pb). A
// minimal SavedModel is just saved_model.pb: one MetaGraphDef tagged "serve" with
// the GraphDef and a SignatureDef; TensorFlow's loader fills in default attributes.

import { createRequire } from "node:module";
import { type Attr, type ConstData, DT, type Graph, type Node, type TfDType, sizeOf } from "./ir.js";
import { completeAttrs, outputArgRef } from "./signature.js";

/* The generated classes are plain CommonJS without types; this is the part used. */
interface Message {
  serializeBinary(): Uint8Array;
}
type Ctor<T> = new () => T;
interface ShapeMsg extends Message {
  addDim(d: DimMsg): void;
  setUnknownRank(v: boolean): void;
}
interface DimMsg {
  setSize(n: number): void;
}
interface TensorMsg {
  setDtype(d: number): void;
  setTensorShape(s: ShapeMsg): void;
  setTensorContent(b: Uint8Array): void;
  setFloatValList(v: number[]): void;
  setDoubleValList(v: number[]): void;
  setIntValList(v: number[]): void;
  setBoolValList(v: boolean[]): void;
  setUint32ValList(v: number[]): void;
}
interface ListMsg {
  setIList(v: number[]): void;
  setFList(v: number[]): void;
  setBList(v: boolean[]): void;
  setTypeList(v: number[]): void;
  setShapeList(v: ShapeMsg[]): void;
}
interface NameAttrListMsg {
  setName(n: string): void;
}
interface AttrMsg {
  setS(v: Uint8Array): void;
  setI(v: number): void;
  setF(v: number): void;
  setB(v: boolean): void;
  setType(v: number): void;
  setShape(v: ShapeMsg): void;
  setTensor(v: TensorMsg): void;
  setFunc(v: NameAttrListMsg): void;
  setList(v: ListMsg): void;
}
interface MapMsg<V> {
  set(k: string, v: V): void;
}
interface NodeMsg {
  setName(n: string): void;
  setOp(n: string): void;
  addInput(n: string): void;
  getAttrMap(): MapMsg<AttrMsg>;
}
interface ArgMsg {
  setName(n: string): void;
  setType(t: number): void;
}
interface OpDefMsg {
  setName(n: string): void;
  addInputArg(a: ArgMsg): void;
  addOutputArg(a: ArgMsg): void;
  setIsStateful(b: boolean): void;
}
interface FunctionMsg {
  setSignature(s: OpDefMsg): void;
  getAttrMap(): MapMsg<AttrMsg>;
  addNodeDef(n: NodeMsg): void;
  getRetMap(): MapMsg<string>;
}
interface LibraryMsg {
  addFunction(f: FunctionMsg): void;
}
interface GraphMsg extends Message {
  addNode(n: NodeMsg): void;
  setVersions(v: VersionMsg): void;
  setLibrary(l: LibraryMsg): void;
}
interface VersionMsg {
  setProducer(n: number): void;
}
interface TensorInfoMsg {
  setName(n: string): void;
  setDtype(d: number): void;
  setTensorShape(s: ShapeMsg): void;
}
interface SignatureMsg {
  getInputsMap(): MapMsg<TensorInfoMsg>;
  getOutputsMap(): MapMsg<TensorInfoMsg>;
  setMethodName(n: string): void;
}
interface MetaInfoMsg {
  addTags(t: string): void;
}
interface MetaGraphMsg {
  setMetaInfoDef(m: MetaInfoMsg): void;
  setGraphDef(g: GraphMsg): void;
  getSignatureDefMap(): MapMsg<SignatureMsg>;
}
interface SavedModelMsg extends Message {
  setSavedModelSchemaVersion(n: number): void;
  addMetaGraphs(m: MetaGraphMsg): void;
}
interface Proto {
  TensorShape: Ctor<ShapeMsg> & { Dim: Ctor<DimMsg> };
  Tensor: Ctor<TensorMsg>;
  AttrValue: Ctor<AttrMsg> & { ListValue: Ctor<ListMsg> };
  NameAttrList: Ctor<NameAttrListMsg>;
  NodeDef: Ctor<NodeMsg>;
  OpDef: Ctor<OpDefMsg> & { ArgDef: Ctor<ArgMsg> };
  FunctionDef: Ctor<FunctionMsg>;
  FunctionDefLibrary: Ctor<LibraryMsg>;
  GraphDef: Ctor<GraphMsg>;
  VersionDef: Ctor<VersionMsg>;
  TensorInfo: Ctor<TensorInfoMsg>;
  SignatureDef: Ctor<SignatureMsg>;
  MetaGraphDef: Ctor<MetaGraphMsg> & { MetaInfoDef: Ctor<MetaInfoMsg> };
  SavedModel: Ctor<SavedModelMsg>;
}

let proto: Proto | undefined;
function pb(): Proto {
  return (proto ??= createRequire(import.meta.url)("@tensorflow/tfjs-node/dist/proto/api_pb") as Proto);
}

/** TF_GRAPH_DEF_VERSION of TensorFlow 2.21, the libtensorflow tfjs-node is built against here. */
const GRAPH_DEF_VERSION = 2474;

/** A function of the library: its body, and attributes of the FunctionDef itself. */
export interface FunctionSpec {
  name: string;
  graph: Graph;
  attrs?: Record<string, Attr>;
}

function shapeOf(dims: readonly number[] | null): ShapeMsg {
  const s = new (pb().TensorShape)();
  if (dims === null) s.setUnknownRank(true);
  else
    for (const d of dims) {
      const dim = new (pb().TensorShape.Dim)();
      dim.setSize(d);
      s.addDim(dim);
    }
  return s;
}

function allEqual(data: ConstData): boolean {
  for (let i = 1; i < data.length; i++) if (data[i] !== data[i - 1] && !(Number.isNaN(data[i]) && Number.isNaN(data[i - 1]))) return false;
  return true;
}

function tensorOf(dtype: TfDType, shape: number[], data: ConstData): TensorMsg {
  const t = new (pb().Tensor)();
  t.setDtype(dtype);
  t.setTensorShape(shapeOf(shape));
  // One repeated value stands for all of them (TensorProto repeats the last value).
  if (data.length > 1 && allEqual(data) && !(dtype === DT.float32 && Object.is(data[0], -0))) {
    const v = [Number(data[0])];
    if (dtype === DT.float32) return t.setFloatValList(v), t;
    if (dtype === DT.float64) return t.setDoubleValList(v), t;
    if (dtype === DT.int32) return t.setIntValList(v), t;
    if (dtype === DT.uint32) return t.setUint32ValList(v), t;
    if (dtype === DT.bool) return t.setBoolValList([v[0] !== 0]), t;
  }
  if (sizeOf(shape) !== data.length) throw new Error(`nnx.jit: constant of shape [${shape}] has ${data.length} values`);
  t.setTensorContent(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  return t;
}

function attrOf(a: Attr): AttrMsg {
  const P = pb();
  const v = new P.AttrValue();
  const list = () => new P.AttrValue.ListValue();
  switch (a.kind) {
    case "s":
      // bytes: a JS string would be read as base64
      v.setS(new TextEncoder().encode(a.value));
      break;
    case "i":
      v.setI(a.value);
      break;
    case "f":
      v.setF(a.value);
      break;
    case "b":
      v.setB(a.value);
      break;
    case "type":
      v.setType(a.value);
      break;
    case "shape":
      v.setShape(shapeOf(a.value));
      break;
    case "func": {
      const f = new P.NameAttrList();
      f.setName(a.value);
      v.setFunc(f);
      break;
    }
    case "list_i": {
      const l = list();
      l.setIList(a.value);
      v.setList(l);
      break;
    }
    case "list_f": {
      const l = list();
      l.setFList(a.value);
      v.setList(l);
      break;
    }
    case "list_b": {
      const l = list();
      l.setBList(a.value);
      v.setList(l);
      break;
    }
    case "list_type": {
      const l = list();
      l.setTypeList(a.value);
      v.setList(l);
      break;
    }
    case "list_shape": {
      const l = list();
      l.setShapeList(a.value.map(shapeOf));
      v.setList(l);
      break;
    }
  }
  return v;
}

/**
 * TensorFlow's graph optimizer (Grappler) rewrites ops whose operand is a constant
 * into others that round differently (x / c becomes x * (1/c), pow(x, c) becomes
 * rsqrt or a product, ...), so a graph would not give the eager kernels' numbers.
 * It cannot see through PlaceholderWithDefault, so float constants are fed
 * through one (XLA sees the constant as before).
 */
export const GUARDED = new Set<number>([DT.float32, DT.float64]);

function nodeDefsOf(
  graph: Graph,
  node: Node,
  name: (id: number) => string,
  input: (ref: { node: number; index: number }) => string,
  inFunction: boolean,
): NodeMsg[] {
  const P = pb();
  const n = new P.NodeDef();
  n.setName(name(node.id));
  n.setOp(node.op);
  for (const r of node.inputs) n.addInput(input(r));
  const attrs = n.getAttrMap();
  if (node.op === "Const") {
    const out = node.outputs[0];
    const value = new P.AttrValue();
    value.setTensor(tensorOf(out.dtype, out.shape, node.data!));
    attrs.set("value", value);
    attrs.set("dtype", attrOf({ kind: "type", value: out.dtype }));
    if (!GUARDED.has(out.dtype)) return [n];
    n.setName(`${name(node.id)}_value`);
    const guard = new P.NodeDef();
    guard.setName(name(node.id));
    guard.setOp("PlaceholderWithDefault");
    guard.addInput(inFunction ? `${name(node.id)}_value:output:0` : `${name(node.id)}_value`);
    guard.getAttrMap().set("dtype", attrOf({ kind: "type", value: out.dtype }));
    guard.getAttrMap().set("shape", attrOf({ kind: "shape", value: out.shape }));
    return [n, guard];
  }
  completeAttrs(graph, node);
  for (const [k, a] of node.attrs) attrs.set(k, attrOf(a));
  return [n];
}

/** The nodes the outputs depend on (dead code dropped), in graph order. */
export function liveNodes(graph: Graph): Node[] {
  const live = new Set<number>();
  const stack = graph.outputs.map((r) => r.node);
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    for (const r of graph.node(id).inputs) stack.push(r.node);
  }
  return graph.nodes.filter((n) => live.has(n.id) && n.op !== "Placeholder");
}

function functionDefOf(spec: FunctionSpec): FunctionMsg {
  const P = pb();
  const { graph } = spec;
  const f = new P.FunctionDef();
  const sig = new P.OpDef();
  sig.setName(spec.name);
  const argName = new Map<number, string>();
  graph.inputs.forEach((id, k) => {
    const a = new P.OpDef.ArgDef();
    a.setName(`a${k}`);
    a.setType(graph.node(id).outputs[0].dtype);
    sig.addInputArg(a);
    argName.set(id, `a${k}`);
  });
  const ref = (r: { node: number; index: number }) => argName.get(r.node) ?? `n${r.node}:${outputArgRef(graph.node(r.node), r.index)}`;
  graph.outputs.forEach((r, k) => {
    const a = new P.OpDef.ArgDef();
    a.setName(`r${k}`);
    a.setType(graph.info(r).dtype);
    sig.addOutputArg(a);
  });
  const nodes = liveNodes(graph);
  if (nodes.some((n) => n.op === "While")) sig.setIsStateful(true);
  f.setSignature(sig);
  for (const [k, a] of Object.entries(spec.attrs ?? {})) f.getAttrMap().set(k, attrOf(a));
  for (const node of nodes) for (const n of nodeDefsOf(graph, node, (id) => `n${id}`, ref, true)) f.addNodeDef(n);
  graph.outputs.forEach((r, k) => f.getRetMap().set(`r${k}`, ref(r)));
  return f;
}

/** Name of a main-graph input (its Placeholder) and of a fetched output. */
export const inputName = (k: number) => `in${k}`;

export function graphDefOf(main: Graph, library: FunctionSpec[]): { graphDef: GraphMsg; outputNames: string[] } {
  const P = pb();
  const g = new P.GraphDef();
  const names = new Map<number, string>();
  main.inputs.forEach((id, k) => names.set(id, inputName(k)));
  const name = (id: number) => names.get(id) ?? `n${id}`;
  for (const id of main.inputs) for (const n of nodeDefsOf(main, main.node(id), name, () => "", false)) g.addNode(n);
  for (const node of liveNodes(main)) for (const n of nodeDefsOf(main, node, name, (r) => `${name(r.node)}:${r.index}`, false)) g.addNode(n);
  const v = new P.VersionDef();
  v.setProducer(GRAPH_DEF_VERSION);
  g.setVersions(v);
  if (library.length) {
    const lib = new P.FunctionDefLibrary();
    for (const spec of library) lib.addFunction(functionDefOf(spec));
    g.setLibrary(lib);
  }
  return { graphDef: g, outputNames: main.outputs.map((r) => `${name(r.node)}:${r.index}`) };
}

export function savedModelOf(main: Graph, library: FunctionSpec[]): { bytes: Uint8Array; inputNames: string[]; outputNames: string[] } {
  const P = pb();
  const { graphDef, outputNames } = graphDefOf(main, library);
  const meta = new P.MetaGraphDef();
  const info = new P.MetaGraphDef.MetaInfoDef();
  info.addTags("serve");
  meta.setMetaInfoDef(info);
  meta.setGraphDef(graphDef);
  const sig = new P.SignatureDef();
  const inputNames = main.inputs.map((_, k) => `${inputName(k)}:0`);
  const tensorInfo = (n: string, dtype: number, shape: number[]) => {
    const t = new P.TensorInfo();
    t.setName(n);
    t.setDtype(dtype);
    t.setTensorShape(shapeOf(shape));
    return t;
  };
  main.inputs.forEach((id, k) => {
    const o = main.node(id).outputs[0];
    sig.getInputsMap().set(inputName(k), tensorInfo(inputNames[k], o.dtype, o.shape));
  });
  main.outputs.forEach((r, k) => {
    const o = main.info(r);
    sig.getOutputsMap().set(`out${k}`, tensorInfo(outputNames[k], o.dtype, o.shape));
  });
  sig.setMethodName("tensorflow/serving/predict");
  meta.getSignatureDefMap().set("serving_default", sig);
  const model = new P.SavedModel();
  model.setSavedModelSchemaVersion(1);
  model.addMetaGraphs(meta);
  return { bytes: model.serializeBinary(), inputNames, outputNames };
}
