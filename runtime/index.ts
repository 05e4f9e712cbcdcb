// nnxport runtime: `import { nnx, tf, random } from "nnxport/runtime"`.

export * as nnx from "./nnx.js";
export { tf } from "./tf.js";
export * as jnp from "./jnp/index.js";
export * as lax from "./lax.js";
export * as random from "./random/index.js";
export * as hk from "./hk/index.js";
