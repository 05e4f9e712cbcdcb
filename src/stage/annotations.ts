// Python type annotations as the types of fixed values (config fields,
// method parameters): `int`, `Sequence[int]`, `Optional[Callable]`, ...
import type { StaticType } from "./values.js";

/** A Python annotation as a fixed value's type. */
export function typeFromAnnotation(text: string): StaticType | undefined {
  const t = text.replace(/\s+/g, "").replace(/^(typing\.|collections\.abc\.)/, "");
  const inner = (s: string) => typeFromAnnotation(s) ?? { t: "any" };
  let m: RegExpExecArray | null;
  if (/^(Optional)\[(.*)\]$/.test(t)) return inner(t.slice(9, -1));
  if ((m = /^(.*)\|None$/.exec(t))) return inner(m[1]);
  if ((m = /^None\|(.*)$/.exec(t))) return inner(m[1]);
  if (t === "int") return { t: "int" };
  if (t === "float") return { t: "float" };
  if (t === "bool") return { t: "bool" };
  if (t === "str") return { t: "str" };
  // `Literal['scalar', 'log']`: the type its values share.
  if ((m = /^(?:typing_extensions\.)?Literal\[(.*)\]$/.exec(t))) {
    const parts = splitTop(m[1]);
    if (parts.every((p) => /^(['"]).*\1$/.test(p))) return { t: "str" };
    if (parts.every((p) => /^-?\d+$/.test(p))) return { t: "int" };
    if (parts.every((p) => p === "True" || p === "False")) return { t: "bool" };
    return undefined;
  }
  if ((m = /^(?:typing\.)?(?:Sequence|List|list|Tuple\[.*,\.\.\.\]|Iterable|collections\.abc\.Sequence)\[(.*)\]$/.exec(t))) {
    const arg = m[1].replace(/,\.\.\.$/, "");
    return { t: "seq", of: inner(arg) };
  }
  if ((m = /^(?:Tuple|tuple)\[(.*)\]$/.exec(t))) {
    const parts = splitTop(m[1]);
    if (parts[parts.length - 1] === "...") return { t: "seq", of: inner(parts[0]) };
    return { t: "tuple", items: parts.map(inner) };
  }
  // An initializer's signature spelled out: `Callable[[PRNGKey, Shape, Dtype], Array]`.
  if ((m = /^Callable\[\[(.*)\],.*\]$/.exec(t)) && /^(jax\.)?(PRNGKey|KeyArray|Key|PRNGKeyArray|Array)\b/.test(m[1]) && /\b(Shape|Sequence\[int\]|Tuple\[int,\.\.\.\]|Iterable\[int\])/.test(m[1])) return { t: "initializer" };
  if (/Callable|ActivationFn|Activation/.test(t)) return { t: "activation" };
  if (/Initializer/.test(t)) return { t: "initializer" };
  if (/dtype|Dtype|DType/.test(t)) return { t: "dtype" };
  return undefined;
}

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of s) {
    if (c === "[") depth++;
    if (c === "]") depth--;
    if (c === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}


/**
 * A config tuple of sizes (`strides: tuple[int, int]`) as an array type: code
 * computes such values (`(2, 2) if first else (1, 1)`), which TypeScript types
 * as arrays, and Python does not check the length either.
 */
export function looseTuple(t: StaticType): StaticType {
  if (t.t !== "tuple" || !t.items.length) return t;
  const of = itemType(t);
  return of.t === "int" || of.t === "float" || of.t === "bool" || of.t === "str" ? { t: "seq", of } : t;
}

/** The one type every item of a fixed sequence has, else any. */
export function itemType(t: StaticType): StaticType {
  if (t.t === "seq") return t.of;
  if (t.t !== "tuple" || !t.items.length) return { t: "any" };
  const first = JSON.stringify(t.items[0]);
  return t.items.every((i) => JSON.stringify(i) === first) ? t.items[0] : { t: "any" };
}

