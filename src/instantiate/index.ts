// Builds the entry's model once, with the instrumented constructors, to learn
// what only a concrete configuration decides: every variable's path in the
// source framework's tree and in the NNX model (the param map), its shape, and
// how the source derives its initial value's key (the seeded factory's plan).
import type { TExpr, TModule, TStmt } from "../ts/ast.js";
import { printer, printExpr, printModule } from "../ts/print.js";
import { importGenerated } from "../verify/load-module.js";
import { Recorder, type RecordedVariable } from "./recorder.js";

export interface ParamMapEntry {
  /** Flat path in the source framework's variables (`model/block/linear/w`, `params/Block_0/Dense_0/kernel`). */
  source: string;
  /** Dotted path in the NNX module (`block.linear.kernel`). */
  nnx: string;
  /** `Param`, `BatchStat`, or a Variable subclass. */
  type: string;
  shape: number[];
  /** The source holds it with extra leading size-1 axes, squeezed on load. */
  keepdims?: true;
  /** The source holds it in another shape of the same size (Linen's several feature axes), reshaped on load. */
  flattened?: true;
}

export interface SourceInitParam {
  path: string;
  scope?: string[];
  counter?: number;
  draw?: number;
  /** In a layer stack (each layer draws its own key; Haiku: from the outer draw). */
  stack?: { draw?: number };
}

export interface SourceInitPlan {
  keys: "linen" | "haiku";
  params: SourceInitParam[];
  draws?: number;
  dropout?: Array<{ path: string; scope?: string[]; stack?: { draw?: number; callsPerLayer: number; once?: boolean; members?: number }; stream?: string; collection?: string }>;
  /** Variables the source sets during init's own forward pass, and that pass's mode. */
  fromCall?: { keep: string[]; train?: boolean };
}

/** A Module of the built model: its NNX path, generated class and (Linen) scope path in the source. */
export interface ModuleEntry {
  nnx: string;
  cls: string;
  source: string;
}

export interface Instance {
  params: ParamMapEntry[];
  /** Linen: every Module of the model with its source scope (where what it sows is, in the source). */
  modules?: ModuleEntry[];
  plan?: SourceInitPlan;
  /** Why there is no plan. */
  planMissing?: string;
  /** Why the source's train mode cannot be compared (its dropout has no keys). */
  dropoutMissing?: string;
}

const REC = "globalThis.__nnxportRecorder";

/** The instrumented program's text: record events become recorder calls. */
export function instrumentedCode(module: TModule): string {
  const saved = printer.instrument;
  printer.instrument = {
    expr: (e) => {
      const ev = e.event;
      const value = printExpr(e.value);
      if (ev.e === "build") {
        const self = (typeof ev.site === "string" && ev.site === "root") || ev.top ? `${REC}.top` : "this";
        return `${REC}.build(${self}, ${JSON.stringify(ev.site)}, ${ev.layer ? JSON.stringify(ev.layer) : "undefined"}, () => ${value}, ${JSON.stringify({ transparent: !!ev.transparent, ...(ev.stack ? { stack: ev.stack } : {}), ...(ev.inner ? { inner: true } : {}), ...(ev.fork ? { fork: true } : {}) }).replace(/}$/, ev.within ? `, "within": ${printExpr(ev.within)}}` : "}")})`;
      }
      if (ev.e === "variable") return `${REC}.variable(this, ${JSON.stringify(ev.name)}, ${JSON.stringify(ev.collection)}, ${JSON.stringify(ev.draws)}, () => ${value}, ${JSON.stringify({ ...(ev.stream ? { stream: ev.stream } : {}), ...(ev.fromCall ? { fromCall: true } : {}) })})`;
      if (ev.e === "keys") return `${REC}.keysMember(this, ${JSON.stringify(ev.stream)}, () => ${value})`;
      return value;
    },
    stmt: (s) => {
      const ev = s.event;
      if (ev.e === "construct") {
        const name = ev.name ? printExpr(ev.name) : "undefined";
        const self = ev.top ? `${REC}.top` : "this";
        return `${REC}.construct(${self}, ${JSON.stringify(ev.site)}, ${JSON.stringify(ev.base)}, ${name}, ${!!ev.eager}, ${JSON.stringify(ev.method ?? "__call__")}, ${JSON.stringify(ev.segment ?? null)});`;
      }
      if (ev.e === "draw") return `${REC}.draw(this, ${ev.count}${ev.stream ? `, ${JSON.stringify(ev.stream)}` : ""});`;
      if (ev.e === "scanKeys") return `${REC}.scanKeys(${printExpr(ev.module)}, ${JSON.stringify(ev.streams)});`;
      return "";
    },
  };
  try {
    return printModule(module).replace(/^import /m, "// @ts-nocheck\nimport ");
  } finally {
    printer.instrument = saved;
  }
}

export interface InstantiateOptions {
  framework: "linen" | "haiku";
  factory: string;
}

/** Runs the entry's factory on the instrumented program and reads the model it builds. */
export async function instantiate(module: TModule, options: InstantiateOptions): Promise<Instance> {
  const code = instrumentedCode(module);
  const generated = await importGenerated(code);
  const runtime = await import("../../runtime/index.js");
  const { nnx } = runtime;
  const keyless = (v: object): boolean => {
    const init = (v as { getMetadata?: (k: string) => unknown }).getMetadata?.("init");
    return typeof init === "function" && !runtime.hk.drawsKey(init as Parameters<typeof runtime.hk.drawsKey>[0]);
  };
  const recorder = new Recorder(options.framework, keyless);
  const g = globalThis as unknown as { __nnxportRecorder?: Recorder };
  g.__nnxportRecorder = recorder;
  let model: object | undefined;
  try {
    model = (generated[options.factory] as (r: unknown) => object)(new nnx.Rngs(0));
    const flat = nnx.toFlatState(nnx.state(model, nnx.Not(nnx.RngState)));
    const params: ParamMapEntry[] = [];
    const planParams: SourceInitParam[] = [];
    const fromCall: string[] = [];
    for (const [path, v] of flat) {
      const rec = recorder.variables.get(v as object);
      const nnxPath = path.join(".");
      if (recorder.fromCall.has(v as object)) fromCall.push(nnxPath);
      const value = (v as { value: { shape: number[] } }).value;
      const type = variableType(v as object);
      if (!rec) {
        params.push({ source: `?/${nnxPath}`, nnx: nnxPath, type, shape: value.shape });
        continue;
      }
      const entry: ParamMapEntry = { source: sourceKey(options.framework, rec), nnx: nnxPath, type, shape: value.shape };
      if (rec.keepdims) entry.keepdims = true;
      if (rec.flattened) entry.flattened = true;
      params.push(entry);
      // Params, and state a Haiku layer or a Linen make_rng draws a key for (hk.SpectralNorm's u0, self.variable(..., self.make_rng(s), ...), Linen's SpectralNorm's u).
      if (type === "Param" || rec.haiku || rec.linen) planParams.push(planParam(nnxPath, rec));
    }
    const unknown = params.find((p) => p.source.startsWith("?/"));
    const planMissing = unknown ? `the source's name of ${unknown.nnx} is not known` : recorder.incomplete;
    const dropout: NonNullable<SourceInitPlan["dropout"]> = recorder.dropouts
      .map((d) => ({ path: pathOf(model!, d.layer), ...(options.framework === "linen" ? { scope: d.scope } : {}), ...(d.stack ? { stack: d.stack } : {}), ...(options.framework === "linen" && d.collection ? { collection: d.collection } : {}) }))
      // "": the model is the dropout layer itself (`nn.Dropout(0.1).init(...)`).
      .filter((d): d is typeof d & { path: string } => d.path !== undefined);
    // Keys the module's own code draws per call (Linen make_rng('dropout'), Haiku hk.next_rng_key()).
    for (const k of recorder.keys) {
      const path = pathOf(model!, k.owner);
      if (path && k.stream !== "params") dropout.push({ path, ...(options.framework === "linen" ? { scope: k.scope } : {}), stream: k.stream, ...(k.scan ? { scan: k.scan } : {}) });
    }
    const plan: SourceInitPlan | undefined = planMissing
      ? undefined
      : {
          keys: options.framework,
          params: planParams,
          ...(options.framework === "haiku" ? { draws: recorder.draws } : {}),
          ...(dropout.length ? { dropout } : {}),
          ...(fromCall.length ? { fromCall: { keep: fromCall } } : {}),
        };
    const modules: ModuleEntry[] = [];
    if (options.framework === "linen") {
      for (const [path, m] of nnx.iterModules(model)) {
        const scope = recorder.scopePathOf(m) ?? (path.length ? undefined : []);
        if (scope) modules.push({ nnx: path.join("."), cls: m.constructor.name, source: scope.join("/") });
      }
    }
    return { params, plan, planMissing, dropoutMissing: recorder.dropoutMissing, ...(modules.length ? { modules } : {}) };
  } finally {
    if (model) nnx.dispose(model);
    delete g.__nnxportRecorder;
  }
}

function planParam(path: string, rec: RecordedVariable): SourceInitParam {
  const stack = rec.stack ? { stack: rec.stack.draw !== undefined ? { draw: rec.stack.draw } : {} } : {};
  if (rec.linen) return { path, scope: rec.linen.scope, counter: rec.linen.counter, ...(rec.linen.base ? { base: rec.linen.base } : {}), ...stack };
  if (rec.haiku) return { path, draw: rec.haiku.draw, ...stack };
  return { path };
}

/** The harness's flat key for a variable: Linen `collection/path`; Haiku `path` (params) or `state/path`. */
function sourceKey(framework: "linen" | "haiku", rec: RecordedVariable): string {
  if (framework === "linen") return `${rec.collection}/${rec.path}`;
  return rec.collection === "params" ? rec.path : `state/${rec.path}`;
}

function variableType(v: object): string {
  const n = v.constructor?.name ?? "Variable";
  return n;
}

/** The dotted attribute path of `target` inside `root`. */
function pathOf(root: object, target: object): string | undefined {
  const seen = new Set<object>();
  const visit = (obj: object, prefix: string[]): string | undefined => {
    if (obj === target) return prefix.join(".");
    if (seen.has(obj) || prefix.length > 12) return undefined;
    seen.add(obj);
    for (const [k, v] of Object.entries(obj)) {
      // Key streams are callable objects.
      if (v && (typeof v === "object" || typeof v === "function") && !ArrayBuffer.isView(v)) {
        const found = visit(v as object, [...prefix, k]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return visit(root, []);
}

export type { TExpr, TStmt };
