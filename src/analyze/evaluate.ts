import type { Expr } from "../ir/model.js";

export type Value = number | boolean | string | number[];

/** Evaluates a config-level expression (numbers, config fields, arithmetic) given config values. */
export function evaluate(e: Expr, config: Record<string, Value>): Value | undefined {
  switch (e.kind) {
    case "number":
    case "bool":
    case "string":
      return e.value;
    case "config":
      return config[e.field];
    case "tuple": {
      const items = e.items.map((i) => evaluate(i, config));
      return items.every((i) => typeof i === "number") ? (items as number[]) : undefined;
    }
    case "unary": {
      const v = evaluate(e.operand, config);
      if (v === undefined) return undefined;
      return e.op === "not" ? !v : -Number(v);
    }
    case "binary": {
      const [l, r] = [evaluate(e.left, config), evaluate(e.right, config)];
      if (typeof l !== "number" || typeof r !== "number") return undefined;
      switch (e.op) {
        case "+": return l + r;
        case "-": return l - r;
        case "*": return l * r;
        case "/": return l / r;
        case "**": return l ** r;
        default: return undefined;
      }
    }
    default:
      return undefined;
  }
}
