// Shrinks a failing mutant to a few lines that still fail the same way (same
// signature): chunks of lines, then smaller chunks, down to single lines, until
// nothing more can go. Each probe is a translate call, so the budget bounds the cost.

export interface MinimizeOptions {
  /** The signature of `text`'s failure under the same check; probes must keep it. */
  signature: string;
  /** The failure signature of a candidate, or undefined when it does not fail. */
  check: (text: string) => Promise<string | undefined>;
  maxProbes?: number;
}

export interface Minimized {
  text: string;
  probes: number;
}

export async function minimize(text: string, options: MinimizeOptions): Promise<Minimized> {
  const max = options.maxProbes ?? 300;
  let probes = 0;
  const same = async (lines: string[]): Promise<boolean> => {
    if (probes >= max) return false;
    probes++;
    return (await options.check(lines.join("\n"))) === options.signature;
  };
  let lines = text.split("\n");
  // Remove chunks of `size` lines, sweeping from the end (later lines depend on
  // earlier ones more than the reverse); halve the size when a sweep removes nothing.
  for (let size = Math.max(1, Math.floor(lines.length / 2)); size >= 1 && probes < max; ) {
    let removed = false;
    // After a removal the next chunk still ends at `start`, so `end -= size` is right either way.
    for (let end = lines.length; end > 0 && probes < max; end -= size) {
      const start = Math.max(0, end - size);
      const candidate = [...lines.slice(0, start), ...lines.slice(end)];
      if (candidate.length && (await same(candidate))) {
        lines = candidate;
        removed = true;
      }
    }
    if (!removed) size = Math.floor(size / 2);
  }
  return { text: lines.join("\n"), probes };
}
