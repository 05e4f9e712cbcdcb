// Stacks of layers with a leading layer axis, as NNX builds them with
// nnx.vmap (and Haiku's layer_stack / Linen's nn.scan(variable_axes={'params': 0})
// keep them): one module whose every variable holds L layers' values.
//
//   this.blocks = nnx.stack(5, () => new Block({ ..., rngs }));       // kernel: [5, 64, 64]
//   x = nnx.scanLayers(this.blocks, x, (block, x) => block.call(x));  // layer 0, then 1, …
import { tf } from "./tf.js";
import { state, dispose } from "./graph.js";
import { toFlatState } from "./state.js";
import { Not } from "./filters.js";
import { RngState, type Variable } from "./variables.js";
import { jitHooks } from "./jit/hooks.js";

function variablesOf(module: object): Map<string, Variable> {
  return new Map(toFlatState(state(module, Not(RngState))).map(([path, v]) => [path.join("."), v as Variable]));
}

/** `length` modules from `create(i)`, returned as one whose variables are stacked along a new first axis. */
export function stack<T extends object>(length: number, create: (index: number) => T): T {
  const layers = Array.from({ length }, (_, i) => create(i));
  const [first, ...rest] = layers;
  const all = layers.map(variablesOf);
  for (const [path, v] of all[0]) v.value = tf.stack(all.map((vars) => vars.get(path)!.value as tf.Tensor));
  for (const layer of rest) dispose(layer);
  return first;
}

/**
 * Runs the stacked layers in order over `carry`: each step sees the module with
 * layer i's values (slices of the stacked variables; gradients flow back to
 * them). Layers must not assign their variables while stepping.
 */
export function scanLayers<T extends object>(stacked: T, carry: tf.Tensor, step: (layer: T, carry: tf.Tensor) => tf.Tensor): tf.Tensor {
  const vars = [...variablesOf(stacked).values()];
  const whole = vars.map((v) => v.getRawValue() as tf.Tensor);
  const length = whole[0]?.shape[0] ?? 0;
  return tf.tidy(() => {
    let x = carry;
    // nnx.jit's tracer marks each layer so a compiled step runs them as one loop.
    const token = jitHooks.scanBegin?.(length);
    try {
      for (let i = 0; i < length; i++) {
        if (token !== undefined) jitHooks.scanStep?.(token, i);
        vars.forEach((v, k) => v.setRawValue(tf.gather(whole[k], i)));
        const y = step(stacked, x);
        // Each layer feeds the next, so a layer must keep the shape of what it is given.
        if (JSON.stringify(y.shape) !== JSON.stringify(x.shape)) {
          throw new Error(`nnx.scanLayers: layer ${i} maps shape [${x.shape}] to [${y.shape}]; the layers of a stack must keep the shape`);
        }
        x = y;
      }
    } finally {
      if (token !== undefined) jitHooks.scanEnd?.(token);
      vars.forEach((v, k) => v.setRawValue(whole[k]));
    }
    return x;
  });
}
