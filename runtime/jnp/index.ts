// jax.numpy for translated code: `import { jnp } from "nnxport/runtime"`.
// Each topic lives in its own file; they share promotion (promote.ts), axes
// (axes.ts) and custom gradients (autodiff.ts).
export * from "./dtypes.js";
export * from "./creation.js";
export * from "./shape.js";
export * from "./indexing.js";
export * from "./reductions.js";
export * from "./linalg.js";
export * from "./elementwise.js";
export * from "./logic.js";
export * from "./sorting.js";
export { broadcastShapes, type Axis, type Shape } from "./axes.js";

/** jnp.pi, jnp.e, jnp.inf, jnp.nan. */
export const pi = Math.PI;
export const e = Math.E;
export const inf = Infinity;
export const nan = NaN;
