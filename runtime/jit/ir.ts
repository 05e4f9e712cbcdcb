// The tracer's graph: TensorFlow ops as the tfjs-node binding ran them, plus the
// nodes nnx.jit adds itself (graph inputs, constants, in-graph random numbers,
// While loops). One Graph is one GraphDef or one FunctionDef body.

/** TensorFlow DataType enum values (tensorflow/core/framework/types.proto). */
export const DT = {
  float32: 1,
  float64: 2,
  int32: 3,
  uint8: 4,
  string: 7,
  complex64: 8,
  int64: 9,
  bool: 10,
  variant: 21,
  uint32: 22,
} as const;

export type TfDType = number;

/** tfjs dtype name -> TF DataType, for the dtypes a tfjs tensor can have. */
export function tfDType(dtype: string): TfDType {
  switch (dtype) {
    case "float32":
      return DT.float32;
    case "int32":
      return DT.int32;
    case "bool":
      return DT.bool;
    case "string":
      return DT.string;
    case "complex64":
      return DT.complex64;
    default:
      throw new Error(`nnx.jit: no TensorFlow dtype for ${dtype}`);
  }
}

/** The tfjs dtype a graph input/output of this TF dtype is fed or returned as (null: none). */
export function tfjsDType(dt: TfDType): "float32" | "int32" | "bool" | null {
  return dt === DT.float32 ? "float32" : dt === DT.int32 ? "int32" : dt === DT.bool ? "bool" : null;
}

export type Attr =
  | { kind: "s"; value: string }
  | { kind: "i"; value: number }
  | { kind: "f"; value: number }
  | { kind: "b"; value: boolean }
  | { kind: "type"; value: TfDType }
  | { kind: "shape"; value: number[] | null }
  | { kind: "func"; value: string }
  | { kind: "list_i"; value: number[] }
  | { kind: "list_f"; value: number[] }
  | { kind: "list_b"; value: boolean[] }
  | { kind: "list_type"; value: TfDType[] }
  | { kind: "list_shape"; value: (number[] | null)[] };

export interface ValueRef {
  readonly node: number;
  readonly index: number;
}

export interface OutputInfo {
  dtype: TfDType;
  shape: number[];
}

/** Raw little-endian element data of a constant. */
export type ConstData = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

export interface Node {
  readonly id: number;
  op: string;
  inputs: ValueRef[];
  attrs: Map<string, Attr>;
  outputs: OutputInfo[];
  /** Const: the value. */
  data?: ConstData;
  /** Placeholder / function argument: which graph input it is. */
  input?: number;
}

export class Graph {
  readonly nodes: Node[] = [];
  /** Graph inputs in order (Placeholder nodes; function arguments in a body). */
  readonly inputs: number[] = [];
  readonly outputs: ValueRef[] = [];
  private readonly constCache = new Map<string, number>();

  node(id: number): Node {
    return this.nodes[id];
  }

  info(ref: ValueRef): OutputInfo {
    return this.nodes[ref.node].outputs[ref.index];
  }

  add(op: string, inputs: ValueRef[], attrs: Map<string, Attr> | Record<string, Attr>, outputs: OutputInfo[]): Node {
    const node: Node = {
      id: this.nodes.length,
      op,
      inputs,
      attrs: attrs instanceof Map ? attrs : new Map(Object.entries(attrs)),
      outputs,
    };
    this.nodes.push(node);
    return node;
  }

  /** One output op, returns its value. */
  op(op: string, inputs: ValueRef[], attrs: Record<string, Attr>, out: OutputInfo): ValueRef {
    return { node: this.add(op, inputs, attrs, [out]).id, index: 0 };
  }

  placeholder(dtype: TfDType, shape: number[]): ValueRef {
    const node = this.add("Placeholder", [], { dtype: { kind: "type", value: dtype }, shape: { kind: "shape", value: shape } }, [
      { dtype, shape },
    ]);
    node.input = this.inputs.length;
    this.inputs.push(node.id);
    return { node: node.id, index: 0 };
  }

  /** A constant, shared with any earlier constant of the same dtype, shape and bytes. */
  constant(dtype: TfDType, shape: number[], data: ConstData): ValueRef {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const key = `${dtype}|${shape.join(",")}|${hashBytes(bytes)}`;
    const hit = this.constCache.get(key);
    if (hit !== undefined && sameBytes(this.nodes[hit].data!, data)) return { node: hit, index: 0 };
    const node = this.add("Const", [], { dtype: { kind: "type", value: dtype } }, [{ dtype, shape }]);
    node.data = data.slice();
    this.constCache.set(key, node.id);
    return { node: node.id, index: 0 };
  }

  scalar(dtype: TfDType, value: number): ValueRef {
    return this.constant(dtype, [], constData(dtype, [value]));
  }

  vector(dtype: TfDType, values: number[]): ValueRef {
    return this.constant(dtype, [values.length], constData(dtype, values));
  }
}

export function constData(dtype: TfDType, values: number[]): ConstData {
  switch (dtype) {
    case DT.float32:
      return Float32Array.from(values);
    case DT.float64:
      return Float64Array.from(values);
    case DT.int32:
      return Int32Array.from(values);
    case DT.uint32:
      return Uint32Array.from(values);
    case DT.bool:
    case DT.uint8:
      return Uint8Array.from(values);
    default:
      throw new Error(`nnx.jit: no constant of dtype ${dtype}`);
  }
}

export function sameBytes(a: ConstData, b: ConstData): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** FNV-1a over the bytes (with the length), for constant deduplication. */
export function hashBytes(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return `${bytes.length}:${(h >>> 0).toString(16)}`;
}

/** Attribute equality, for comparing loop iterations. */
export function attrKey(attrs: Map<string, Attr>): string {
  return [...attrs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v.kind}:${JSON.stringify(v.value)}`)
    .join(";");
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
