// How the source draws its initial parameters: walks the entry method in
// execution order, as init runs it, and records for each parameter its
// default initializer and its key (Linen: scope path and make_rng count;
// Haiku: position in the init call's key sequence).
import { LAYERS } from "../ir/layers.js";
import type { Child, Expr, Method, ModuleDef, Program, SampleInput } from "../ir/model.js";
import { nnxName } from "../ir/naming.js";
import { selectedMode } from "../ir/walk.js";
import { moduleOf } from "./order.js";

// The plan is data the generated code hands to the runtime: one shape for both.
export type { SourceInit as SourceInitPlan, SourceInitParam } from "../../runtime/source-init.js";
import type { SourceInit as SourceInitPlan, SourceInitParam } from "../../runtime/source-init.js";

/**
 * The plan, or why there is none (then no seed-exact construction is offered
 * and verify copies weights instead).
 */
export function sourceInitPlan(program: Program): {
  plan?: SourceInitPlan;
  reason?: string;
  dropoutMissing?: string;
  /** The sample inputs init's own call gets, when the plan has `fromCall`. */
  initInputs?: SampleInput[];
} {
  const params: SourceInitParam[] = [];
  const counters = new Map<string, number>();
  const created = new Set<string>();
  let draws = 0;
  let complete = true;
  let scanDraws = false;
  let nestedStacks = false;
  /** Variables that start from what init's own call sets them to. */
  const fromCall: string[] = [];
  const dropout: NonNullable<SourceInitPlan["dropout"]> = [];
  /** Inside a layer stack: how its layers' keys derive (Haiku: from which outer draws). */
  let stack: { draw?: number; applyDraw?: number; rngs?: string[] } | undefined;
  let dropoutMissing: string | undefined;

  /** Haiku: the next key of the init call's sequence; Linen: the scope's next make_rng count. */
  const drawKey = (entry: SourceInitParam, scope: string[]) => {
    if (stack) entry.stack = stack.draw === undefined ? {} : { draw: stack.draw };
    if (program.naming.keys === "haiku") {
      entry.draw = draws++;
      return;
    }
    const scopeKey = scope.join("/");
    entry.scope = scope;
    entry.counter = (counters.get(scopeKey) ?? 0) + 1;
    counters.set(scopeKey, entry.counter);
  };

  const runMethod = (def: ModuleDef, method: Method, scope: string[], path: string[], depth: number) => {
    if (depth > 16) return;
    // The module's own parameters, created in its own scope as the method first runs.
    for (const v of def.variables.filter((x) => x.type === "Param")) {
      const key = [...path, nnxName(v.attr)].join(".");
      if (created.has(key)) continue;
      created.add(key);
      const entry: SourceInitParam = { path: key, init: v.init };
      if (v.draws) drawKey(entry, scope);
      params.push(entry);
    }
    for (const stmt of method.body) visit(stmt.value, def, scope, path, depth);
  };

  const visit = (e: Expr, def: ModuleDef, scope: string[], path: string[], depth: number): void => {
    // Arguments run before the call that receives them.
    if (e.kind === "callChild" || e.kind === "callSelf" || e.kind === "op") for (const a of e.args) visit(a, def, scope, path, depth);
    if (e.kind === "binary") [e.left, e.right].forEach((x) => visit(x, def, scope, path, depth));
    if (e.kind === "unary") visit(e.operand, def, scope, path, depth);
    if (e.kind === "callSelf") {
      const m = def.methods.find((x) => x.name === e.method);
      if (m) runMethod(def, m, scope, path, depth + 1);
    }
    // A scanned step: its parameters are created as the first step runs (Haiku unrolls
    // it at init; nn.scan broadcasting params without splitting their rng gives the
    // step the scope's own keys). Keys drawn at every step are another matter.
    if (e.kind === "scan") {
      if (drawsPerCall(program, def.children.find((c) => c.attr === e.child)!)) scanDraws = true;
      [e.carry, e.xs].forEach((x) => visit(x, def, scope, path, depth));
      return visit({ kind: "callChild", child: e.child, method: e.method, args: [], span: e.span }, def, scope, path, depth);
    }
    if (e.kind !== "callChild") return;
    const child = def.children.find((c) => c.attr === e.child)!;
    if (child.stack) {
      visitStack(child, e, def, scope, path, depth);
      return;
    }
    visitChild(child, e, scope, path, depth);
  };

  /**
   * A layer stack. Haiku's layer_stack draws two keys from the outer sequence
   * (the first starts the layers' init chain, the second is split for their
   * applies) and each layer draws from a sequence of its own; Linen's nn.scan
   * splits the 'params' key per layer and keeps counting in the same scopes.
   */
  const visitStack = (child: Child, e: Expr & { kind: "callChild" }, def: ModuleDef, scope: string[], path: string[], depth: number) => {
    if (stack) nestedStacks = true;
    const outer = { draws, stack };
    stack = program.naming.keys === "haiku" ? { draw: draws, applyDraw: draws + 1 } : { rngs: child.source.stackRngs };
    draws = 0;
    const first = params.length;
    visitChild(child, e, scope, path, depth);
    draws = outer.draws + (program.naming.keys === "haiku" ? 2 : 0);
    // Linen's scan traces its body twice (shapes first), counting make_rng in both: the
    // values come from the second trace.
    for (const p of params.slice(first)) if (p.counter !== undefined) p.counter += counters.get(p.scope!.join("/"))!;
    stack = outer.stack;
  };

  const visitChild = (child: Child, e: Expr & { kind: "callChild" }, scope: string[], path: string[], depth: number) => {
    const childScope = child.source.segment ? [...scope, ...child.source.segment.split("/")] : scope;
    const childPath = [...path, nnxName(child.attr)];
    if (child.ctor.kind === "module") {
      const callee = moduleOf(program, child.ctor.module);
      const m = callee.methods.find((x) => x.name === e.method);
      if (m) runMethod(callee, m, childScope, childPath, depth + 1);
      return;
    }
    const key = childPath.join(".");
    if (child.ctor.layer === "Dropout") {
      const known = dropout.find((d) => d.path === key);
      if (known?.stack) known.stack.callsPerLayer = (known.stack.callsPerLayer ?? 0) + 1;
      else if (!known) {
        const entry: NonNullable<SourceInitPlan["dropout"]>[number] = program.naming.keys === "haiku" ? { path: key } : { path: key, scope: childScope };
        if (stack) entry.stack = { ...(stack.applyDraw === undefined ? {} : { draw: stack.applyDraw }), callsPerLayer: 1 };
        if (stack?.rngs && !stack.rngs.includes("dropout")) {
          dropoutMissing = "the original cannot run its layer stack in train mode: nn.scan's split_rngs has no 'dropout', so the layers get no dropout rng (Linen raises InvalidRngError)";
        }
        dropout.push(entry);
      }
    }
    for (const name of child.source.initialFromCall ?? []) if (!fromCall.includes(`${key}.${name}`)) fromCall.push(`${key}.${name}`);
    if (!created.has(key)) {
      created.add(key);
      const { init = {}, draws: drawing = [] } = child.source;
      const vars = LAYERS[child.ctor.layer].variables(child.ctor.options).filter((v) => v.type === "Param");
      const order = [...drawing, ...vars.map((v) => v.name).filter((n) => !drawing.includes(n))];
      for (const name of order) {
        if (!vars.some((v) => v.name === name)) continue;
        const initializer = init[name];
        if (!initializer) complete = false;
        const entry: SourceInitParam = { path: `${key}.${name}`, init: initializer ?? "zeros" };
        if (drawing.includes(name)) drawKey(entry, childScope);
        params.push(entry);
      }
    }
    draws += child.source.callDraws ?? 0;
  };

  const root = moduleOf(program, program.entry.module);
  const entry = root.methods.find((m) => m.name === program.entry.method);
  if (!entry) return { reason: "the entry method is missing" };
  runMethod(root, entry, [], [], 0);
  if (!complete) return { reason: "a parameter's default initializer is not known" };
  if (nestedStacks) return { reason: "the keys of layer stacks inside layer stacks are not reproduced yet" };
  if (scanDraws) return { reason: "the keys a scanned step draws at every step (dropout) are not reproduced yet" };
  const withDropout = dropout.length && !dropoutMissing ? { dropout } : {};
  let initCall: ReturnType<typeof initCallOf> = {};
  if (fromCall.length) {
    initCall = initCallOf(program, entry, dropout.length > 0);
    if (!initCall.call) return { reason: initCall.missing };
  }
  return {
    plan: {
      ...(program.naming.keys === "haiku" ? { keys: "haiku", params, draws } : { keys: "linen", params }),
      ...withDropout,
      ...(initCall.call ? { fromCall: { keep: fromCall, ...(initCall.call.train === undefined ? {} : { train: initCall.call.train }) } } : {}),
    },
    initInputs: initCall.call?.inputs,
    dropoutMissing,
  };
}

/** Whether calling this child draws keys beyond its parameters' (dropout), anywhere below it. */
function drawsPerCall(program: Program, child: Child, depth = 0): boolean {
  if (child.ctor.kind === "layer") return child.ctor.layer === "Dropout";
  const def = moduleOf(program, child.ctor.module);
  return depth < 16 && def.children.some((c) => drawsPerCall(program, c, depth + 1));
}

/**
 * The init call's mode and constant sample inputs, which the seeded factory
 * replays so that variables the source creates during that call start alike.
 */
function initCallOf(program: Program, entry: Method, dropout: boolean): { call?: { train?: boolean; inputs: SampleInput[] }; missing?: string } {
  const train = selectedMode(entry, program.entry.modeArgs);
  if (train === "mixed") return { missing: "the init call's flags disagree on train or eval mode" };
  if (train && dropout) return { missing: "the init call runs dropout in train mode, and batch norm's averages start from that call" };
  const inputs = program.entry.inputs;
  if (!inputs.every((i) => i.fill)) return { missing: "batch norm's averages start from the init call's sample input, which is not constant (jnp.ones or jnp.zeros)" };
  return { call: { train, inputs } };
}
