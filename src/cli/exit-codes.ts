/**
 * 0: everything passed. 1: something failed or would change. 2: bad usage.
 * 3: an input file was refused: corrupt, hostile, or not allowed (a pickle without --allow-pickle).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, badInput: 3 } as const;

export class UsageError extends Error {
  override name = "UsageError";
}
