// A module class that subclasses a framework layer (`class StdConv(nn.Conv)`
// overriding `param`): a TypeScript subclass of the runtime layer. Its users
// build and call it as the layer (the row's options, sizes and parameter names);
// its override of `param` — the value the layer computes with — becomes an
// override of the runtime's `paramValue(name, value)` hook.
import type { Expr, FunctionDef } from "../python/ast.js";
import { mapStmts } from "../python/ast.js";
import type { ModuleClass } from "../model/program.js";
import { call, id, type TClass, type TStmt } from "../ts/ast.js";
import type { RenderableClass } from "./classes.js";
import type { ProgramContext } from "./context.js";
import { LAYERS } from "./layers/catalog.js";
import { flattenBlocks, declareLocals, removeDead, unwrapDeclBlocks } from "./locals.js";
import { Frame } from "./scope.js";
import { ClassStager, StageStop } from "./stager.js";
import { staticOf } from "./values.js";

/** The runtime class a framework layer is built as (`nnx.Conv`), if the catalog has it. */
export function layerRuntime(ctx: ProgramContext, layer: string): string | undefined {
  const row = ctx.program.framework.layers[layer];
  return row ? LAYERS[row.layer]?.runtime : undefined;
}

/** `super().param(...)`: the parameter's own value (the hook's `value`). */
const SUPER_VALUE = "param_value";

function isSuperCall(e: Expr, method: string): boolean {
  return e.kind === "call" && e.fn.kind === "attr" && e.fn.attr === method && e.fn.object.kind === "call" && e.fn.object.fn.kind === "builtin" && e.fn.object.fn.name === "super";
}

export function stageLayerSubclass(ctx: ProgramContext, cls: ModuleClass): RenderableClass {
  const base = layerRuntime(ctx, cls.extendsLayer!);
  const stager = new ClassStager(ctx, cls, false);
  if (!base) ctx.unsupported(cls.span, `subclassing ${cls.extendsLayer}, a layer nnxport does not translate`);
  for (const f of cls.fields) ctx.unsupported(f.span, `a field '${f.name}' of a subclass of ${cls.extendsLayer} (its own fields or changed defaults)`);
  for (const a of cls.classAttrs) ctx.unsupported(a.span, `the class attribute '${a.name}' of a subclass of ${cls.extendsLayer}`);
  const methods: TClass["methods"] = [];
  for (const m of cls.methods) {
    if (m.name === "param") {
      const out = paramOverride(stager, m);
      if (out) methods.push(out);
    } else ctx.unsupported(m.span, `overriding '${m.name}' of ${cls.extendsLayer} (nnxport translates an override of 'param')`);
  }
  const docs = [...(cls.docstring ? [cls.docstring.trim()] : []), `Built and called as \`${base}\`.`];
  return {
    name: cls.name,
    render: () => [
      {
        k: "class",
        cls: {
          name: cls.name,
          extends: base ?? "nnx.Module",
          docs,
          properties: [],
          ctor: { params: [{ name: `...args: ConstructorParameters<typeof ${base}>`, raw: true }], body: [{ k: "expr", value: call({ k: "raw", text: "super" }, { k: "spread", value: { k: "id", name: "args", raw: true } }) }] },
          methods,
        },
      },
    ],
  };
}

/** `def param(self, name, init_fn, *init_args)` → `paramValue(name, value)`, `super().param(...)` being `value`. */
function paramOverride(stager: ClassStager, fn: FunctionDef): TClass["methods"][number] | undefined {
  const [nameParam] = fn.params;
  if (!nameParam) {
    stager.ctx.unsupported(fn.span, "an override of 'param' without a name parameter");
    return undefined;
  }
  const body = mapStmts(fn.body, (e) => (isSuperCall(e, "param") ? { kind: "name", id: SUPER_VALUE, span: e.span } : e));
  const frame = new Frame("param", false);
  frame.env.set(nameParam.name, staticOf({ t: "str" }, undefined, id(nameParam.name)));
  frame.env.set(SUPER_VALUE, { kind: "array", call: id("value"), shape: { dims: [] }, dtype: "float32" });
  frame.names.add(nameParam.name);
  frame.names.add("value");
  try {
    stager.body(body, frame);
  } catch (e) {
    if (!(e instanceof StageStop)) throw e;
    return undefined;
  }
  const stmts: TStmt[] = unwrapDeclBlocks(declareLocals(removeDead(flattenBlocks(frame.block.call ?? [])), [nameParam.name, "value"], frame.types));
  return {
    name: "paramValue",
    params: [{ name: nameParam.name, type: "string" }, { name: "value", type: "nnx.Array" }],
    returns: "nnx.Array",
    body: stmts,
    docs: ["The value the layer computes with for its parameter `name` (the source overrides `param`)."],
  } as TClass["methods"][number];
}
