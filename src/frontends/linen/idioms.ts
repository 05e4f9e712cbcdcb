// Linen's idioms: what `self.param`, `self.variable`, `self.make_rng`,
// `self.is_initializing`, `nn.merge_param`, ... mean, in terms of the
// stager's API.
import type { Framework, IdiomCall } from "../../model/framework.js";
import type { StageApi } from "../../stage/api.js";
import type { Value } from "../../stage/values.js";
import { staticOf } from "../../stage/values.js";
import { LINEN_LAYERS } from "./layers.js";

const SELF_IDIOMS = new Set(["param", "variable", "make_rng", "is_initializing", "has_variable", "has_rng", "sow", "put_variable", "get_variable", "is_mutable_collection", "perturb"]);

function idiom(call: IdiomCall, api: StageApi): Value | undefined {
  switch (call.name) {
    case "self.param":
      return param(call, api);
    case "self.variable":
      return variable(call, api);
    case "self.make_rng": {
      const args = api.bind(call.args, ["name"], "self.make_rng", call.span);
      const name = args?.get("name");
      const v = name ? api.value(name) : undefined;
      const stream = v?.kind === "static" && typeof v.known === "string" ? v.known : "params";
      return api.drawKey(stream, call.span);
    }
    case "self.is_initializing":
      // The constructor is NNX's init; a method never runs during it.
      return staticOf({ t: "bool" }, { k: "bool", value: true }, { k: "bool", value: false });
    case "self.has_variable": {
      // After construction every variable exists; during it, not yet.
      return staticOf({ t: "bool" }, { k: "bool", value: false }, { k: "bool", value: true });
    }
    case "self.is_mutable_collection": {
      // 'params' is mutable while Linen initializes (the constructor here) and not under a plain
      // apply; other collections depend on the caller's `mutable=`, which the method does not see.
      const args = api.bind(call.args, ["col"], "self.is_mutable_collection", call.span);
      const col = args?.get("col");
      const v = col ? api.value(col) : undefined;
      if (!(v?.kind === "static" && v.known === "params")) return api.unsupported(call.span, "self.is_mutable_collection of a collection other than 'params'");
      return staticOf({ t: "bool" }, { k: "bool", value: true }, { k: "bool", value: false });
    }
    case "self.has_rng":
      return staticOf({ t: "bool" }, { k: "bool", value: true }, { k: "bool", value: true }, true);
    case "self.sow":
      return sow(call, api);
    case "flax.linen.scan":
    case "flax.linen.transforms.scan":
      return scan(call, api);
    case "flax.linen.remat":
    case "flax.linen.checkpoint":
    case "flax.linen.transforms.remat":
    case "flax.linen.transforms.checkpoint":
      return identityTransform(call, api, "Checkpoint", NN_CHECKPOINT_PARAMS, ["static_argnums", "prevent_cse", "policy", "concrete"]);
    case "flax.linen.vmap":
    case "flax.linen.transforms.vmap":
      return vmap(call, api);
    case "flax.linen.jit":
    case "flax.linen.transforms.jit":
      // Values as the class's own; its keys are folded from the key each call's fork_rngs makes in the JitBlock's scope.
      return identityTransform(call, api, "Jit", NN_JIT_PARAMS, ["static_argnums", "static_argnames", "donate_argnums", "device", "backend"], { name: "nn.jit", fork: true });
    case "flax.linen.merge_param":
    case "flax.linen.module.merge_param":
      return mergeParam(call, api);
    case "flax.linen.with_logical_partitioning":
    case "flax.linen.with_partitioning":
    case "flax.linen.spmd.with_logical_partitioning": {
      // Sharding metadata: the initializer itself on one device.
      const args = api.bind(call.args, ["fn", "names", "mesh", "rules"], "with_logical_partitioning", call.span);
      const fn = args?.get("fn");
      return fn ? api.value(fn) : api.unsupported(call.span, "with_logical_partitioning without an initializer");
    }
  }
  return undefined;
}

/** `self.param(name, init_fn, *init_args)`: `init_fn(key, *init_args)` once, at construction. */
function param(call: IdiomCall, api: StageApi): Value {
  // `self.param('value', init_fn=...)`: the name and the initializer may be given by keyword.
  const byName = (n: string) => call.args.find((a) => a.name === n);
  const positional = call.args.filter((a) => !a.name);
  const nameArg = byName("name") ?? positional[0];
  const initArg = byName("init_fn") ?? positional[byName("name") ? 0 : 1];
  const initArgs = positional.slice((byName("name") ? 0 : 1) + (byName("init_fn") ? 0 : 1));
  const unexpected = call.args.some((a) => a.star || (a.name && a.name !== "name" && a.name !== "init_fn"));
  if (!nameArg || !initArg || unexpected || (byName("init_fn") && initArgs.length)) {
    return api.unsupported(call.span, "self.param other than self.param(name, init_fn, *init_args)");
  }
  const name = api.value(nameArg.value);
  if (name.kind !== "static" || typeof name.known !== "string") return api.unsupported(nameArg.value.span, "a parameter name that is not a fixed string");
  const init = api.value(initArg.value);
  const args = initArgs.map((a) => api.value(a.value));
  const { read } = api.declareVariable({
    name: name.known,
    collection: "params",
    init,
    convention: args.length <= 2 ? "jax" : { args },
    shape: args[0],
    dtype: args[1],
    drawsKey: true, // Linen's self.param always makes a 'params' rng in the module's scope
    span: call.span,
  });
  return read;
}

/** `h = self.variable(collection, name, init_fn, *init_args)`: a handle; `h.value` reads and sets it. */
function variable(call: IdiomCall, api: StageApi): Value {
  const [colArg, nameArg, initArg, ...initArgs] = call.args;
  if (!colArg || !nameArg || colArg.name || nameArg.name) return api.unsupported(call.span, "self.variable other than self.variable(collection, name, init_fn, *init_args)");
  const col = api.value(colArg.value);
  const name = api.value(nameArg.value);
  if (col.kind !== "static" || typeof col.known !== "string" || name.kind !== "static" || typeof name.known !== "string") {
    return api.unsupported(call.span, "a variable collection or name that is not a fixed string");
  }
  if (!initArg) {
    const existing = api.variable(col.known, name.known);
    if (!existing) return api.unsupported(call.span, `self.variable('${col.known}', '${name.known}') with no initializer before it was created`);
    return { kind: "variable", member: existing.member, read: existing.read, handle: existing.member } as unknown as Value;
  }
  const init = api.value(initArg.value);
  const args = initArgs.map((a) => api.value(a.value));
  const { member, read } = api.declareVariable({ name: name.known, collection: col.known, init, convention: { args }, shape: args.find((a) => a.kind === "tuple" || (a.kind === "static" && (a.type.t === "tuple" || a.type.t === "seq"))), drawsKey: false, span: call.span });
  return { kind: "variable", member, read, handle: member } as unknown as Value;
}

/** `self.sow(col, name, value, reduce_fn=..., init_fn=...)`: NNX's Module.sow into the collection's Variable type. */
function sow(call: IdiomCall, api: StageApi): Value {
  const args = api.bind(call.args, ["col", "name", "value", "reduce_fn", "init_fn"], "self.sow", call.span);
  if (!args?.get("col") || !args.get("name") || !args.get("value")) return api.unsupported(call.span, "self.sow other than self.sow(col, name, value, reduce_fn=..., init_fn=...)");
  const col = api.value(args.get("col")!);
  const name = api.value(args.get("name")!);
  // A name computed per call (`f'act_{i}'` in a loop the method runs) is that string in NNX too.
  const sowName = name.kind === "static" ? (typeof name.known === "string" ? name.known : name.type.t === "str" && name.known === undefined ? name.call : undefined) : undefined;
  if (col.kind !== "static" || typeof col.known !== "string" || !sowName) {
    return api.unsupported(call.span, "a sown collection that is not a fixed string, or a name that is not a string");
  }
  const value = api.value(args.get("value")!);
  if (value.kind !== "array") return api.unsupported(call.span, `self.sow of a value that is not one array`);
  const reduceFn = args.get("reduce_fn") ? api.value(args.get("reduce_fn")!) : undefined;
  const initFn = args.get("init_fn") ? api.value(args.get("init_fn")!) : undefined;
  return api.sow({ collection: col.known, name: sowName, value, reduceFn, initFn, span: call.span });
}

/** nn.scan's parameters, in order. */
const NN_SCAN_PARAMS = ["target", "variable_axes", "variable_broadcast", "variable_carry", "split_rngs", "in_axes", "out_axes", "length", "reverse", "unroll", "data_transform", "metadata_params", "methods"];

/**
 * `nn.scan(Cell, variable_broadcast='params', split_rngs={'params': False}, in_axes=k, out_axes=k)`:
 * one cell whose parameters every step shares; `nn.scan(Block, variable_axes={'params': 0},
 * split_rngs={'params': True}, length=n)`: n stacked layers. Other settings are reported.
 */
function scan(call: IdiomCall, api: StageApi): Value {
  const args = api.bind(call.args, NN_SCAN_PARAMS, "nn.scan", call.span);
  if (!args?.get("target")) return api.unsupported(call.span, "nn.scan without a module");
  const target = api.value(args.get("target")!);
  const known = (k: string) => {
    const e = args.get(k);
    if (!e) return undefined;
    const v = api.value(e);
    return v.kind === "static" ? v.known : "?";
  };
  const axes = known("variable_axes");
  const broadcast = known("variable_broadcast");
  const split = known("split_rngs") as Record<string, unknown> | string | undefined;
  const extra = ["variable_carry", "unroll", "data_transform", "metadata_params", "methods"].filter((k) => args.get(k));
  if (extra.length) return api.unsupported(call.span, `nn.scan with ${extra.map((k) => `${k}=`).join(", ")}`);
  const splitObj = split && typeof split === "object" ? split : {};
  // What the step sows (self.sow) into 'intermediates' scanned on an axis: Linen stacks it along that axis; Module.sow here keeps one value per step.
  if (axes && typeof axes === "object" && "intermediates" in axes) return api.unsupported(call.span, "nn.scan with variable_axes for 'intermediates' (Linen stacks what each step sows along the scan axis; the translation's Module.sow keeps one value per step)");
  if (axes && typeof axes === "object" && (axes as Record<string, unknown>).params === 0) {
    if ((splitObj as Record<string, unknown>).params !== true || !args.get("length") || args.get("in_axes") || args.get("out_axes") || args.get("reverse")) {
      return api.unsupported(call.span, "nn.scan over layers other than with split_rngs={'params': True, ...} and a length");
    }
    const splitRngs = Object.entries(splitObj).filter(([, v]) => v === true).map(([k]) => k);
    return { kind: "lifted", transform: "stack", target, length: api.value(args.get("length")!), namePrefix: "Scan", splitRngs };
  }
  const inAxis = known("in_axes") ?? 0;
  const outAxis = known("out_axes") ?? 0;
  if (broadcast !== "params" || (splitObj as Record<string, unknown>).params !== false || typeof inAxis !== "number" || typeof outAxis !== "number" || args.get("length")) {
    return api.unsupported(call.span, "nn.scan other than over a step with variable_broadcast='params', split_rngs={'params': False} and integer in_axes/out_axes (or over layers with variable_axes={'params': 0})");
  }
  const reverse = known("reverse");
  return { kind: "lifted", transform: "scan", target, inAxis, outAxis, reverse: reverse === true, namePrefix: "Scan" };
}

/** nn.vmap's parameters, in order (flax/linen/transforms.py). */
const NN_VMAP_PARAMS = ["target", "variable_axes", "split_rngs", "in_axes", "out_axes", "axis_size", "axis_name", "spmd_axis_name", "metadata_params", "methods"];

/**
 * `nn.vmap(MLP, variable_axes={'params': 0}, split_rngs={'params': True},
 * in_axes=..., out_axes=..., axis_size=n)`: an ensemble of n members, each
 * with its own parameters (stacked on axis 0, as NNX's split_rngs + vmap
 * builds them); each call runs every member on its slice of the mapped
 * arguments. Linen splits each listed rng stream's root key per member
 * (flax/core/lift.py vmap) and names the class `VmapMLP`. Shared parameters
 * (variable_axes={'params': None}), other axes and per-method settings are reported.
 */
function vmap(call: IdiomCall, api: StageApi): Value {
  const args = api.bind(call.args, NN_VMAP_PARAMS, "nn.vmap", call.span);
  const targetArg = args?.get("target");
  if (!args || !targetArg) return api.unsupported(call.span, "nn.vmap without a module class");
  const known = (k: string): unknown => {
    const e = args.get(k);
    if (!e) return undefined;
    const v = api.value(e);
    return v.kind === "static" ? v.known : v.kind === "tuple" || v.kind === "list" ? v.items.map((i) => (i.kind === "static" ? i.known : "?")) : "?";
  };
  // variable_axes and split_rngs as dicts (anything else is reported below).
  const dict = (x: unknown): Record<string, unknown> | undefined => (x && typeof x === "object" && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined);
  const axes = dict(known("variable_axes"));
  const split = dict(known("split_rngs"));
  const isAxis = (a: unknown) => a === null || (typeof a === "number" && Number.isInteger(a) && a >= 0);
  // None is an axis setting of its own (the same value for every member), not the default.
  const inAxes = args.get("in_axes") ? known("in_axes") : 0;
  const outAxes = args.get("out_axes") ? known("out_axes") : 0;
  const methods = args.get("methods") && known("methods") !== null ? known("methods") : ["__call__"];
  const axisSize = args.get("axis_size");
  const axisSizeValue = axisSize ? api.value(axisSize) : undefined;
  // variable_axes={'params': None}, split_rngs={'params': False}: parameters shared by every element.
  const shared = !!axes && axes.params === null && Object.values(axes).every((a) => a === null);
  const sharedSplit = !!split && Object.values(split).every((v) => v === false);
  if (shared && !sharedSplit) return api.unsupported(call.span, "nn.vmap with shared parameters (variable_axes={'params': None}) other than with split_rngs all False");
  if (!shared && (!axes || axes.params !== 0 || Object.values(axes).some((a) => a !== 0))) {
    return api.unsupported(call.span, "nn.vmap other than with variable_axes={'params': 0} (an ensemble whose members have their own parameters) or {'params': None} (shared)");
  }
  if (!shared && (!split || split.params !== true || Object.values(split).some((v) => typeof v !== "boolean"))) {
    return api.unsupported(call.span, "nn.vmap other than with split_rngs={'params': True, ...} (members drawn from one key would be identical)");
  }
  if (!(isAxis(inAxes) || (Array.isArray(inAxes) && inAxes.every(isAxis)))) return api.unsupported(call.span, "nn.vmap with in_axes other than an axis, None or a tuple of them");
  if (typeof outAxes !== "number" || !isAxis(outAxes)) return api.unsupported(call.span, "nn.vmap with out_axes other than one non-negative axis");
  if (!Array.isArray(methods) || !methods.every((m) => typeof m === "string")) return api.unsupported(call.span, "nn.vmap with methods= other than a list of method names (a dict sets each method's own transform arguments)");
  if (axisSizeValue && (axisSizeValue.kind !== "static" || axisSizeValue.type.t !== "int")) return api.unsupported(call.span, "nn.vmap with an axis_size that is not an integer");
  const target = api.value(targetArg);
  if (target.kind !== "class" && !(target.kind === "global" && LINEN_LAYERS[target.name])) return api.unsupported(call.span, "nn.vmap of anything but a module class (of this file, or a Linen layer)");
  if (shared) {
    return { kind: "lifted", transform: "identity", target, ...(axisSizeValue ? { length: axisSizeValue } : {}), namePrefix: "Vmap", vmap: { inAxes: inAxes as number | null | Array<number | null>, outAxis: outAxes, methods: methods as string[], shared: true } };
  }
  const splitRngs = Object.entries(split!).filter(([, v]) => v === true).map(([k]) => k);
  return {
    kind: "lifted",
    transform: "stack",
    target,
    ...(axisSizeValue ? { length: axisSizeValue } : {}),
    namePrefix: "Vmap",
    splitRngs,
    vmap: { inAxes: inAxes as number | null | Array<number | null>, outAxis: outAxes, methods: methods as string[] },
  };
}

/** nn.jit's parameters, in order (flax/linen/transforms.py). */
const NN_JIT_PARAMS = ["target", "variables", "rngs", "static_argnums", "static_argnames", "donate_argnums", "device", "backend", "methods"];

/** nn.checkpoint's (nn.remat's) parameters, in order (flax/linen/transforms.py). */
const NN_CHECKPOINT_PARAMS = ["target", "variables", "rngs", "concrete", "prevent_cse", "static_argnums", "policy", "methods"];

/**
 * `nn.remat(Block)` / `nn.checkpoint(Block, ...)`: the same class, computing
 * the same values (rematerialization trades memory for recomputation in the
 * backward pass, and its rngs are the class's own). Linen names the
 * transformed class `transform.__name__.capitalize() + Block.__name__`
 * (`CheckpointBlock_0`), so the prefix stays for the param map.
 * `nn.jit(Block)` computes the same too (`JitBlock_0`), but each call first
 * forks the rngs (flax/linen/transforms.py fork_rngs: make_rng in the
 * JitBlock's scope), so its parameters' keys are folded from that key.
 * Settings that only tune memory or compilation are accepted; lifting only
 * some collections, rngs or methods is reported.
 */
function identityTransform(call: IdiomCall, api: StageApi, prefix: string, params: string[], harmless: string[], { name = "nn.remat", fork = false } = {}): Value {
  const args = api.bind(call.args, params, name, call.span);
  const targetArg = args?.get("target");
  if (!args || !targetArg) return api.unsupported(call.span, `${name} without a module class`);
  const other = [...args.keys()].filter((k) => k !== "target" && !harmless.includes(k));
  if (other.length) return api.unsupported(call.span, `${name} with ${other.map((k) => `${k}=`).join(", ")}`);
  const target = api.value(targetArg);
  const layer = target.kind === "global" && LINEN_LAYERS[target.name];
  if (target.kind !== "class" && !layer) return api.unsupported(call.span, `${name} of anything but a module class (of this file, or a Linen layer)`);
  // nn.jit's fork_rngs: its keys come from a key made in its own scope at each call (the param plan folds from it).
  return { kind: "lifted", transform: "identity", target, namePrefix: prefix, ...(fork ? { fork: true } : {}) };
}

/** `nn.merge_param(name, a, b)`: whichever is not None; a train/eval flag if either is one. */
function mergeParam(call: IdiomCall, api: StageApi): Value {
  const args = api.bind(call.args, ["name", "a", "b"], "nn.merge_param", call.span);
  if (!args) return api.unsupported(call.span, "nn.merge_param");
  const a = api.value(args.get("a")!);
  const b = api.value(args.get("b")!);
  if (a.kind === "mode") return a;
  if (b.kind === "mode") return b;
  if (a.kind === "static" && a.known === null) return b;
  if (b.kind === "static" && b.known === null) return a;
  return api.unsupported(call.span, "nn.merge_param of two values that may both be set");
}

export const linenFramework: Framework = {
  name: "linen",
  origin: "Flax Linen",
  layers: LINEN_LAYERS,
  idiom,
  selfIdioms: SELF_IDIOMS,
  moduleBase: (cls) => cls,
  variableType: (collection) => standardType(collection) ?? pascal(collection),
  // model.apply({'params': p, ...}, *inputs, rngs={...}, mutable=[...], method=...)
  applySignature: () => ({ variables: "dict", rng: "rngsKeyword", returnsState: "mutable" }),
};

export function standardType(collection: string): string | undefined {
  return ({ params: "nnx.Param", batch_stats: "nnx.BatchStat", cache: "nnx.Cache", intermediates: "nnx.Intermediate" } as Record<string, string>)[collection];
}

export function pascal(name: string): string {
  return name.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}
