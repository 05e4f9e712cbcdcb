// From the array a source framework stores to the array the NNX variable
// holds, as a param map entry describes it: `layout.reshape`, then
// `layout.transpose` (numpy's meaning: output axis i is input axis perm[i]),
// then for `keepdims` entries the source's extra leading size-1 axes dropped.

export interface Layout {
  reshape?: number[];
  transpose?: number[];
}

export type Values = Float32Array | Int32Array | Uint8Array;

export interface Placed {
  shape: number[];
  values: Values;
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Applies the entry's layout; returns a reason when the source does not fit it. */
export function applyLayout(source: Placed, target: number[], layout: Layout | undefined, keepdims: boolean | undefined): Placed | string {
  let { shape, values } = source;
  if (layout?.reshape) {
    const next = layout.reshape;
    if (!next.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(next) !== sizeOf(shape)) return `cannot reshape [${shape}] to [${next}]`;
    shape = [...next];
  }
  if (layout?.transpose) {
    const perm = layout.transpose;
    if (perm.length !== shape.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) return `cannot transpose [${shape}] by (${perm})`;
    values = transpose(values, shape, perm);
    shape = perm.map((p) => shape[p]);
  }
  if (keepdims && shape.length > target.length) {
    const extra = shape.slice(0, shape.length - target.length);
    if (extra.every((d) => d === 1)) shape = shape.slice(extra.length);
  }
  if (JSON.stringify(shape) !== JSON.stringify(target)) return `shape [${source.shape}]${layout ? ` (after its layout [${shape}])` : ""} does not fit the model's [${target}]`;
  return { shape, values };
}

export function transpose(values: Values, shape: number[], perm: number[]): Values {
  const rank = shape.length;
  const out = new (values.constructor as new (n: number) => Values)(values.length);
  const outShape = perm.map((p) => shape[p]);
  const inStride = new Array<number>(rank);
  for (let k = rank - 1, s = 1; k >= 0; k--) {
    inStride[k] = s;
    s *= shape[k];
  }
  // Stride in the input of each output axis.
  const stride = perm.map((p) => inStride[p]);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < values.length; i++) {
    out[i] = values[src];
    for (let k = rank - 1; k >= 0; k--) {
      src += stride[k];
      if (++index[k] < outShape[k]) break;
      src -= stride[k] * outShape[k];
      index[k] = 0;
    }
  }
  return out;
}
