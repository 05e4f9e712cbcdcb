// Module-model expressions as TypeScript source text.
import type { Expr } from "../ir/model.js";
import { nnxName } from "../ir/naming.js";
import type { Span } from "../ir/span.js";
import { OPS } from "../ir/ops.js";
import { RUNTIME_OPS } from "./runtime-table.js";

/** A construct the emitter cannot print yet; the pipeline reports it at `span`. */
export class EmitError extends Error {
  constructor(message: string, readonly span: Span) {
    super(message);
  }
}

export interface ExprContext {
  /** How a config field is read here: a constructor local, or `this.<field>` in a method. */
  config(field: string): string;
  /** Whether operands are arrays (method bodies) rather than numbers (constructors). */
  arrays: boolean;
  /** Set when the text uses the `jnp` facade, so the file imports it. */
  usesJnp?: boolean;
  /** Children that are layer stacks: a call runs the layers in turn. */
  stacked?: Set<string>;
  /** In training code: the local that holds the model. */
  model?: string;
}

/** Array arithmetic through the runtime's jax.numpy facade, which promotes dtypes as JAX does. */
const JNP_OPS: Partial<Record<string, string>> = { "+": "add", "-": "subtract", "*": "multiply", "/": "divide", "**": "power", "@": "matmul" };

const PRECEDENCE: Record<string, number> = { "||": 1, "&&": 2, "===": 3, "!==": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "**": 7 };
const TS_OP: Record<string, string> = { and: "&&", or: "||", "==": "===", "!=": "!==" };

export function methodName(name: string): string {
  return name === "__call__" ? "call" : nnxName(name);
}

export function printExpr(e: Expr, ctx: ExprContext): string {
  switch (e.kind) {
    case "name":
      return nnxName(e.id);
    case "config":
      return ctx.config(e.field);
    case "number":
      return String(e.value);
    case "bool":
      return String(e.value);
    case "string":
      return JSON.stringify(e.value);
    case "unary":
      if (ctx.arrays && e.op === "-" && e.operand.kind !== "number") {
        ctx.usesJnp = true;
        return `jnp.negative(${printExpr(e.operand, ctx)})`;
      }
      return `${e.op === "not" ? "!" : "-"}${wrap(e.operand, 8, ctx)}`;
    case "binary": {
      if (ctx.arrays) {
        const fn = JNP_OPS[e.op];
        if (!fn) throw new EmitError(`the array operator '${e.op}' is not emitted yet`, e.span);
        ctx.usesJnp = true;
        return `jnp.${fn}(${printExpr(e.left, ctx)}, ${printExpr(e.right, ctx)})`;
      }
      if (e.op === "@") throw new EmitError("matrix products outside layers are not emitted yet", e.span);
      const op = TS_OP[e.op] ?? e.op;
      const p = PRECEDENCE[op];
      return `${wrap(e.left, p, ctx)} ${op} ${wrap(e.right, p + 1, ctx)}`;
    }
    case "conditional":
      return `${wrap(e.test, 1, ctx)} ? ${printExpr(e.then, ctx)} : ${printExpr(e.else, ctx)}`;
    case "op": {
      const fn = RUNTIME_OPS[e.op];
      if (!fn) throw new EmitError(`the op '${e.op}' has no runtime spelling`, e.span);
      if (fn.startsWith("jnp.")) ctx.usesJnp = true;
      // Keyword attributes follow the positional arguments, in the op's order (as the runtime takes them).
      const attrs = (OPS[e.op]?.attrs ?? []).filter((a) => e.attrs?.[a]).map((a) => printExpr(e.attrs![a], ctx));
      return `${fn}(${[...e.args.map((a) => printExpr(a, ctx)), ...attrs].join(", ")})`;
    }
    case "tuple":
      return `[${e.items.map((i) => printExpr(i, ctx)).join(", ")}]`;
    case "dim":
      return `${wrap(e.array, 99, ctx)}.shape[${e.axis}]`;
    case "scan": {
      const step = `(carry: nnx.Array, x: nnx.Array) => this.${nnxName(e.child)}.${methodName(e.method)}(carry, x)`;
      const axes = (axis: number) => `[nnx.Carry, ${axis}]`;
      return `nnx.scan(${step}, { inAxes: ${axes(e.inAxis)}, outAxes: ${axes(e.outAxis)} })(${printExpr(e.carry, ctx)}, ${printExpr(e.xs, ctx)})`;
    }
    case "callChild": {
      const args = e.args.map((a) => printExpr(a, ctx));
      if (ctx.stacked?.has(e.child)) {
        const rest = args.slice(1).map((a) => `, ${a}`).join("");
        return `nnx.scanLayers(this.${nnxName(e.child)}, ${args[0]}, (layer, x) => layer.${methodName(e.method)}(x${rest}))`;
      }
      return `this.${nnxName(e.child)}.${methodName(e.method)}(${args.join(", ")})`;
    }
    case "callSelf":
      return `this.${methodName(e.method)}(${e.args.map((a) => printExpr(a, ctx)).join(", ")})`;
    case "var":
      return `this.${nnxName(e.name)}.value`;
    case "apply":
      if (!ctx.model) throw new EmitError("the model applied outside training code", e.span);
      return `${ctx.model}.${methodName(e.method)}(${e.args.map((a) => printExpr(a, ctx)).join(", ")})`;
  }
}

function wrap(e: Expr, minPrecedence: number, ctx: ExprContext): string {
  const text = printExpr(e, ctx);
  const p = e.kind === "binary" ? PRECEDENCE[TS_OP[e.op] ?? e.op] : e.kind === "conditional" ? 0 : 99;
  return p < minPrecedence ? `(${text})` : text;
}
