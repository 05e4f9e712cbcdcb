// Prints the target IR as TypeScript text (prettier formats it afterwards).
// Source names become camelCase here, and names TypeScript or the runtime's
// imports reserve get a trailing underscore.
import type { TClass, TDecl, TExpr, TFunction, TInterface, TModule, TParam, TPattern, TStmt } from "./ast.js";

const RESERVED = new Set([
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum",
  "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null",
  "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
  "let", "static", "implements", "interface", "package", "private", "protected", "public", "await", "arguments",
  "eval", "undefined", "NaN", "Infinity", "Object", "Array", "Math", "Number", "String", "Boolean", "Error", "Map", "Set",
  // the runtime's imports
  "nnx", "tf", "jnp", "lax", "random", "hk", "optax",
]);

/** How the program spells a source name: `linear_1` → `linear1`, `batch_norm` → `batchNorm`. */
export function tsName(name: string): string {
  const camel = name.replace(/^_+/, "").replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/_+$/, "") || "_";
  return RESERVED.has(camel) ? `${camel}_` : camel;
}

/** Member names (after `this.`) only need to avoid nothing but the empty string. */
export function memberName(name: string): string {
  return name.replace(/^_+/, "").replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/_+$/, "") || "_";
}

const PRECEDENCE: Record<string, number> = {
  "??": 1, "||": 2, "&&": 3, "|": 4, "^": 5, "&": 6, "===": 7, "!==": 7,
  "<": 8, "<=": 8, ">": 8, ">=": 8, instanceof: 8, in: 8, "<<": 9, ">>": 9,
  "+": 10, "-": 10, "*": 11, "/": 11, "%": 11, "**": 12,
};

function precedence(e: TExpr): number {
  switch (e.k) {
    case "binary":
      return PRECEDENCE[e.op];
    case "cond":
    case "arrow":
      return 0;
    case "unary":
      return 13;
    case "cast":
      return 8;
    case "num":
      return e.value < 0 ? 13 : 20;
    default:
      return 20;
  }
}

export function printExpr(e: TExpr): string {
  switch (e.k) {
    case "id":
      return e.raw ? e.name : tsName(e.name);
    case "this":
      return `this.${memberName(e.name)}`;
    case "rt":
      return e.path;
    case "num":
      return numberText(e.value);
    case "pyfloat":
      return `jnp.pyFloat(${numberText(e.value)})`;
    case "str":
      return JSON.stringify(e.value);
    case "bool":
      return String(e.value);
    case "null":
      return "null";
    case "undefined":
      return "undefined";
    case "array":
      return `[${e.items.map(printExpr).join(", ")}]`;
    case "object": {
      if (!e.entries.length) return "{}";
      const parts = e.entries.map((en) => {
        if ("spread" in en) return `...${printExpr(en.spread)}`;
        const key = en.raw ? en.key : memberName(en.key);
        const value = printExpr(en.value);
        const keyText = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
        return keyText === value ? keyText : `${keyText}: ${value}`;
      });
      return `{ ${parts.join(", ")} }`;
    }
    case "member":
      return `${wrap(e.object, 20)}${e.optional ? "?." : "."}${memberName(e.name)}`;
    case "index":
      return `${wrap(e.object, 20)}[${printExpr(e.index)}]`;
    case "call":
      return `${wrap(e.fn, 20)}(${e.args.map(printExpr).join(", ")})`;
    case "new":
      return `new ${wrap(e.cls, 20)}(${e.args.map(printExpr).join(", ")})`;
    case "unary":
      return `${e.op}${wrap(e.operand, 13)}`;
    case "binary": {
      const p = PRECEDENCE[e.op];
      // ** is right-associative; comparisons and equality are not chained in TS output.
      const leftMin = e.op === "**" ? p + 1 : p;
      const rightMin = e.op === "**" ? p : p + 1;
      return `${wrap(e.left, leftMin)} ${e.op} ${wrap(e.right, rightMin)}`;
    }
    case "cond":
      return `${wrap(e.test, 1)} ? ${wrap(e.then, 1)} : ${wrap(e.else, 0)}`;
    case "arrow": {
      const params = `(${e.params.map(printParam).join(", ")})${e.returns ? `: ${e.returns}` : ""}`;
      if (Array.isArray(e.body)) return `${params} => {\n${printBlock(e.body)}\n}`;
      const body = printExpr(e.body);
      return `${params} => ${e.body.k === "object" ? `(${body})` : body}`;
    }
    case "template":
      return "`" + e.parts.map((p) => (typeof p === "string" ? p.replace(/[`\\$]/g, (c) => `\\${c}`) : `\${${printExpr(p)}}`)).join("") + "`";
    case "spread":
      return `...${wrap(e.value, 13)}`;
    case "cast":
      return `${wrap(e.value, 9)} as ${e.type}`;
    case "nonnull":
      return `${wrap(e.value, 20)}!`;
    case "raw":
      return e.text;
    case "recorded":
      return printer.instrument ? printer.instrument.expr(e) : printExpr(e.value);
  }
}

/**
 * How record events print: nothing by default; the instrumented variant
 * (src/instantiate) installs a printer that turns them into recorder calls.
 */
export const printer: {
  instrument?: { expr(e: Extract<TExpr, { k: "recorded" }>): string; stmt(s: Extract<TStmt, { k: "record" }>): string };
} = {};

function numberText(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (Object.is(v, -0)) return "-0";
  return String(v);
}

function wrap(e: TExpr, min: number): string {
  const text = printExpr(e);
  return precedence(e) < min ? `(${text})` : text;
}

function printParam(p: TParam): string {
  const name = p.raw ? p.name : tsName(p.name);
  const type = p.type ? `${p.optional && !p.default ? "?" : ""}: ${p.type}` : "";
  return `${p.rest ? "..." : ""}${name}${type}${p.default ? ` = ${printExpr(p.default)}` : ""}`;
}

export function printPattern(p: TPattern): string {
  switch (p.k) {
    case "pid":
      return p.raw ? p.name : tsName(p.name);
    case "ptuple":
      return `[${p.items.map((i) => (i ? printPattern(i) : "")).join(", ")}]`;
    case "prest":
      return `...${printPattern(p.target)}`;
  }
}

function isPattern(t: TExpr | TPattern): t is TPattern {
  return t.k === "pid" || t.k === "ptuple" || t.k === "prest";
}

export function printStmt(s: TStmt): string {
  switch (s.k) {
    case "let": {
      const kw = s.mutable ? "let" : "const";
      const target = s.pattern ? printPattern(s.pattern) : s.raw ? s.name : tsName(s.name);
      const type = s.type ? `${s.definite && !s.value ? "!" : ""}: ${s.type}` : "";
      return s.value ? `${kw} ${target}${type} = ${printExpr(s.value)};` : `${kw} ${target}${type};`;
    }
    case "assign": {
      const target = isPattern(s.target) ? printPattern(s.target) : printExpr(s.target);
      return `${target} ${s.op ?? "="} ${printExpr(s.value)};`;
    }
    case "expr": {
      const text = printExpr(s.value);
      return `${s.value.k === "object" || s.value.k === "arrow" ? `(${text})` : text};`;
    }
    case "if": {
      let text = `if (${printExpr(s.test)}) {\n${printBlock(s.then)}\n}`;
      if (s.else.length === 1 && s.else[0].k === "if") text += ` else ${printStmt(s.else[0])}`;
      else if (s.else.length) text += ` else {\n${printBlock(s.else)}\n}`;
      return text;
    }
    case "forOf":
      return `for (const ${printPattern(s.target)} of ${printExpr(s.iter)}) {\n${printBlock(s.body)}\n}`;
    case "forRange": {
      const name = tsName(s.name);
      const step = s.step ? ` += ${printExpr(s.step)}` : "++";
      return `for (let ${name} = ${printExpr(s.start)}; ${name} < ${printExpr(s.stop)}; ${name}${step}) {\n${printBlock(s.body)}\n}`;
    }
    case "while":
      return `while (${printExpr(s.test)}) {\n${printBlock(s.body)}\n}`;
    case "return":
      return s.value ? `return ${printExpr(s.value)};` : "return;";
    case "throw":
      return `throw new Error(${printExpr(s.message)});`;
    case "break":
      return "break;";
    case "continue":
      return "continue;";
    case "block":
      return `{\n${printBlock(s.body)}\n}`;
    case "comment":
      return s.text.split("\n").map((l) => `// ${l}`).join("\n");
    case "function":
      return printFunction(s.fn);
    case "record":
      return printer.instrument ? printer.instrument.stmt(s) : "";
  }
}

export function printBlock(body: TStmt[]): string {
  return body.map(printStmt).filter((t) => t !== "").join("\n");
}

function docs(lines: string[] | undefined): string {
  if (!lines?.length) return "";
  if (lines.length === 1 && !lines[0].includes("\n")) return `/** ${lines[0]} */\n`;
  return `/**\n${lines.flatMap((l) => l.split("\n")).map((l) => ` * ${l}`.trimEnd()).join("\n")}\n */\n`;
}

export function printFunction(fn: TFunction): string {
  const generics = fn.generics?.length ? `<${fn.generics.join(", ")}>` : "";
  const returns = fn.returns ? `: ${fn.returns}` : "";
  return `${docs(fn.docs)}${fn.exported ? "export " : ""}function ${tsName(fn.name)}${generics}(${fn.params.map(printParam).join(", ")})${returns} {\n${printBlock(fn.body)}\n}`;
}

function printClass(c: TClass): string {
  if (c.bare) return `${docs(c.docs)}export class ${c.name} extends ${c.extends} {}`;
  const props = c.properties.map((p) => `${docs(p.docs)}${p.readonly ? "readonly " : ""}${memberName(p.name)}${p.optional ? "?" : ""}: ${p.type};`);
  const ctor = `constructor(${c.ctor.params.map(printParam).join(", ")}) {\n${printBlock(c.ctor.body)}\n}`;
  const methods = c.methods.map((m) => {
    const returns = m.returns ? `: ${m.returns}` : "";
    return `${docs(m.docs)}${memberName(m.name)}(${m.params.map(printParam).join(", ")})${returns} {\n${printBlock(m.body)}\n}`;
  });
  const members = [props.join("\n"), ctor, ...methods].filter((x) => x);
  return `${docs(c.docs)}export class ${c.name} extends ${c.extends} {\n${members.join("\n\n")}\n}`;
}

function printInterface(i: TInterface): string {
  const ext = i.extends?.length ? ` extends ${i.extends.join(", ")}` : "";
  const props = i.properties.map((p) => {
    const lines = [...(p.docs ?? []), ...(p.default !== undefined ? [`Default: \`${p.default}\`.`] : [])];
    return `${docs(lines)}${p.readonly ? "readonly " : ""}${memberName(p.name)}${p.optional ? "?" : ""}: ${p.type};`;
  });
  return `${docs(i.docs)}export interface ${i.name}${ext} {\n${props.join("\n")}\n}`;
}

export function printDecl(d: TDecl): string {
  switch (d.k) {
    case "class":
      return printClass(d.cls);
    case "interface":
      return printInterface(d.iface);
    case "function":
      return printFunction(d.fn);
    case "const":
      return `${docs(d.docs)}${d.exported ? "export " : ""}const ${d.name}${d.type ? `: ${d.type}` : ""} = ${printExpr(d.value)};`;
    case "typeAlias":
      return `${docs(d.docs)}export type ${d.name} = ${d.type};`;
    case "comment":
      return d.text.split("\n").map((l) => `// ${l}`).join("\n");
  }
}

export function printModule(m: TModule): string {
  const body = m.decls.map(printDecl).filter((x) => x);
  const text = body.join("\n\n");
  // Import only the namespaces the code uses.
  const imports = m.imports
    .map((i) => ({ ...i, names: i.all ? i.names : i.names.filter((n) => new RegExp(`(^|[^\\w.])${n}\\.`).test(text)) }))
    .filter((i) => i.names.length)
    .map((i) =>
      i.names.every((n) => n.startsWith("type "))
        ? `import type { ${i.names.map((n) => n.slice(5)).join(", ")} } from ${JSON.stringify(i.from)};`
        : `import { ${i.names.join(", ")} } from ${JSON.stringify(i.from)};`,
    );
  return [m.header.map((h) => `// ${h}`).join("\n"), imports.join("\n"), ...body].filter((x) => x).join("\n\n") + "\n";
}
