// Randomness of a compiled call: the traced call's key program is run again in
// JavaScript (drawing from the same streams, so their counters advance as in
// eager mode), the keys the graph samples with are fed as one int32 [K, 2] input,
// and samplers without an in-graph version are drawn here and fed in.

import { tf } from "../tf.js";
import * as random from "../random/index.js";
import type { HostSample, KeyStep, SourceRef } from "./record.js";
import type { Walk } from "./structure.js";

/** Runs the key program: draws from the same streams (advancing them) and derives as the traced call did. */
export function replayKeys(steps: KeyStep[], w: Walk): Uint32Array[] {
  const out: Uint32Array[] = [];
  for (const s of steps) {
    switch (s.kind) {
      case "draw":
        out.push(sourceOf(s.source, w).next());
        break;
      case "arg":
        out.push(w.keys[s.arg]);
        break;
      case "const":
        out.push(s.key);
        break;
      case "split":
        out.push(random.split(out[s.parent], s.num)[s.index]);
        break;
      case "foldIn":
        out.push(random.foldIn(out[s.parent], s.data));
        break;
    }
  }
  return out;
}

function sourceOf(ref: SourceRef, w: Walk): { next(): Uint32Array } {
  return "walk" in ref ? (w.sources[ref.walk] as { next(): Uint32Array }) : ref.object;
}

export function keysTensor(keys: Uint32Array[]): tf.Tensor {
  const data = new Int32Array(keys.length * 2);
  keys.forEach((k, i) => data.set(new Int32Array(k.buffer, k.byteOffset, 2), 2 * i));
  return tf.tensor2d(data, [keys.length, 2], "int32");
}

export function hostSample(s: HostSample, keys: Uint32Array[]): tf.Tensor {
  const k = keys[s.step];
  const p = s.params;
  switch (s.kind) {
    case "normal":
      return random.normal(k, s.shape);
    case "truncatedNormal":
      return random.truncatedNormal(k, p[0] as number, p[1] as number, s.shape, { bounds: p[2] as "traced" | "constant" });
    case "gumbel":
      return random.gumbel(k, s.shape);
    case "permutation":
      return random.permutation(k, s.shape[0]);
    case "uniform":
      return random.uniform(k, s.shape, { minval: p[0] as number, maxval: p[1] as number });
    case "bernoulli":
      return random.bernoulli(k, p[0] as number, s.shape);
  }
}
