// Ill-conditioned references. Where float32 rounding alone moves the source's own value past the
// tolerance, no float32 translation can be held to that value: the check says nothing about the
// translation. verify finds such checks by evaluating the source's failing call again in float64
// (harness.py float64_pass), says so in a note, and (for batch statistics over too few values,
// the usual cause) compares train mode again on a larger fresh batch. Every failing check is then
// held to the float64 value instead: the translation passes it when it is as close to the exact
// value as float32 gets, within the tolerance plus FLOAT32_REACH times the source's own float32
// error (for a well-conditioned check that error is a few ulps, and the bound is the tolerance).
import { compareArrays, type Tolerance } from "./compare.js";
import type { CheckResult } from "./index.js";

/** A failed output or gradient check, kept to be judged against a float64 evaluation. */
export interface PendingCheck {
  result: CheckResult;
  /** The reference tensor it was compared with (`output/x`, `train/grad/params/...`). */
  key: string;
  /** "" or "train/": the recorded call it belongs to. */
  prefix: string;
  actual: Float32Array;
}

export type TensorData = Record<string, { dataSync(): ArrayLike<number> }>;

export interface Conditioning {
  notes: string[];
  /** The recorded calls ("" or "train/") with a check whose reference float32 cannot reach. */
  illConditioned: Set<string>;
}

/**
 * Two float32 evaluations that sum in different orders (XLA's kernels, TF's) each miss the exact
 * value by a sample of the same rounding, so neither's largest error bounds the other's: on
 * MobileNetV1's 41 ill-conditioned checks the translation's largest error against float64 was
 * 0.2 to 1.5 times the source's. A wrong translation is off by its error, far beyond either.
 */
export const FLOAT32_REACH = 2;

/** The reference's prefix for the state the source's init leaves (harness.py `initstate/`). */
export const INIT_STATE = "initstate/";
/** The recorded results a float64 run can evaluate again: the init state, the entry's call, train mode. */
export const FLOAT64_PREFIXES = new Set([INIT_STATE, "", "train/"]);

const callName = (prefix: string) => (prefix === INIT_STATE ? "the init state" : prefix ? "train mode" : "the entry's call");

/**
 * Judges each pending check: `first` holds the float32 reference the check used, `exact` the
 * float64 run's tensors (`<prefix>exact/...`). Records on each check the source's own float32
 * error and the translation's error against the float64 value.
 */
export function judgeConditioning(pending: PendingCheck[], first: TensorData, exact: TensorData, tol: Tolerance): Conditioning {
  const out: Conditioning = { notes: [], illConditioned: new Set() };
  for (const prefix of new Set(pending.map((p) => p.prefix))) {
    // The float64 run is the same computation only if its outputs are the float32 run's up to
    // rounding (same dropout masks, same branches). Outputs can be ill-conditioned themselves, so
    // "up to rounding" is 1% of each output's largest value: another mask or branch moves them by
    // about their size.
    const outputs = Object.keys(exact).filter((k) => k.startsWith(`${prefix}exact/output`));
    const same = outputs.length > 0 && outputs.every((k) => {
      const f32 = first[`${prefix}${k.slice(`${prefix}exact/`.length)}`]?.dataSync();
      const f64 = exact[k].dataSync();
      if (!f32 || f32.length !== f64.length) return false;
      let [diff, scale] = [0, 0];
      for (let i = 0; i < f64.length; i++) [diff, scale] = [Math.max(diff, Math.abs(f32[i] - f64[i])), Math.max(scale, Math.abs(f64[i]))];
      return diff <= 0.01 * scale;
    });
    // The init state has no outputs to tell another computation by; its float64 run takes the float32 init's parameters.
    if (!same && prefix !== INIT_STATE) {
      out.notes.push(`${callName(prefix)}: the source's float64 evaluation does not reproduce its float32 outputs, so whether its failing checks are ill-conditioned is not known`);
      continue;
    }
    const ill: string[] = [];
    let reached = 0;
    // Checks the source's float32 value meets, but only with much of the tolerance: the two float32 errors add up past it.
    const noisy: string[] = [];
    for (const p of pending.filter((q) => q.prefix === prefix)) {
      const ref32 = first[p.key]?.dataSync();
      const ref64 = exact[`${prefix}exact/${p.key.slice(prefix.length)}`]?.dataSync();
      if (!ref32 || !ref64 || ref64.length !== p.actual.length) continue;
      let noise = 0;
      let error = 0;
      for (let i = 0; i < ref64.length; i++) {
        noise = Math.max(noise, Math.abs(ref32[i] - ref64[i]));
        error = Math.max(error, Math.abs(p.actual[i] - ref64[i]));
      }
      p.result.sourceFloat32Error = noise;
      p.result.errorVsFloat64 = error;
      const illConditioned = !compareArrays(ref32, ref64, tol).ok;
      const said = `${p.result.name} (source ${noise.toPrecision(2)}, translation ${error.toPrecision(2)})`;
      if (illConditioned) ill.push(said);
      if (compareArrays(p.actual, ref64, { atol: tol.atol + FLOAT32_REACH * noise, rtol: tol.rtol }).ok) {
        p.result.ok = true;
        p.result.againstFloat64 = true;
        if (illConditioned) reached++;
        else noisy.push(said);
      }
    }
    if (noisy.length) {
      out.notes.push(
        `${callName(prefix)}: ${noisy.length} failing check${noisy.length > 1 ? "s pass" : " passes"} against the source's float64 evaluation instead ` +
          `(the source's own float32 error takes much of the tolerance, and the translation's adds to it; the translation is within the tolerance plus ${FLOAT32_REACH}× the source's float32 error of the float64 value): ` +
          `${noisy.slice(0, 6).join("; ")}${noisy.length > 6 ? `; and ${noisy.length - 6} more` : ""}`,
      );
    }
    if (!ill.length) continue;
    out.illConditioned.add(prefix);
    out.notes.push(
      `${callName(prefix)}: ${ill.length} failing check${ill.length > 1 ? "s are" : " is"} ill-conditioned at float32 (the source's own float32 value is farther from its float64 evaluation than the tolerance; ` +
        `largest error against the float64 value): ${ill.slice(0, 6).join("; ")}${ill.length > 6 ? `; and ${ill.length - 6} more` : ""}. ` +
        `Held to the float64 value instead, ${reached === ill.length ? (ill.length > 1 ? "all pass" : "it passes") : `${reached} of ${ill.length} pass`}: the translation is within the tolerance plus ${FLOAT32_REACH}× the source's own float32 error of it` +
        (reached === ill.length ? "" : "; the others are farther and fail"),
    );
  }
  return out;
}
