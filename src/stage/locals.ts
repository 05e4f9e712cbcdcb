// Two clean-ups on staged statement lists. Python locals live in the whole
// function; TypeScript's are block-scoped and declared once: `declareLocals`
// turns the first assignment into `const`/`let`, or declares a local before the
// block that first assigns it when it is read after. `removeDead` drops
// assignments nothing reads and blocks left empty (the constructor mirrors
// every fixed computation of a method; most are not needed there).
import type { TExpr, TPattern, TStmt } from "../ts/ast.js";

type Names = Set<string>;

// --- reads and writes -----------------------------------------------------

function exprReads(e: TExpr, out: Names): void {
  switch (e.k) {
    case "id":
      if (!e.raw) out.add(e.name);
      else out.add(`raw:${e.name}`);
      break;
    case "array":
      e.items.forEach((i) => exprReads(i, out));
      break;
    case "object":
      for (const en of e.entries) exprReads("spread" in en ? en.spread : en.value, out);
      break;
    case "member":
      exprReads(e.object, out);
      break;
    case "index":
      exprReads(e.object, out);
      exprReads(e.index, out);
      break;
    case "call":
    case "new":
      exprReads(e.k === "call" ? e.fn : e.cls, out);
      e.args.forEach((a) => exprReads(a, out));
      break;
    case "unary":
      exprReads(e.operand, out);
      break;
    case "binary":
      exprReads(e.left, out);
      exprReads(e.right, out);
      break;
    case "cond":
      exprReads(e.test, out);
      exprReads(e.then, out);
      exprReads(e.else, out);
      break;
    case "arrow": {
      const inner = new Set<string>();
      if (Array.isArray(e.body)) for (const s of e.body) stmtReads(s, inner);
      else exprReads(e.body, inner);
      // A raw parameter may destructure (`([i, f]) => ...`): each name it binds is the arrow's own.
      for (const p of e.params) for (const n of p.raw ? (p.name.match(/[A-Za-z_$][\w$]*/g) ?? []) : [p.name]) inner.delete(n);
      // Its own locals are not the enclosing function's.
      if (Array.isArray(e.body)) for (const n of writtenIn(e.body)) inner.delete(n);
      for (const n of inner) out.add(n);
      break;
    }
    case "template":
      for (const p of e.parts) if (typeof p !== "string") exprReads(p, out);
      break;
    case "spread":
    case "cast":
    case "nonnull":
      exprReads(e.value, out);
      break;
    case "recorded":
      exprReads(e.value, out);
      if (e.event.e === "construct" && e.event.name) exprReads(e.event.name, out);
      break;
    case "raw": {
      // Counters printed raw (`denseIndex++`) read their local.
      const m = /^([A-Za-z_$][\w$]*)\+\+$/.exec(e.text);
      if (m) out.add(`raw:${m[1]}`);
      break;
    }
  }
}

function patternNames(p: TPattern, out: string[] = []): string[] {
  if (p.k === "pid") out.push(p.name);
  else if (p.k === "ptuple") {
    for (const i of p.items) if (i) patternNames(i, out);
  } else patternNames(p.target, out);
  return out;
}

function isPattern(t: TExpr | TPattern): t is TPattern {
  return t.k === "pid" || t.k === "ptuple" || t.k === "prest";
}

/** Names a statement assigns as whole locals. */
function stmtWrites(s: TStmt): string[] {
  if (s.k === "assign") {
    if (isPattern(s.target)) return patternNames(s.target);
    if (s.target.k === "id") return [s.target.name];
  }
  if (s.k === "let") return s.pattern ? patternNames(s.pattern) : [s.raw ? `raw:${s.name}` : s.name];
  return [];
}

/** Every name a block assigns or declares, nested blocks included. */
function writtenIn(body: TStmt[]): Names {
  const out = new Set<string>();
  const visit = (x: TStmt) => {
    for (const w of stmtWrites(x)) out.add(w);
    if (x.k === "if") [...x.then, ...x.else].forEach(visit);
    if (x.k === "forOf" || x.k === "forRange" || x.k === "while" || x.k === "block") x.body.forEach(visit);
  };
  body.forEach(visit);
  return out;
}

/** Every local read anywhere in the statement (nested blocks included). */
function stmtReads(s: TStmt, out: Names): void {
  switch (s.k) {
    case "let":
      if (s.value) exprReads(s.value, out);
      break;
    case "assign":
      exprReads(s.value, out);
      if (!isPattern(s.target) && s.target.k !== "id") exprReads(s.target, out);
      if (s.op && !isPattern(s.target)) exprReads(s.target, out);
      break;
    case "expr":
      exprReads(s.value, out);
      break;
    case "if":
      exprReads(s.test, out);
      s.then.forEach((x) => stmtReads(x, out));
      s.else.forEach((x) => stmtReads(x, out));
      break;
    case "forOf":
      exprReads(s.iter, out);
      s.body.forEach((x) => stmtReads(x, out));
      break;
    case "forRange":
      exprReads(s.start, out);
      exprReads(s.stop, out);
      if (s.step) exprReads(s.step, out);
      s.body.forEach((x) => stmtReads(x, out));
      break;
    case "while":
      exprReads(s.test, out);
      s.body.forEach((x) => stmtReads(x, out));
      break;
    case "return":
      if (s.value) exprReads(s.value, out);
      break;
    case "throw":
      exprReads(s.message, out);
      break;
    case "block":
      s.body.forEach((x) => stmtReads(x, out));
      break;
    case "record":
      if (s.event.e === "construct" && s.event.name) exprReads(s.event.name, out);
      break;
    case "function":
      s.fn.body.forEach((x) => stmtReads(x, out));
      break;
  }
}

/** Whether evaluating `e` can change anything (calls other than pure runtime functions, `new`). */
function hasEffects(e: TExpr): boolean {
  switch (e.k) {
    case "call": {
      // Calls of runtime functions (jnp.*, nnx.relu, Math.*) are pure; calls of members and locals may not be.
      // (nnx.update writes into a model; tf.tidy runs its callback.)
      const pure = e.fn.k === "rt" && !/(^|\.)(rngs|stream)\b|^nnx\.(param|variable|update)$|^tf\.tidy$/.test(e.fn.path);
      const pureMethod = e.fn.k === "member" && ["at", "slice", "includes", "entries", "map", "length", "startsWith", "endsWith", "split"].includes(e.fn.name) && !hasEffects(e.fn.object);
      return !(pure || pureMethod) || e.args.some(hasEffects);
    }
    case "new":
      return true;
    case "recorded":
      return true;
    case "array":
      return e.items.some(hasEffects);
    case "object":
      return e.entries.some((en) => hasEffects("spread" in en ? en.spread : en.value));
    case "member":
      return hasEffects(e.object);
    case "index":
      return hasEffects(e.object) || hasEffects(e.index);
    case "unary":
      return hasEffects(e.operand);
    case "binary":
      return hasEffects(e.left) || hasEffects(e.right);
    case "cond":
      return hasEffects(e.test) || hasEffects(e.then) || hasEffects(e.else);
    case "template":
      return e.parts.some((p) => typeof p !== "string" && hasEffects(p));
    case "spread":
    case "cast":
    case "nonnull":
      return hasEffects(e.value);
    case "raw":
      return e.text.endsWith("++");
    default:
      return false;
  }
}

// --- dead code --------------------------------------------------------------

/** Removes assignments to locals nothing reads afterwards, and empty blocks. `live`: names read after the list. */
export function removeDead(body: TStmt[], live: Names = new Set()): TStmt[] {
  const out: TStmt[] = [];
  let liveNow = new Set(live);
  for (let i = body.length - 1; i >= 0; i--) {
    const s = body[i];
    const kept = deadStmt(s, liveNow);
    if (!kept) continue;
    out.unshift(kept);
    const writes = stmtWrites(kept);
    const reads = new Set<string>();
    stmtReads(kept, reads);
    if (kept.k === "assign" || kept.k === "let") for (const w of writes) liveNow.delete(w);
    for (const r of reads) liveNow.add(r);
    if (kept.k === "forOf" || kept.k === "forRange" || kept.k === "while" || kept.k === "if") liveNow = new Set([...liveNow, ...reads]);
  }
  return out;
}

function deadStmt(s: TStmt, live: Names): TStmt | undefined {
  switch (s.k) {
    case "assign": {
      const writes = stmtWrites(s);
      const targetIsLocal = isPattern(s.target) || s.target.k === "id";
      if (targetIsLocal && writes.length && writes.every((w) => !live.has(w)) && !hasEffects(s.value)) return undefined;
      if (isPattern(s.target) && s.target.k === "ptuple" && !hasEffects(s.value)) {
        // Drop unread names from a destructuring.
        const items = s.target.items.map((p) => (p && p.k === "pid" && !live.has(p.name) ? null : p));
        if (items.every((p) => p === null)) return undefined;
        return { ...s, target: { k: "ptuple", items } };
      }
      return s;
    }
    case "let": {
      const writes = stmtWrites(s);
      if (writes.every((w) => !live.has(w)) && (!s.value || !hasEffects(s.value))) return undefined;
      return s;
    }
    case "expr":
      return hasEffects(s.value) ? s : undefined;
    case "if": {
      const then = removeDead(s.then, live);
      const otherwise = removeDead(s.else, live);
      if (!then.length && !otherwise.length && !hasEffects(s.test)) return undefined;
      if (s.test.k === "bool") return then.length || otherwise.length ? { k: "block", body: s.test.value ? then : otherwise } : undefined;
      return { ...s, then, else: otherwise };
    }
    case "forOf":
    case "forRange":
    case "while": {
      // A loop's body runs again: what it reads stays live through it.
      const reads = new Set<string>();
      stmtReads(s, reads);
      const inner = new Set([...live, ...reads]);
      const body = removeDead(s.body, inner);
      if (!body.length) return undefined;
      return { ...s, body };
    }
    case "block": {
      const body = removeDead(s.body, live);
      return body.length ? { ...s, body } : undefined;
    }
    case "comment":
    case "record":
      return s;
    default:
      return s;
  }
}

/** Flattens `{ ... }` blocks left by constant conditions. */
export function flattenBlocks(body: TStmt[]): TStmt[] {
  const out: TStmt[] = [];
  for (const s of body) {
    if (s.k === "block") out.push(...flattenBlocks(s.body));
    else if (s.k === "if") out.push({ ...s, then: flattenBlocks(s.then), else: flattenBlocks(s.else) });
    else if (s.k === "forOf" || s.k === "forRange" || s.k === "while") out.push({ ...s, body: flattenBlocks(s.body) } as TStmt);
    else out.push(s);
  }
  return out;
}

// --- declarations -----------------------------------------------------------

/**
 * Declares each local where TypeScript needs it. `declared`: names already
 * declared (parameters); `types`: each local's type, for declarations that
 * cannot carry a value.
 */
export function declareLocals(body: TStmt[], declared: Iterable<string>, types: Map<string, string>): TStmt[] {
  const known = new Set(declared);
  return declareIn(body, known, types);
}

/** Names assigned or read in a statement, nested blocks included. */
function occurrences(s: TStmt): Names {
  const out = new Set<string>();
  stmtReads(s, out);
  const visit = (x: TStmt) => {
    for (const w of stmtWrites(x)) out.add(w);
    if (x.k === "if") [...x.then, ...x.else].forEach(visit);
    if (x.k === "forOf" || x.k === "forRange" || x.k === "while" || x.k === "block") x.body.forEach(visit);
    if (x.k === "forOf") for (const n of patternNames(x.target)) out.add(n);
    if (x.k === "forRange") out.add(x.name);
  };
  visit(s);
  // A loop's own `const` target is the loop's: sibling loops over the same name share no local.
  if (s.k === "forOf") {
    const iter = new Set<string>();
    exprReads(s.iter, iter);
    for (const n of patternNames(s.target)) if (!iter.has(n)) out.delete(n);
  }
  return out;
}

function declareIn(body: TStmt[], declared: Names, types: Map<string, string>): TStmt[] {
  const occ = body.map(occurrences);
  const out: TStmt[] = [];
  const local = new Set(declared);
  // Names first written in this block (not declared above), and where they occur.
  const firstSeen = new Map<string, number>();
  occ.forEach((names, i) => {
    for (const n of names) if (!local.has(n) && !firstSeen.has(n)) firstSeen.set(n, i);
  });
  // A name occurring in more than one statement of this block, whose first occurrence is nested
  // (not a plain assignment at this level), is declared here before that statement.
  const hoisted = new Map<number, string[]>();
  for (const [n, i] of firstSeen) {
    const uses = occ.filter((o) => o.has(n)).length;
    const s = body[i];
    const plain = (s.k === "assign" || s.k === "let") && stmtWrites(s).includes(n);
    if (uses > 1 && !plain) hoisted.set(i, [...(hoisted.get(i) ?? []), n]);
  }
  body.forEach((s, i) => {
    for (const n of hoisted.get(i) ?? []) {
      // First set in a loop and read after it: Python raises if the loop never ran; TypeScript needs `!`.
      // A size set under a branch and read after it under the same test (`c ? n : m`) likewise.
      const loop = body[i].k === "forOf" || body[i].k === "forRange" || body[i].k === "while";
      // Set in one branch of an `if` only and read after it: Python raises when the other ran.
      const st = body[i];
      const oneArm = st.k === "if" && !(st.then.some((x) => occurrences(x).has(n)) && st.else.some((x) => occurrences(x).has(n)));
      const type = types.get(n);
      out.push({ k: "let", name: n, mutable: true, type, ...(loop || oneArm || type === "number" ? { definite: true } : {}) });
      local.add(n);
    }
    out.push(declareStmt(s, local, types, body.slice(i + 1)));
  });
  return out;
}

function declareStmt(s: TStmt, local: Names, types: Map<string, string>, rest: TStmt[]): TStmt {
  switch (s.k) {
    case "assign": {
      const writes = stmtWrites(s);
      const fresh = writes.filter((w) => !local.has(w));
      if (!fresh.length || s.op) return s;
      // Reassigned later (or in a loop) → let.
      const reassigned = fresh.some((w) => rest.some((r) => assignsLater(r, w)));
      if (fresh.length === writes.length) {
        for (const w of fresh) local.add(w);
        const pattern = isPattern(s.target) ? s.target : undefined;
        const name = !pattern && s.target.k === "id" ? s.target.name : fresh[0];
        // A tuple written out (`[a, [b, c]]`) keeps its tuple type; TypeScript would widen it to an array.
        const tuple = !pattern && fresh.length === 1 && s.value.k === "array" ? types.get(name) : undefined;
        const type = tuple?.startsWith("[") ? tuple : undefined;
        return { k: "let", name, value: s.value, mutable: reassigned, pattern, type };
      }
      // Some names exist: declare the new ones first.
      const decls: TStmt[] = fresh.map((w) => ({ k: "let", name: w, mutable: true, type: types.get(w) }));
      for (const w of fresh) local.add(w);
      return { k: "block", body: [...decls, s] } as TStmt;
    }
    case "if":
      return { ...s, then: declareIn(s.then, local, types), else: declareIn(s.else, local, types) };
    case "forOf": {
      const inner = new Set(local);
      for (const n of patternNames(s.target)) inner.add(n);
      return { ...s, body: declareIn(s.body, inner, types) };
    }
    case "forRange": {
      const inner = new Set(local);
      inner.add(s.name);
      return { ...s, body: declareIn(s.body, inner, types) };
    }
    case "while":
      return { ...s, body: declareIn(s.body, new Set(local), types) };
    case "block":
      return { ...s, body: declareIn(s.body, local, types) };
    case "let":
      // A Python local is the function's: one declared already (hoisted before an enclosing block
      // because it is read after it) is assigned here, not shadowed by a block-scoped `let`.
      if (s.value && !s.pattern && !s.raw && local.has(s.name)) return { k: "assign", target: { k: "id", name: s.name }, value: s.value };
      for (const w of stmtWrites(s)) local.add(w);
      return s;
    default:
      return s;
  }
}

function assignsLater(s: TStmt, name: string): boolean {
  if (stmtWrites(s).includes(name)) return true;
  if (s.k === "if") return [...s.then, ...s.else].some((x) => assignsLater(x, name));
  if (s.k === "forOf" || s.k === "forRange" || s.k === "while" || s.k === "block") return s.body.some((x) => assignsLater(x, name));
  return false;
}

/** Unwraps the helper blocks `declareStmt` makes, so declarations sit in their block. */
export function unwrapDeclBlocks(body: TStmt[]): TStmt[] {
  const out: TStmt[] = [];
  for (const s of body) {
    if (s.k === "block" && s.body.some((x) => x.k === "let")) out.push(...unwrapDeclBlocks(s.body));
    else if (s.k === "if") out.push({ ...s, then: unwrapDeclBlocks(s.then), else: unwrapDeclBlocks(s.else) });
    else if (s.k === "forOf" || s.k === "forRange" || s.k === "while") out.push({ ...s, body: unwrapDeclBlocks(s.body) } as TStmt);
    else out.push(s);
  }
  return out;
}

/** Removes record statements (the plain program has none). */
export function stripRecords(body: TStmt[]): TStmt[] {
  const out: TStmt[] = [];
  for (const s of body) {
    if (s.k === "record") continue;
    if (s.k === "if") out.push({ ...s, then: stripRecords(s.then), else: stripRecords(s.else) });
    else if (s.k === "forOf" || s.k === "forRange" || s.k === "while" || s.k === "block") out.push({ ...s, body: stripRecords(s.body) } as TStmt);
    else out.push(s);
  }
  return out;
}
