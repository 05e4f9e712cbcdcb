// Pairs a checkpoint's leaves with the param map: each map entry's source path
// (`params/Dense_0/kernel`, `model/linear/w`, `state/model/batch_norm/~/mean_ema/average`)
// must be exactly one leaf of the checkpoint, and each leaf must be an entry,
// except the optimizer state of a TrainState, which is named and left out.
//
// Checkpoints hold the variables in a few arrangements; the one that places the
// most entries is taken:
//   Linen: the variables dict ({params, batch_stats, ...}), a TrainState
//          ({step, params, opt_state, batch_stats...}), or params alone;
//   Haiku: params alone, {params, state}, a TrainState whose other field holds
//          the state, or a (params, state) tuple.
import type { ParamMapEntry } from "../analyze/params.js";
import type { ParamMapDocument } from "../pipeline.js";
import { HostArray, toModelValues, type Tree, type TreeNode } from "./host-array.js";
import { applyLayout, type Layout, type Placed } from "./layout.js";

/** A param map entry, with the layout change some entries carry. */
export type MapEntry = ParamMapEntry & { layout?: Layout };

export interface Matched {
  /** NNX dotted path → value, in map order. */
  arrays: Map<string, Placed>;
  /** Missing, extra or ill-fitting leaves, each naming its path; empty when all is well. */
  problems: string[];
  /** What the checkpoint was taken to be, and what of it is deliberately left out. */
  notes: string[];
}

type Leaf = Exclude<Tree, TreeNode>;

export function flattenTree(tree: TreeNode): Array<[string, Leaf]> {
  const out: Array<[string, Leaf]> = [];
  const walk = (node: TreeNode, prefix: string) => {
    for (const k of Object.keys(node)) {
      const v = node[k];
      const path = prefix + k;
      if (v !== null && typeof v === "object" && !(v instanceof HostArray)) walk(v, path + "/");
      else if (v !== null) out.push([path, v]); // None is an empty subtree in JAX, not a leaf
    }
  };
  walk(tree, "");
  return out;
}

/** A reading of the checkpoint: each path → a source path, `null` for a left-out optimizer leaf, or undefined (unclaimed). */
interface Arrangement {
  name: string;
  place: (path: string) => string | null | undefined;
}

const head = (p: string) => p.split("/", 1)[0];
const rest = (p: string) => p.slice(p.indexOf("/") + 1);
const OPTIMIZER = new Set(["step", "opt_state"]);

function arrangements(framework: string, tops: Set<string>): Arrangement[] {
  const trainState = tops.has("params") && (tops.has("opt_state") || tops.has("step"));
  const optimizer = (p: string) => (trainState && OPTIMIZER.has(head(p)) ? null : undefined);
  if (framework === "linen") {
    return [
      { name: trainState ? "a TrainState" : "a variables dict", place: (p) => (optimizer(p) === null ? null : p) },
      { name: "params alone", place: (p) => `params/${p}` },
    ];
  }
  const others = [...tops].filter((t) => t !== "params" && !(trainState && OPTIMIZER.has(t)));
  const stateField = others.length === 1 ? others[0] : "state";
  return [
    { name: "params alone", place: (p) => p },
    {
      name: trainState ? `a TrainState (state in '${stateField}')` : "a {params, state} dict",
      place: (p) => {
        const o = optimizer(p);
        if (o === null) return null;
        if (head(p) === "params") return rest(p);
        if (head(p) === stateField) return `state/${rest(p)}`;
        return undefined;
      },
    },
    { name: "a (params, state) tuple", place: (p) => (head(p) === "0" ? rest(p) : head(p) === "1" ? `state/${rest(p)}` : undefined) },
  ];
}

export function matchCheckpoint(tree: TreeNode, map: Pick<ParamMapDocument, "framework"> & { params: MapEntry[] }): Matched {
  const leaves = flattenTree(tree);
  const tops = new Set(leaves.map(([p]) => head(p)));
  const bySource = new Map(map.params.map((e) => [e.source, e]));
  let best: { a: Arrangement; hits: number; extras: number } | undefined;
  for (const a of arrangements(map.framework, tops)) {
    let hits = 0;
    let extras = 0;
    for (const [p] of leaves) {
      const s = a.place(p);
      if (s === null) continue;
      if (s !== undefined && bySource.has(s)) hits++;
      else extras++;
    }
    if (!best || hits > best.hits || (hits === best.hits && extras < best.extras)) best = { a, hits, extras };
  }
  const arrangement = best!.a;
  const problems: string[] = [];
  const notes = [`read as ${arrangement.name}`];
  const found = new Map<string, { path: string; leaf: Leaf }>();
  let leftOut = 0;
  for (const [path, leaf] of leaves) {
    const s = arrangement.place(path);
    if (s === null) {
      leftOut++;
      continue;
    }
    if (s === undefined || !bySource.has(s)) {
      problems.push(`${path}: in the checkpoint but not in the param map`);
      continue;
    }
    if (found.has(s)) problems.push(`${s}: found twice in the checkpoint (${found.get(s)!.path} and ${path})`);
    else found.set(s, { path, leaf });
  }
  if (leftOut) notes.push(`left out: the TrainState's optimizer state (step, opt_state: ${leftOut} leaves), which is not part of the model's weights`);

  const arrays = new Map<string, Placed>();
  for (const entry of map.params) {
    const hit = found.get(entry.source);
    const name = `${entry.source} → ${entry.nnx}`;
    if (!hit) {
      problems.push(`${name}: missing from the checkpoint`);
      continue;
    }
    if (!(hit.leaf instanceof HostArray)) {
      problems.push(`${name}: the checkpoint holds ${JSON.stringify(String(hit.leaf))}, not an array`);
      continue;
    }
    let values;
    try {
      values = toModelValues(hit.leaf, name);
    } catch (e) {
      problems.push((e as Error).message);
      continue;
    }
    const placed = applyLayout({ shape: hit.leaf.shape, values }, entry.shape, entry.layout, entry.keepdims);
    if (typeof placed === "string") problems.push(`${name}: ${placed}`);
    else arrays.set(entry.nnx, placed);
  }
  return { arrays, problems, notes };
}
