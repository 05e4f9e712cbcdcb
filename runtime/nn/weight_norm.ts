// nnx.WeightNorm (flax/nnx/nn/normalization.py): rewrites the wrapped layer's
// Params that match `variableFilter` (default: path contains "kernel") as
// scale * w / ||w|| (norm over the non-feature axes) in place on every call,
// then calls the layer; under nnx.grad the gradient reaches the Param's
// previous value through the rewrite.
//
// The scales, one per matching Param with the shape of its feature axes, are
// what NNX keeps: plain arrays in a dict keyed by the Param's path tuple, so they
// are state but not Params (nnx.grad and nnx.Optimizer leave them alone by
// default). Here they are plain nnx.Variables in `scales`, keyed by the path
// joined with "/". NNX hands `scale_init` the params RngStream itself, not a key,
// so only initializers that ignore the key work there and none is drawn; here
// they get the stream's base key and nothing is drawn either.

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { Param, Variable } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Filter, PathContains, toPredicate } from "../filters.js";
import { canonicalizeAxes } from "../ops.js";
import { state } from "../graph.js";
import { type Initializer, inexact, initializerBound, ones, sameBound } from "./initializers.js";
import { type CallableModule, l2Normalize, layerParams, withViews } from "./spectral_norm.js";
import type { Axes } from "./normalization.js";

export interface WeightNormOptions {
  /** Axes that keep their own scale (default -1); null means none (the whole tensor is one vector). */
  featureAxes?: Axes | null;
  useScale?: boolean;
  scaleInit?: Initializer;
  epsilon?: number;
  variableFilter?: Filter;
  rngs: Rngs;
}

export class WeightNorm<L extends CallableModule = CallableModule> extends Module {
  readonly layerInstance: L;
  featureAxes: Axes;
  readonly useScale: boolean;
  readonly scaleInit: Initializer;
  epsilon: number;
  readonly variableFilter: Filter;
  readonly scales: Record<string, Variable> | null;

  constructor(layerInstance: L, options: WeightNormOptions) {
    super();
    const { featureAxes = -1, useScale = true, scaleInit = ones, epsilon = 1e-12, variableFilter = PathContains("kernel"), rngs } = options;
    this.layerInstance = layerInstance;
    this.featureAxes = featureAxes === null ? [] : featureAxes;
    this.useScale = useScale;
    this.scaleInit = scaleInit;
    this.epsilon = epsilon;
    this.variableFilter = variableFilter;
    this.scales = null;
    if (useScale) {
      const keep = toPredicate(variableFilter);
      const scales: Record<string, Variable> = {};
      const key = rngs.params.key.value;
      for (const [path, p] of state(layerInstance, Param).flatState()) {
        if (!keep(path, p)) continue;
        const shape = (p as Variable).shape;
        const scaleShape = canonicalizeAxes(shape.length, this.featureAxes).map((ax) => shape[ax]);
        scales[path.join("/")] = new Variable(scaleInit(key, scaleShape, "float32"), { init: scaleInit });
      }
      this.scales = scales;
    }
  }

  /** Writes scale * w / ||w|| into the layer's matching Params, then returns layerInstance.call(x, ...args). */
  call(x: tf.Tensor, ...args: unknown[]): tf.Tensor {
    return tf.tidy(() => {
      const keep = toPredicate(this.variableFilter);
      for (const [path, p] of state(this.layerInstance).flatState()) {
        if (p instanceof Variable && keep(path, p)) this.normalizeInPlace(path.join("/"), p as Variable<tf.Tensor>);
      }
      return (this.layerInstance.call as (x: tf.Tensor, ...rest: unknown[]) => tf.Tensor).call(this.layerInstance, x, ...args);
    });
  }

  private normalizeInPlace(path: string, param: Variable<tf.Tensor>): void {
    const shape = param.shape;
    const featureAxes = canonicalizeAxes(shape.length, this.featureAxes);
    const reductionAxes = [...shape.keys()].filter((i) => !featureAxes.includes(i));
    let valueBar = l2Normalize(param.value, reductionAxes, this.epsilon);
    if (this.useScale) {
      const scale = this.scales?.[path];
      if (!scale) {
        throw new Error(`Could not find the scale corresponding to the param ${path} in scales dict. Parameters of the layer_instance should not change!`);
      }
      let s = scale.value;
      if (featureAxes.length < shape.length) s = tf.reshape(s, shape.map((d, i) => (featureAxes.includes(i) ? d : 1)));
      valueBar = tf.mul(valueBar, s);
    }
    param.value = valueBar;
  }
}

// ---- Linen's nn.WeightNorm (flax/linen/normalization.py) -------------------
// Linen behaves otherwise than NNX: the wrapped layer keeps its own Params, and
// each call hands it a normalized VIEW of them (nn.map_variables) without
// writing anything back; the gradient reaches the stored Params through that
// view. The scales are Params of the wrapper, one per matching variable, named
// in Linen by the layer's name and the variable's path (`Dense_1/kernel/scale`);
// here `scales` is keyed by the path inside the layer (`kernel`). Linen's
// init, though, runs the layer once on the view and KEEPS it (map_variables
// with init=True writes the mapped target back): a freshly made Linen model
// holds l2norm(w) * scale, not the drawn w. The constructor does the same.

export interface LinenWeightNormOptions {
  epsilon?: number;
  useScale?: boolean;
  scaleInit?: Initializer;
  /** Axes that keep their own scale (default -1); null: none. */
  featureAxes?: Axes | null;
  /** Linen's variable_filter: normalize a variable whose `layerName/path` contains one of these; null: every variable. Default ["kernel"]. */
  variableFilter?: string[] | null;
  /** The wrapped layer's name in the Linen source (`Dense_1`), which variable_filter also matches. */
  layerName?: string;
  rngs: Rngs;
}

export class LinenWeightNorm<L extends CallableModule = CallableModule> extends Module {
  readonly layerInstance: L;
  readonly featureAxes: Axes;
  readonly useScale: boolean;
  readonly epsilon: number;
  readonly variableFilter: string[] | null;
  readonly layerName: string;
  /** Linen's `<layer>/<path>/scale` Params, keyed by `<path>`. */
  readonly scales: Record<string, Param>;

  constructor(layerInstance: L, options: LinenWeightNormOptions) {
    super();
    const { epsilon = 1e-12, useScale = true, scaleInit = ones, featureAxes = -1, variableFilter = ["kernel"], layerName = "", rngs } = options;
    this.layerInstance = layerInstance;
    this.featureAxes = featureAxes === null ? [] : featureAxes;
    this.useScale = useScale;
    this.epsilon = epsilon;
    this.variableFilter = variableFilter;
    this.layerName = layerName;
    const scales: Record<string, Param> = {};
    for (const [path, p] of this.matching()) {
      const shape = p.shape;
      const scaleShape = canonicalizeAxes(shape.length, this.featureAxes).map((ax) => shape[ax]);
      // Linen's self.param draws a key for each scale, whether the initializer uses it or not.
      if (useScale) scales[path] = new Param(scaleInit(rngs.params(), scaleShape, "float32"), { init: scaleInit });
    }
    this.scales = scales;
    // Linen's init keeps the view its own forward pass used; so does a redraw
    // from the recorded initializers, in either order: the weight's redraw
    // normalizes with the scale it finds, the scale's renormalizes the last
    // weight drawn.
    tf.tidy(() => {
      for (const [path, p] of this.matching()) {
        p.value = this.normalized(path, p.value);
        const init = p.getMetadata("init") as Initializer | undefined;
        if (!init) continue;
        let lastDraw: tf.Tensor | undefined;
        // Computed, not drawn: XLA's sum and rsqrt and TensorFlow's differ in the last bits (|w| <= |scale|).
        const scale = useScale && this.scales[path] ? tf.max(tf.abs(this.scales[path].value)).dataSync()[0] : 1;
        const atol = 1e-6 * Math.max(1, scale) + (initializerBound(init, p.value.shape)?.atol ?? 0);
        const renormalized: Initializer = (key, shape, dtype) => {
          const raw = tf.keep(init(key, shape, dtype));
          lastDraw?.dispose();
          lastDraw = raw;
          return tf.tidy(() => this.normalized(path, raw));
        };
        p.setMetadata("init", inexact(renormalized, atol, "Linen's init keeps the weight-normalized value, computed (XLA's and TensorFlow's sum and rsqrt differ in the last bits)"));
        const scaleParam = this.scales[path];
        if (!scaleParam) continue;
        const redrawScale: Initializer = (key, shape, dtype) => {
          const value = scaleInit(key, shape, dtype);
          if (lastDraw) p.value = tf.tidy(() => this.normalized(path, lastDraw!, value));
          return value;
        };
        scaleParam.setMetadata("init", sameBound(redrawScale, scaleInit));
      }
    });
  }

  /** The layer's variables Linen's filter picks, in Linen's (sorted) order. */
  private matching(): [string, Variable<tf.Tensor>][] {
    return layerParams(this.layerInstance, null).filter(([path]) => {
      if (!this.variableFilter || this.variableFilter.length === 0) return true;
      const full = `${this.layerName}/${path}`;
      return this.variableFilter.some((f) => full.includes(f));
    });
  }

  private normalized(path: string, w: tf.Tensor, scaleValue?: tf.Tensor): tf.Tensor {
    const featureAxes = canonicalizeAxes(w.rank, this.featureAxes);
    const reductionAxes = [...w.shape.keys()].filter((i) => !featureAxes.includes(i));
    const valueBar = l2Normalize(w, reductionAxes, this.epsilon);
    if (!this.useScale) return valueBar;
    const scale = scaleValue ?? this.scales[path]?.value;
    if (!scale) throw new Error(`LinenWeightNorm: no scale for the layer's variable ${path} (the layer's variables changed after construction)`);
    return tf.mul(valueBar, tf.reshape(scale, w.shape.map((d, i) => (featureAxes.includes(i) ? d : 1))));
  }

  /** Calls the layer on l2norm(w) * scale in place of each matching w; the stored w are left as they are. */
  call(x: tf.Tensor, ...args: unknown[]): tf.Tensor {
    return tf.tidy(() => withViews(this.matching().map(([path, p]) => [p, this.normalized(path, p.value)]), () => (this.layerInstance.call as (x: tf.Tensor, ...rest: unknown[]) => tf.Tensor).call(this.layerInstance, x, ...args)));
  }
}
