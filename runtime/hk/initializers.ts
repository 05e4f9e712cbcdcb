// hk.initializers under Haiku's names. Each returns an Initializer
// (key, shape) => Tensor that is bit-exact with the Haiku initializer given the
// key Haiku's hk.next_rng_key() would return (Orthogonal: to float32 rounding).
// Constant and Identity draw no key (see keys.ts).

import {
  type Initializer,
  constant,
  haikuIdentity,
  haikuOrthogonal,
  haikuRandomNormal,
  haikuRandomUniform,
  haikuTruncatedNormal,
  haikuUniformScaling,
  haikuVarianceScaling,
  ones,
  zeros,
} from "../nn/initializers.js";
import { keyless } from "./keys.js";

export type { Initializer };

/** jnp.zeros / jnp.ones as Haiku's default initializers (no key). */
export { zeros, ones };

/** hk.initializers.Constant(constant). */
export function Constant(value: number): Initializer {
  return keyless(constant(value));
}

/** hk.initializers.RandomNormal(stddev=1, mean=0). */
export function RandomNormal(stddev = 1, mean = 0): Initializer {
  return haikuRandomNormal(stddev, mean);
}

/** hk.initializers.TruncatedNormal(stddev=1, mean=0, lower=-2, upper=2). */
export function TruncatedNormal(stddev = 1, mean = 0, lower = -2, upper = 2): Initializer {
  return haikuTruncatedNormal(stddev, mean, lower, upper);
}

/** hk.initializers.RandomUniform(minval=0, maxval=1). */
export function RandomUniform(minval = 0, maxval = 1): Initializer {
  return haikuRandomUniform(minval, maxval);
}

/** hk.initializers.VarianceScaling(scale=1, mode="fan_in", distribution="truncated_normal", fan_in_axes). */
export function VarianceScaling(
  scale = 1,
  mode: "fan_in" | "fan_out" | "fan_avg" = "fan_in",
  distribution: "truncated_normal" | "normal" | "uniform" = "truncated_normal",
  fanInAxes?: number[],
): Initializer {
  return haikuVarianceScaling(scale, mode, distribution, fanInAxes);
}

/** hk.initializers.UniformScaling(scale=1). */
export function UniformScaling(scale = 1): Initializer {
  return haikuUniformScaling(scale);
}

/** hk.initializers.Orthogonal(scale=1, axis=-1). */
export function Orthogonal(scale = 1, axis = -1): Initializer {
  return haikuOrthogonal(scale, axis);
}

/** hk.initializers.Identity(gain=1). */
export function Identity(gain = 1): Initializer {
  return keyless(haikuIdentity(gain));
}
