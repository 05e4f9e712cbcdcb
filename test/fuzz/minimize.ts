// Shrinks a failing mutant to a few lines that still fail the same way (same
// signature): delta debugging over lines, then over single lines until nothing
// more can go. Each probe is a translate2 call, so the budget bounds the cost.

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
  // ddmin: remove chunks, halving the chunk size when no chunk can go.
  let n = 2;
  while (lines.length >= 2 && probes < max) {
    const size = Math.ceil(lines.length / n);
    let removed = false;
    for (let start = 0; start < lines.length && probes < max; start += size) {
      const candidate = [...lines.slice(0, start), ...lines.slice(start + size)];
      if (candidate.length && (await same(candidate))) {
        lines = candidate;
        n = Math.max(n - 1, 2);
        removed = true;
        break;
      }
    }
    if (!removed) {
      if (size <= 1) break;
      n = Math.min(n * 2, lines.length);
    }
  }
  // One line at a time, from the end, until a full pass removes nothing.
  for (let changed = true; changed && probes < max; ) {
    changed = false;
    for (let i = lines.length - 1; i >= 0 && probes < max; i--) {
      const candidate = [...lines.slice(0, i), ...lines.slice(i + 1)];
      if (candidate.length && (await same(candidate))) {
        lines = candidate;
        changed = true;
      }
    }
  }
  return { text: lines.join("\n"), probes };
}
