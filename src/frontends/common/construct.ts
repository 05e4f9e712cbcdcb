// Building children from constructor calls, shared by the frontends: a
// framework layer from its table entry, or one of the file's own modules from
// its config fields; and the inline `Layer(...)(x)` idiom both frameworks use.
import type { Child, Expr, ModeUse, ModuleDef } from "../../ir/model.js";
import { spanOf, type Node } from "../../parse/parser.js";
import { bindArguments } from "./bind.js";
import type { SourceLayer } from "./layer-table.js";
import { callArguments, stringValue as stringValueOf, type MethodLowering } from "./lower.js";
import { snakeCase } from "./naming.js";

export interface Construction {
  options: Record<string, Expr>;
  /** The `name=` the source gave the instance, if any. */
  name?: string;
  mode?: ModeUse;
}

export function constructLayer(entry: SourceLayer, ctor: Node, className: string, lower: MethodLowering): Construction {
  const names = entry.params.map((p) => p.name);
  if (entry.mode && !names.includes(entry.mode.param)) names.push(entry.mode.param);
  const bound = bindArguments(ctor, [...names, "name"], className, lower.diags);
  const options: Record<string, Expr> = {};
  for (const [k, v] of Object.entries(entry.fixed ?? {})) {
    options[k] = typeof v === "boolean" ? { kind: "bool", value: v, span: spanOf(ctor) } : { kind: "number", value: v, isInt: Number.isInteger(v), span: spanOf(ctor) };
  }
  for (const [k, v] of Object.entries(entry.defaults ?? {})) {
    options[k] = typeof v === "boolean" ? { kind: "bool", value: v, span: spanOf(ctor) } : { kind: "number", value: v, isInt: Number.isInteger(v), span: spanOf(ctor) };
  }
  for (const p of entry.params) {
    const arg = bound.get(p.name);
    if (!arg || arg.type === "none" || p.mode) continue;
    const text = arg.type === "string" ? stringValueOf(arg) : arg.text;
    if (p.literals && !p.literals.includes(text)) {
      lower.unsupported(arg, `${className}(${p.name}=${arg.text}) (supported: ${p.literals.join(", ")})`);
      continue;
    }
    if (!p.option) {
      if (!p.literals) lower.unsupported(arg, `${className}(${p.name}=...)`);
      continue;
    }
    const value = lower.expr(arg);
    options[p.option] = p.repeat && value.kind === "number" ? { kind: "tuple", items: Array(p.repeat).fill(value), span: value.span } : value;
  }
  const modeArg = entry.mode && bound.get(entry.mode.param);
  return {
    options,
    name: instanceName(bound.get("name"), lower),
    mode: modeArg && modeArg.type !== "none" ? modeUse(lower.expr(modeArg), entry.mode!.trueMeansTraining) : undefined,
  };
}

export function constructModule(def: ModuleDef, ctor: Node, lower: MethodLowering): Construction {
  const fields = def.config.filter((f) => !f.synthesized).map((f) => f.name);
  const bound = bindArguments(ctor, [...fields, "name"], def.name, lower.diags);
  const options: Record<string, Expr> = {};
  for (const f of fields) {
    const arg = bound.get(f);
    if (arg) options[f] = lower.expr(arg);
    else if (!def.config.find((c) => c.name === f)!.default) {
      lower.diags.error("NNX204", `${def.name}(...) is missing its '${f}' argument`, spanOf(ctor));
    }
  }
  return { options, name: instanceName(bound.get("name"), lower) };
}

function modeUse(value: Expr, trueMeansTraining: boolean): ModeUse {
  if (trueMeansTraining) return { trainWhen: value };
  return { trainWhen: value.kind === "unary" && value.op === "not" ? value.operand : { kind: "unary", op: "not", operand: value, span: value.span } };
}

function instanceName(node: Node | undefined, lower: MethodLowering): string | undefined {
  if (!node || node.type === "none") return undefined;
  const e = lower.expr(node);
  if (e.kind === "string") return e.value;
  lower.unsupported(node, "a module name that is not a string literal");
  return undefined;
}

export interface InlineContext {
  layers: Record<string, SourceLayer>;
  modules: Map<string, ModuleDef>;
  /** The framework's name for an unnamed instance built from `base` (`linear_1`, `Dense_1`). */
  autoName(base: string): string;
  /** The base a framework names instances of the file's own modules from (`block`, `Block`). */
  moduleBase(def: ModuleDef): string;
  /** The source path segment, when not the plain `name=` or auto name (Haiku's `~/encoder` in __init__). */
  segment?(given: string | undefined, base: string): string;
}

export interface BuiltChild {
  child: Child;
  layer?: SourceLayer;
  mode?: ModeUse;
}

/**
 * A child from a constructor call (`hk.Linear(n)`, `nn.Dropout(0.5)`,
 * `Block(n)`); `attr` fixes its attribute and source name (Linen's setup()).
 * Undefined when the constructor is not a known layer or module.
 */
export function buildChild(
  ctor: Node,
  lower: MethodLowering,
  ctx: InlineContext,
  attr?: string,
  /** The class when `ctor` calls something else: `nn.scan(RNNCell, ...)(n)` builds an RNNCell. */
  lifted?: { cls: Node; namePrefix: string },
): BuiltChild | undefined {
  const ctorFn = lifted?.cls ?? ctor.childForFieldName("function")!;
  const layer = ctx.layers[lower.imports.resolve(ctorFn) ?? ""];
  const def = ctorFn.type === "identifier" ? ctx.modules.get(ctorFn.text) : undefined;
  if (!layer && !def) return undefined;

  const built = layer ? constructLayer(layer, ctor, ctorFn.text, lower) : constructModule(def!, ctor, lower);
  const base = (lifted?.namePrefix ?? "") + (layer ? layer.autoName : ctx.moduleBase(def!));
  const segment = ctx.segment ? ctx.segment(built.name, base) : (attr ?? built.name ?? ctx.autoName(base));
  const child = lower.scope.addChild(
    attr ?? snakeCase(layer ? layer.layer : def!.name),
    {
      ctor: layer ? { kind: "layer", layer: layer.layer, options: built.options } : { kind: "module", module: def!.name, args: built.options },
      source: { segment, leaves: layer?.leaves, keepdims: layer?.keepdims, init: layer?.init, draws: layer?.draws, initialFromCall: layer?.initialFromCall },
      ...(attr === undefined && lower.currentMethod ? { builtIn: lower.currentMethod } : {}),
      span: spanOf(ctor),
    },
    attr,
  );
  return { child, layer, mode: built.mode };
}

/** `Layer(...)(x, ...)`: a child built where it is applied, as Haiku and Linen both allow. */
export function inlineChild(node: Node, lower: MethodLowering, ctx: InlineContext): Expr | undefined {
  const ctor = node.childForFieldName("function")!;
  if (ctor.type !== "call") return undefined;
  const built = buildChild(ctor, lower, ctx);
  if (!built) return undefined;
  const { child, layer } = built;
  const { positional, keywords } = callArguments(node);
  let mode = built.mode;
  const modeAt = layer?.mode?.callPosition;
  if (modeAt !== undefined && positional.length > modeAt) {
    mode = modeUse(lower.expr(positional[modeAt]), layer!.mode!.trueMeansTraining);
    positional.splice(modeAt, 1);
  }
  for (const [k, v] of Object.entries(keywords)) {
    if (!layer) break; // the file's own module: keywords are put in place by callArgs
    if (layer.mode?.param === k) mode = modeUse(lower.expr(v), layer.mode.trueMeansTraining);
    else lower.unsupported(v.parent ?? v, `the keyword argument '${k}=' in this call`);
  }
  if (layer?.mode && !mode) {
    return lower.unsupported(node, `${layer.autoName} without '${layer.mode.param}', which chooses its train/eval behaviour`);
  }
  const args = layer ? positional.map((a) => lower.expr(a)) : lower.callArgs(node, child, "__call__");
  return { kind: "callChild", child: child.attr, method: "__call__", args, mode, span: spanOf(node) };
}
