/** 0: everything passed. 1: something failed or would change. 2: bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {
  override name = "UsageError";
}
