// The param map: where each variable of the translated model comes from in the
// source framework's tree, with concrete shapes for the entry's configuration.
import type { DiagnosticBag } from "../diagnostics.js";
import { LAYERS } from "../ir/layers.js";
import type { ModuleDef, Program } from "../ir/model.js";
import { nnxName } from "../ir/naming.js";
import { evaluate, type Value } from "./evaluate.js";
import { moduleOf } from "./order.js";

export interface ParamMapEntry {
  /** Flat path in the source framework's variables (`model/block/linear/w`). */
  source: string;
  /** Dotted path in the NNX module (`block.linear.kernel`). */
  nnx: string;
  /** `Param`, `BatchStat`, or a Variable subclass the program declares. */
  type: string;
  shape: number[];
  /** The source holds it with extra leading size-1 axes (Haiku's batch-norm stats), squeezed on load. */
  keepdims?: true;
}

const COLLECTION = { Param: "params", BatchStat: "batch_stats" } as const;

export function buildParamMap(program: Program, config: Record<string, Value>, diags: DiagnosticBag): ParamMapEntry[] {
  const out: ParamMapEntry[] = [];
  const prefixOf = (collection: string) => program.naming.collectionPrefix[collection] ?? `${collection}/`;
  /** `stacked`: leading layer axes of a stack the module is inside (Haiku's layer_stack). */
  const walk = (def: ModuleDef, env: Record<string, Value>, sourcePath: string[], nnxPath: string[], stacked: number[]) => {
    for (const v of def.variables) {
      out.push({ source: prefixOf(v.source.collection) + [...sourcePath, v.source.leaf].join("/"), nnx: [...nnxPath, nnxName(v.attr)].join("."), type: v.type, shape: [...stacked, ...v.shape] });
    }
    for (const child of def.children) {
      const src = child.source.segment ? [...sourcePath, child.source.segment] : sourcePath;
      const dst = [...nnxPath, nnxName(child.attr)];
      if (child.ctor.kind === "module") {
        const callee = moduleOf(program, child.ctor.module);
        const calleeEnv: Record<string, Value> = {};
        for (const f of callee.config) {
          const arg = child.ctor.args[f.name] ?? f.default;
          const v = arg && evaluate(arg, env);
          if (v !== undefined) calleeEnv[f.name] = v;
        }
        const length = child.stack ? evaluate(child.stack.length, env) : undefined;
        if (child.stack && typeof length !== "number") {
          diags.error("NNX305", `cannot compute the number of stacked layers of ${dst.join(".")}`, child.span);
          continue;
        }
        walk(callee, calleeEnv, src, dst, child.stack ? [...stacked, length as number] : stacked);
        continue;
      }
      const options = child.ctor.options;
      const sizes: Record<string, number | number[]> = {};
      for (const [k, e] of Object.entries(options)) {
        const v = evaluate(e, env);
        sizes[k] = Array.isArray(v) ? v : Number(v);
      }
      for (const v of LAYERS[child.ctor.layer].variables(options)) {
        const shape = v.shape(sizes);
        if (!shape.every((n) => Number.isInteger(n))) {
          diags.error("NNX305", `cannot compute the shape of ${dst.join(".")}.${v.name} for this configuration`, child.span);
          continue;
        }
        const leaf = child.source.leaves?.[v.name] ?? v.name;
        const prefix = prefixOf(COLLECTION[v.type]);
        const entry: ParamMapEntry = { source: prefix + [...src, leaf].join("/"), nnx: [...dst, v.name].join("."), type: v.type, shape: [...stacked, ...shape] };
        if (child.source.keepdims?.includes(v.name)) entry.keepdims = true;
        out.push(entry);
      }
    }
  };
  walk(moduleOf(program, program.entry.module), config, program.naming.rootPath, [], []);
  return out;
}
