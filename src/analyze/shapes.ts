// Lazy → eager sizes. Haiku and Linen make parameters from the first input's
// shape; NNX needs every size at construction. This pass follows shapes
// through each method, symbolically in the module's own config, and records
// what each layer needs: a Linear fed by a method input gets a new config
// field (`inFeatures`), as the guide turns Model(dmid, dout) into
// Model(din, dmid, dout).
import type { DiagnosticBag } from "../diagnostics.js";
import { LAYERS } from "../ir/layers.js";
import type { Child, ConfigField, Expr, ModuleDef, Program, Stmt } from "../ir/model.js";
import { OPS } from "../ir/ops.js";
import { dimFromExpr, exprFromDim, lastDim, mapDims, showDim, sumDims, UNKNOWN, type Dim, type ValueShape } from "../ir/shapes.js";
import { evaluate } from "./evaluate.js";
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
      else if (s.kind === "unpack") s.targets.forEach((t, i) => this.env.set(t, shape.items?.[i] ?? { dims: [] }));
      else if (s.kind === "return") out = shape;
    }
    return out;
  }

  shape(e: Expr): ValueShape {
    switch (e.kind) {
      case "name":
        return this.env.get(e.id) ?? { dims: [] };
      case "op":
        return this.op(e);
      case "tuple":
        return { dims: [], items: e.items.map((i) => this.shape(i)) };
      case "dim":
        this.shape(e.array);
        return { dims: [] };
      case "scan": {
        // Each step sees the carry and one slice of xs; slicing a leading axis keeps the trailing sizes.
        const child = this.def.children.find((c) => c.attr === e.child)!;
        const out = this.callModule(child, e.method, [this.shape(e.carry), this.shape(e.xs)], e);
        return { dims: [], items: [out.items?.[0] ?? { dims: [] }, out.items?.[1] ?? { dims: [] }] };
      }
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

  private op(e: Expr & { kind: "op" }): ValueShape {
    const args = e.args.map((a) => this.shape(a));
    const spec = OPS[e.op];
    switch (spec?.shape) {
      case "concatenate": {
        const axis = e.attrs?.axis ? evaluate(e.attrs.axis, {}) : 0;
        const items = args[0]?.items ?? [];
        if (axis === -1) return { dims: [sumDims(items.map(lastDim))] };
        return axis === 0 && items[0] ? items[0] : { dims: [] };
      }
      case "swapaxes": {
        // Swapping leading axes keeps the last; a negative axis may be the last.
        const axes = e.args.slice(1).map((a) => evaluate(a, {}));
        return axes.every((a) => typeof a === "number" && a >= 0) ? args[0] : { dims: [] };
      }
      case "reduce": {
        // Reducing axes counted from the end, but not the last, keeps the last size.
        const axes = e.attrs?.axis ? evaluate(e.attrs.axis, {}) : undefined;
        const list = typeof axes === "number" ? [axes] : axes;
        return Array.isArray(list) && list.every((a) => a < -1) ? { dims: [lastDim(args[0] ?? { dims: [] })] } : { dims: [] };
      }
      case "create": {
        const shape = e.args[0];
        if (shape?.kind !== "tuple") return { dims: [] };
        for (const item of shape.items) if (item.kind === "name") this.markScalar(item.id);
        return { dims: shape.items.slice(1).map(dimFromExpr) }; // the first axis is the batch
      }
      case "oneHot":
        return e.args[1] ? { dims: [dimFromExpr(e.args[1])] } : { dims: [] };
      default:
        return args[0] ?? { dims: [] };
    }
  }

  /** A method parameter used as a size is an integer, not an array. */
  private markScalar(name: string): void {
    const p = this.def.methods.find((m) => m.name === this.method)?.params.find((q) => q.name === name);
    if (p) p.scalar = true;
  }

  private callChild(e: Expr & { kind: "callChild" }): ValueShape {
    const child = this.def.children.find((c) => c.attr === e.child)!;
    return this.callModule(child, e.method, e.args.map((a) => this.shape(a)), e);
  }

  private callModule(child: Child, method: string, args: ValueShape[], e: Expr): ValueShape {
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
    const calleeMethod = callee.methods.find((m) => m.name === method);
    if (!calleeMethod) {
      this.diags.error("NNX304", `${callee.name} has no method '${method}'`, e.span);
      return { dims: [] };
    }
    const inputs = inputParams(calleeMethod);
    for (const field of callee.config.filter((f) => f.synthesized && f.synthesized.method === method)) {
      const i = inputs.findIndex((p) => p.name === field.synthesized!.fromInput);
      if (i < 0 || child.ctor.args[field.name]) continue;
      const size = args[i] ? this.bind(lastDim(args[i]), e) : undefined;
      if (size) child.ctor.args[field.name] = size;
    }
    const out = this.outputs.get(key(callee.name, method)) ?? { dims: [] };
    const args2 = child.ctor.args;
    const mapShape = (s: ValueShape): ValueShape => ({
      dims: s.dims.map((d) => this.substitute(d, args2)),
      ...(s.items ? { items: s.items.map(mapShape) } : {}),
    });
    return mapShape(out);
  }

  /** A callee's dim, in the caller's terms. */
  private substitute(d: Dim, args: Record<string, Expr>): Dim {
    return mapDims(d, (t) => {
      if (t.kind !== "field") return t.kind === "input" ? UNKNOWN : t;
      return args[t.name] ? dimFromExpr(args[t.name]) : UNKNOWN;
    });
  }

  /** A method input feeds a layer whose size is already known: that is the input's size. */
  private recordInputSize(d: Dim, size: Expr): void {
    if (d.kind !== "input" || this.depth > 0) return;
    const p = this.def.methods.find((m) => m.name === this.method)?.params.find((q) => q.name === d.param);
    if (p && !p.size) p.size = size;
  }

  /** The expression for a needed size, synthesizing a config field for a method input. */
  private bind(d: Dim, at: Expr): Expr | undefined {
    d = mapDims(d, (t) => {
      if (t.kind !== "input") return t;
      const param = t.param;
      const field = this.synthesize(param);
      const p = this.def.methods.find((m) => m.name === this.method)?.params.find((q) => q.name === param);
      if (p && !p.size) p.size = { kind: "config", field: field.name, span: at.span };
      return { kind: "field", name: field.name };
    });
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
