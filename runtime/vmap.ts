// jax.vmap / nnx.vmap, eagerly: the function runs once per index of the mapped
// axis and its results are stacked along `outAxes`. An argument is mapped along
// its `inAxes` entry (0 by default) or, with `null`, given whole to every call.
// A Module argument mapped on axis 0 is an ensemble (its variables stacked on a
// leading axis, as nnx.stack or NNX's split_rngs + vmap build it): call i sees
// the module with member i's values. Gradients flow through the slicing and
// stacking, back to the stacked variables.
//
//   const flipped = nnx.vmap((x: tf.Tensor, n: tf.Tensor) => flipOne(x, n))(xs, lengths);
//   // NNX's ensemble: @nnx.vmap(in_axes=(0, None), out_axes=0) def forward(model, x): return model(x)
//   const keys = nnx.splitRngs(rngs, 5);                       // @nnx.split_rngs(splits=5)
//   const ensemble = nnx.stack(5, (i) => new MLP({ rngs: keys[i] }));  // @nnx.vmap(in_axes=0) def create(rngs)
//   const ys = nnx.vmap((model: MLP, x: nnx.Array) => model.call(x), { inAxes: [0, null] })(ensemble, x);
import { tf } from "./tf.js";
import { state } from "./graph.js";
import { toFlatState } from "./state.js";
import { Not } from "./filters.js";
import { Module } from "./module.js";
import { RngState, type Variable } from "./variables.js";
import { Rngs } from "./rnglib.js";
import { split } from "./random/index.js";

/** Where an argument is mapped: an axis, or null for the same value in every call (jax.vmap's in_axes). */
export type VmapAxis = number | null;

export interface VmapOptions {
  /** One axis for every argument, or one per argument (default 0). */
  inAxes?: VmapAxis | VmapAxis[];
  /** The axis the results are stacked along (default 0). */
  outAxes?: number;
  /** The number of calls, needed when no argument is mapped. */
  axisSize?: number;
}

type VmapResult = tf.Tensor | tf.Tensor[];

function variablesOf(module: object): Variable[] {
  return toFlatState(state(module, Not(RngState))).map(([, v]) => v as Variable);
}

/** Runs `f` once per index of the mapped axis (argument k sliced along inAxes[k]) and stacks its results along outAxes. */
export function vmap<A extends unknown[], R extends VmapResult>(f: (...args: A) => R, options: VmapOptions = {}): (...args: A) => R {
  const outAxis = options.outAxes ?? 0;
  return (...args: A) => {
    const axes = args.map((_, k) => (Array.isArray(options.inAxes) ? (options.inAxes[k] ?? null) : options.inAxes === undefined ? 0 : options.inAxes));
    const sizes = new Set<number>();
    args.forEach((a, k) => {
      const axis = axes[k];
      if (axis === null) return;
      if (a instanceof tf.Tensor) sizes.add(a.shape[axis < 0 ? a.rank + axis : axis]);
      else if (a instanceof Module) {
        if (axis !== 0) throw new Error(`vmap maps a Module over axis 0 only (got ${axis} for argument ${k})`);
        for (const v of variablesOf(a)) sizes.add((v.getRawValue() as tf.Tensor).shape[0]);
      } else throw new Error(`vmap cannot map argument ${k} (neither an array nor a Module); give it in_axes null`);
    });
    if (options.axisSize !== undefined) sizes.add(options.axisSize);
    if (sizes.size !== 1) throw new Error(sizes.size ? `vmap got inputs with different sizes along their mapped axes: ${[...sizes].join(", ")}` : "vmap needs axisSize when no argument is mapped");
    const [n] = [...sizes];
    if (n === 0) throw new Error("vmap of inputs with no items along the mapped axis");
    // Modules mapped: their whole stacked values, restored after the calls.
    const members = args.flatMap((a, k) => (a instanceof Module && axes[k] !== null ? variablesOf(a) : []));
    const whole = members.map((v) => v.getRawValue() as tf.Tensor);
    return tf.tidy(() => {
      const outs: tf.Tensor[][] = [];
      let single = true;
      try {
        for (let i = 0; i < n; i++) {
          members.forEach((v, j) => v.setRawValue(tf.gather(whole[j], i)));
          const item = args.map((a, k) => {
            const axis = axes[k];
            return axis !== null && a instanceof tf.Tensor ? tf.squeeze(tf.gather(a, [i], axis), [axis < 0 ? a.rank + axis : axis]) : a;
          }) as A;
          const y = f(...item);
          single = !Array.isArray(y);
          outs.push(Array.isArray(y) ? y : [y]);
        }
      } finally {
        members.forEach((v, j) => v.setRawValue(whole[j]));
      }
      const stacked = outs[0].map((_, r) => tf.stack(outs.map((o) => o[r]), outAxis));
      return (single ? stacked[0] : stacked) as R;
    });
  };
}

/**
 * NNX's `split_rngs(rngs, splits=n)` for a vmapped constructor: every stream
 * draws its next key and splits it in n; member i gets the i-th keys (counts
 * from 0), so `nnx.stack(n, (i) => new Cls({ rngs: members[i] }))` draws what
 * `nnx.split_rngs(splits=n)` + `nnx.vmap(create, in_axes=0)` draws.
 */
export function splitRngs(rngs: Rngs, splits: number): Rngs[] {
  const keys = rngs.items().map(([name, stream]) => [name, split(stream.next(), splits)] as const);
  return Array.from({ length: splits }, (_, i) => new Rngs(Object.fromEntries(keys.map(([name, k]) => [name, k[i]]))));
}
