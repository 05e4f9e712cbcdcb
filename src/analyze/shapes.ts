// Lazy → eager sizes. Haiku and Linen make parameters from the first input's
// shape; NNX needs every size at construction. This pass follows shapes
// through each method, symbolically in the module's own config, and records
// what each layer needs: a Linear fed by a method input gets a new config
// field (`inFeatures`), as the guide turns Model(dmid, dout) into
// Model(din, dmid, dout).
import type { DiagnosticBag } from "../diagnostics.js";
import { LAYERS } from "../ir/layers.js";
import type { ConfigField, Expr, ModuleDef, Program, Stmt } from "../ir/model.js";
import { dimFromExpr, exprFromDim, lastDim, showDim, UNKNOWN, type Dim, type ValueShape } from "../ir/shapes.js";
import { inputParams } from "../ir/walk.js";
import { calleesFirst, moduleOf } from "./order.js";

type Outputs = Map<string, ValueShape>;
const key = (module: string, method: string) => `${module}.${method}`;

export function inferShapes(program: Program, diags: DiagnosticBag): void {
  const outputs: Outputs = new Map();
  for (const def of calleesFirst(program)) {
    // __call__ first: other methods may rely on sizes it settles.
    const methods = [...def.methods].sort((a, b) => Number(b.name === "__call__") - Number(a.name === "__call__"));
    for (const method of methods) {
      const env = new Map<string, ValueShape>();
      for (const p of inputParams(method)) env.set(p.name, { dims: [{ kind: "input", param: p.name }] });
      const ctx = new MethodShapes(program, def, method.name, env, outputs, diags, 0);
      outputs.set(key(def.name, method.name), ctx.body(method.body));
    }
  }
}

class MethodShapes {
  constructor(
    private readonly program: Program,
    private readonly def: ModuleDef,
    private readonly method: string,
    private readonly env: Map<string, ValueShape>,
    private readonly outputs: Outputs,
    private readonly diags: DiagnosticBag,
    private readonly depth: number,
  ) {}

  /** Shapes through a method body; returns the returned value's shape. */
  body(stmts: Stmt[]): ValueShape {
    let out: ValueShape = { dims: [] };
    for (const s of stmts) {
      const shape = this.shape(s.value);
      if (s.kind === "assign") this.env.set(s.target, shape);
      else if (s.kind === "return") out = shape;
    }
    return out;
  }

  shape(e: Expr): ValueShape {
    switch (e.kind) {
      case "name":
        return this.env.get(e.id) ?? { dims: [] };
      case "op":
        return e.args.length ? this.shape(e.args[0]) : { dims: [] };
      case "binary": {
        const [l, r] = [this.shape(e.left), this.shape(e.right)];
        return l.dims.length >= r.dims.length ? l : r;
      }
      case "callChild":
        return this.callChild(e);
      case "var": {
        const v = this.def.variables.find((x) => x.attr === e.name);
        return { dims: (v?.shape ?? []).map((n) => ({ kind: "const" as const, value: n })) };
      }
      case "callSelf": {
        // Another method of this module, followed with the caller's shapes, so
        // sizes flow from __call__ into encode/decode as they would at init.
        const callee = this.def.methods.find((m) => m.name === e.method);
        if (!callee || this.depth > 8) return { dims: [] };
        const env = new Map<string, ValueShape>();
        inputParams(callee).forEach((p, i) => env.set(p.name, e.args[i] ? this.shape(e.args[i]) : { dims: [] }));
        return new MethodShapes(this.program, this.def, this.method, env, this.outputs, this.diags, this.depth + 1).body(callee.body);
      }
      default:
        return { dims: [] };
    }
  }

  private callChild(e: Expr & { kind: "callChild" }): ValueShape {
    const child = this.def.children.find((c) => c.attr === e.child)!;
    const args = e.args.map((a) => this.shape(a));
    if (child.ctor.kind === "layer") {
      const spec = LAYERS[child.ctor.layer];
      const input = args[0] ?? { dims: [] };
      const opt = spec.inputSizeOption;
      if (opt && !child.ctor.options[opt]) {
        const size = this.bind(lastDim(input), e);
        if (size) child.ctor.options[opt] = size;
      } else if (opt) {
        this.recordInputSize(lastDim(input), child.ctor.options[opt]);
      }
      return spec.output(input, child.ctor.options);
    }

    // One of the file's modules: bind its synthesized input sizes, then map its output back.
    const callee = moduleOf(this.program, child.ctor.module);
    const calleeMethod = callee.methods.find((m) => m.name === e.method);
    if (!calleeMethod) {
      this.diags.error("NNX304", `${callee.name} has no method '${e.method}'`, e.span);
      return { dims: [] };
    }
    const inputs = inputParams(calleeMethod);
    for (const field of callee.config.filter((f) => f.synthesized && f.synthesized.method === e.method)) {
      const i = inputs.findIndex((p) => p.name === field.synthesized!.fromInput);
      if (i < 0 || child.ctor.args[field.name]) continue;
      const size = args[i] ? this.bind(lastDim(args[i]), e) : undefined;
      if (size) child.ctor.args[field.name] = size;
    }
    const out = this.outputs.get(key(callee.name, e.method)) ?? { dims: [] };
    return { dims: out.dims.map((d) => this.substitute(d, child.ctor.kind === "module" ? child.ctor.args : {})) };
  }

  /** A callee's dim, in the caller's terms. */
  private substitute(d: Dim, args: Record<string, Expr>): Dim {
    if (d.kind !== "field") return d.kind === "input" ? UNKNOWN : d;
    return args[d.name] ? dimFromExpr(args[d.name]) : UNKNOWN;
  }

  /** A method input feeds a layer whose size is already known: that is the input's size. */
  private recordInputSize(d: Dim, size: Expr): void {
    if (d.kind !== "input" || this.depth > 0) return;
    const p = this.def.methods.find((m) => m.name === this.method)?.params.find((q) => q.name === d.param);
    if (p && !p.size) p.size = size;
  }

  /** The expression for a needed size, synthesizing a config field for a method input. */
  private bind(d: Dim, at: Expr): Expr | undefined {
    if (d.kind === "input") {
      const param = d.param;
      const field = this.synthesize(param);
      const p = this.def.methods.find((m) => m.name === this.method)?.params.find((q) => q.name === param);
      if (p && !p.size) p.size = { kind: "config", field: field.name, span: at.span };
      d = { kind: "field", name: field.name };
    }
    const expr = exprFromDim(d, at.span);
    if (!expr) {
      this.diags.error(
        "NNX304",
        `cannot work out the input size here (${showDim(d)}); NNX layers need it at construction`,
        at.span,
      );
    }
    return expr;
  }

  private synthesize(param: string): ConfigField {
    const existing = this.def.config.find((f) => f.synthesized?.fromInput === param && f.synthesized.method === this.method);
    if (existing) return existing;
    const callInputs = inputParams(this.def.methods.find((m) => m.name === this.method)!);
    const name = callInputs.length === 1 ? "in_features" : `${param}_features`;
    const field: ConfigField = {
      name,
      type: "int",
      synthesized: { fromInput: param, method: this.method },
      span: this.def.span,
    };
    this.def.config.unshift(field);
    // Method inputs are now sized by the field: later uses see it.
    for (const [k, v] of this.env) {
      this.env.set(k, { dims: v.dims.map((x) => (x.kind === "input" && x.param === param ? { kind: "field", name } : x)) });
    }
    return field;
  }
}
