// Where staged statements go. A method's body is staged into two programs at
// once: the constructor (what is fixed when the module is built: its
// submodules, its variables, the sizes they need) and the method itself (what
// runs per call). A Block is one nesting level of both; either side may be
// absent (a branch on a call argument exists only in the method).
import type { TStmt } from "../ts/ast.js";
import type { LoopFrame, Value } from "./values.js";

export interface Block {
  ctor?: TStmt[];
  call?: TStmt[];
}

export class Frame {
  /** Python locals → what they hold. */
  env: Map<string, Value>;
  block: Block;
  /** Static loops the current point is inside, innermost last. */
  loops: LoopFrame[] = [];
  /** Inside a conditional (within the innermost loop, or anywhere when not in a loop). */
  conditional = false;
  /** Values returned so far. */
  returns: Value[] = [];
  /** The constructor does not mirror this block (a branch on a call argument). */
  callOnly = false;
  /** The method's locals' TypeScript types. */
  types = new Map<string, string>();
  /** Emits the return statement itself (an enclosing interpreter's function: a training step). */
  onReturn?: (v: Value, span: import("../span.js").Span) => void;
  /** Names bound in the constructor since each open block began (innermost last). */
  ctorScopes: Set<string>[] = [new Set()];
  /** TypeScript locals the generated method has used so far (shared with the frames of inlined functions). */
  names = new Set<string>();
  /** An inlined function's Python locals, renamed where they would clash with the caller's. */
  rename = new Map<string, string>();
  /** The function whose body this frame stages in place (its locals are its own). */
  inline?: string;
  /** Constructions here are already recorded (a list's items, recorded where the list was made). */
  noRecord?: boolean;
  /** Statements the generated method starts with (running counters), shared by nested frames. */
  top: TStmt[] = [];

  /** Declares a local at the top of the generated method, once. */
  emitCallAtTop(s: TStmt): void {
    if (s.k === "let" && this.top.some((t) => t.k === "let" && t.name === s.name)) return;
    this.top.push(s);
  }

  constructor(
    /** The method staged (`__call__`, `setup`, a helper's name). */
    readonly method: string,
    /** Discard what is staged: a trial pass (loop-carried sizes) or a shape-only look at a callee. */
    readonly dry: boolean,
    env?: Map<string, Value>,
  ) {
    this.env = env ?? new Map();
    this.block = dry ? {} : { ctor: [], call: [] };
  }

  emitCtor(s: TStmt): void {
    if (!this.callOnly) this.block.ctor?.push(s);
  }

  emitCall(s: TStmt): void {
    this.block.call?.push(s);
  }

  /** Runs `f` with a fresh nested block; returns its statements. */
  nested(f: () => void, options: { ctor?: boolean; call?: boolean } = {}): Block {
    const saved = this.block;
    const inner: Block = {
      ctor: saved.ctor && options.ctor !== false ? [] : undefined,
      call: saved.call && options.call !== false ? [] : undefined,
    };
    this.block = inner;
    this.ctorScopes.push(new Set());
    try {
      f();
    } finally {
      this.block = saved;
      const names = this.ctorScopes.pop()!;
      // A name bound inside may be read after: the enclosing scope sees it bound there.
      for (const n of names) this.ctorScopes[this.ctorScopes.length - 1].add(n);
    }
    return inner;
  }

  /** The TypeScript local a Python local is written to. */
  tsLocal(name: string): string {
    const r = this.rename.get(name);
    if (r) return r;
    let out = name;
    if (this.inline && this.names.has(name)) {
      for (let k = 1; this.names.has(out); k++) out = `${name}_${k}`;
    }
    this.names.add(out);
    if (this.inline) this.rename.set(name, out);
    return out;
  }

  noteCtorName(name: string): void {
    this.ctorScopes[this.ctorScopes.length - 1].add(name);
  }
}
