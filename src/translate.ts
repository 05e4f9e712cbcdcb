// parse → lower → recognize → stage → print → format → type-check, for one file
// (and for a folder's files, type-checked together).
import { DiagnosticBag, DiagnosticError } from "./diagnostics.js";
import { parsePython } from "./parse/parser.js";
import { Lowering } from "./python/lower.js";
import type { Program } from "./model/program.js";
import { linenProgram } from "./frontends/linen/index.js";
import { haikuProgram } from "./frontends/haiku/index.js";
import { stageProgram, type StagedProgram } from "./stage/program.js";
import { printModule } from "./ts/print.js";
import { formatTypeScript } from "./ts/format.js";
import { typeCheck, typeCheckAll, type TypeError } from "./ts/typecheck.js";
import { VERSION } from "./version.js";
import { instantiate, type ModuleEntry, type ParamMapEntry, type SourceInitPlan } from "./instantiate/index.js";
import type { TDecl, TExpr, TStmt } from "./ts/ast.js";
import type { SampleInput } from "./model/program.js";
import { entryFromRequest, parseEntryExpr, type EntryRequest } from "./frontends/common/entry-override.js";
import { reportLeftOut } from "./stage/left-out.js";
import { linkImports, type Links } from "./python/packages.js";
import { importFromSiblings, type SiblingOutput, type SiblingTranslation } from "./sibling-imports.js";
import { readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";

export type Framework = "haiku" | "linen";

/** The param map as written next to the TypeScript (`model.params.json`). */
export interface ParamMapDocument {
  generatedBy: string;
  source: string;
  framework: Framework;
  module: string;
  factory: string;
  /** Builds the model with the source's own initial parameters for a seed (absent when unknown). */
  seededFactory?: string;
  /** The entry expression, in the source's language. */
  entry: string;
  inputs: SampleInput[];
  params: ParamMapEntry[];
  /** What the model's modules sow (Linen self.sow): the source's `collection/scope/name` and the NNX path sow stores it at. */
  sown?: Array<{ source: string; nnx: string; collection: string; pattern?: true }>;
}

export interface Translation {
  /** The classes that translated (a class with an unsupported construct, and those using it, are left out: see `failed`). */
  code: string;
  /** Module classes left out, with what stopped each (its diagnostics say where). */
  failed: Map<string, string>;
  program: Program;
  staged: StagedProgram;
  diagnostics: DiagnosticBag;
  /** For the entry, when the file has one (or verify gives one). */
  paramMap?: ParamMapDocument;
  plan?: SourceInitPlan;
  planMissing?: string;
  dropoutMissing?: string;
  /** The user's other files this one uses definitions of, and how Python runs it among them. */
  links: Links;
  /** The other converted files `code` imports from (their own translations), transitively. */
  siblings: SiblingOutput[];
  /** The sources `code` imports from, with the module path it imports (`./blocks.js`). */
  importsFrom: Array<{ source: string; specifier: string }>;
  framework: Framework;
  /** When `code` imports from other converted files: the same program with its own copy of everything (a fixture's copy). */
  standalone?: string;
}

export interface TranslateOptions {
  sourceLabel?: string;
  framework?: Framework;
  skipTypeCheck?: boolean;
  /** An entry to build the model for, instead of the file's own `init` call. */
  entry?: EntryRequest;
  /** A file that imports neither framework (a config-only file) is read as the framework of the file importing it. */
  importedBy?: Framework;
  /** The other files' own translations, shared by the files of one run (by absolute path). */
  siblingCache?: Map<string, Promise<SiblingTranslation | undefined>>;
  /** The files whose translation asked for this one (an import cycle is not followed). */
  siblingStack?: string[];
}

/** Which framework a file is written for, from its imports. */
export function detectFramework(modules: string[]): Framework | undefined {
  const haiku = modules.some((m) => m === "haiku" || m.startsWith("haiku."));
  const linen = modules.some((m) => m === "flax.linen" || m.startsWith("flax.linen") || m === "flax");
  if (haiku && !linen) return "haiku";
  if (linen && !haiku) return "linen";
  if (haiku && linen) return undefined;
  return undefined;
}

export async function translate(file: string, input: string, options: TranslateOptions = {}): Promise<Translation> {
  const diags = new DiagnosticBag(file);
  // Python reads CRLF and a lone CR as line ends, in strings too (its tokenizer translates them first).
  const text = input.replace(/\r\n?/g, "\n");
  const source = parsePython(file, text, diags);
  diags.throwIfErrors();
  const lowering = new Lowering(source.root, file);
  // Definitions used from the user's other files are linked in as if this file had them (their spans name their files).
  const entryExprs = options.entry ? [options.entry.expr, ...Object.values(options.entry.kwargs)].flatMap((t) => parseEntryExpr(t, file, lowering, new DiagnosticBag(file)) ?? []) : [];
  const links = linkImports(file, lowering.module(), lowering, diags, entryExprs);
  for (const bag of links.problems) for (const d of bag.items) diags.error(d.code, d.message, d.span && { ...d.span, file: d.file });
  const module = links.module;
  const modules = lowering.imports.modules;
  const neither = !modules.some((m) => m === "haiku" || m.startsWith("haiku.") || m === "flax" || m.startsWith("flax.linen"));
  const framework = options.framework ?? detectFramework(modules) ?? (neither ? options.importedBy : undefined);
  if (!framework) {
    diags.error("NNX301", "this file imports neither Haiku nor Flax Linen (or both); nnxport translates one framework per file");
    throw new DiagnosticError(diags.items);
  }
  const program = framework === "linen" ? linenProgram(module, text, diags) : haikuProgram(module, text, diags);
  if (options.entry) program.entry = entryFromRequest(options.entry, program, lowering, diags, links.relink);
  // What the frontend found wrong inside a module class fails that class only; anything else stops here.
  const failedBefore = new Map<string, string>();
  for (const d of diags.items) {
    if (d.severity !== "error") continue;
    const owner = d.span && [...program.classes, ...program.transformed.values()].find((c) => c.span.file === d.span!.file && c.span.line <= d.span!.line && d.span!.line <= c.span.endLine);
    if (!owner) throw new DiagnosticError(diags.items);
    failedBefore.set(owner.name, d.message);
  }
  const origin = program.framework.origin;
  const header = [`Generated by nnxport ${VERSION} from ${options.sourceLabel ?? file} (${origin}).`, "Regenerate with `nnxport convert` rather than editing by hand."];
  const staged = stageProgram(program, diags, header, failedBefore);
  reportLeftOut(program, staged.ctx, diags);
  let paramMap: ParamMapDocument | undefined;
  let plan: SourceInitPlan | undefined;
  let planMissing: string | undefined;
  let fromCallCall: TExpr | undefined;
  let dropoutMissing: string | undefined;
  // A class whose TypeScript does not type-check (an nnxport bug) is left out like one that does not translate.
  if (!options.skipTypeCheck) await dropIllTyped(staged, diags);
  if (staged.factory && program.entry) {
    try {
      const inst = await instantiate(staged.instrumented(), { framework, factory: staged.factory });
      plan = inst.plan;
      planMissing = inst.planMissing;
      dropoutMissing = inst.dropoutMissing;
      paramMap = {
        generatedBy: `nnxport ${VERSION}`,
        source: options.sourceLabel ?? file,
        framework,
        module: staged.entryClass!,
        factory: staged.factory,
        seededFactory: plan ? `create${staged.entryClass}FromSourceSeed` : undefined,
        entry: program.entry.text,
        inputs: program.entry.inputs,
        params: inst.params,
      };
      const sown = sownPaths(staged.ctx.sown, inst.modules ?? []);
      if (sown.length) paramMap.sown = sown;
      if (plan?.fromCall) {
        // The source's init call sets these: the seeded factory replays it, on the source's constant sample.
        const replay = initCallReplay(program, staged);
        if (replay.missing) {
          planMissing = replay.missing;
          plan = undefined;
          paramMap.seededFactory = undefined;
        } else plan.fromCall.train = replay.train;
        if (replay.call) fromCallCall = replay.call;
      }
      if (plan) staged.module.decls.push(...seededFactory(staged.entryClass!, staged.factory, plan, origin, fromCallCall));
    } catch (e) {
      if (process.env.NNXPORT_DEBUG) process.stderr.write(`${printModule(staged.module)}\n${(e as Error).stack}\n`);
      const message = (e as Error).message.split("\n")[0];
      // A size that is no whole number of at least 0 (`latent: int = 2.5`, a sample of shape (4, -3)): JAX fails on it too.
      if (/^invalid shape [[(]/.test(message)) diags.error("NNX305", `the entry's model cannot be built: ${message}, a size that is not a whole number of at least 0 (JAX raises on it too)`, program.entry.span);
      else diags.error("NNX403", `building the translated model for the entry failed (an nnxport bug): ${message}`, program.entry.span);
      throw new DiagnosticError(diags.items);
    }
  }
  // Definitions of the user's other files: imported from their outputs where this file's translation of them is theirs.
  const cache = options.siblingCache ?? new Map<string, Promise<SiblingTranslation | undefined>>();
  const stack = [...(options.siblingStack ?? []), resolvePath(file)];
  const linked = await importFromSiblings(file, staged.module, links, (source) => siblingTranslation(source, { ...options, importedBy: framework }, cache, stack));
  const raw = printModule(linked.module);
  let code: string;
  try {
    code = await formatTypeScript(raw);
  } catch (e) {
    diags.error("NNX401", `the generated TypeScript does not parse (an nnxport bug): ${(e as Error).message.split("\n")[0]}`);
    throw new DiagnosticError(diags.items);
  }
  const standalone = linked.importsFrom.length ? await formatTypeScript(printModule(staged.module)) : undefined;
  if (!options.skipTypeCheck) {
    const errors = linked.siblings.length ? typeCheckAll([code, ...linked.siblings.map((x) => x.code)], [file, ...linked.siblings.map((x) => x.source)])[0] : typeCheck(code);
    // The code that does not type-check, to see where (an nnxport bug).
    if (errors.length && process.env.NNXPORT_DEBUG) process.stderr.write(`${code}\n`);
    reportTypeErrors(diags, errors);
  }
  return { code, failed: staged.ctx.failed, program, staged, diagnostics: diags, paramMap, plan, planMissing, dropoutMissing, links, siblings: linked.siblings, importsFrom: linked.importsFrom, framework, standalone };
}

/** Another file's own translation, as converting it would write it (undefined when it does not translate, or imports back). */
function siblingTranslation(source: string, options: TranslateOptions, cache: Map<string, Promise<SiblingTranslation | undefined>>, stack: string[]): Promise<SiblingTranslation | undefined> {
  if (stack.includes(source)) return Promise.resolve(undefined);
  let pending = cache.get(source);
  if (!pending) {
    pending = (async () => {
      try {
        const t = await translate(source, readFileSync(source, "utf8"), { framework: options.framework, importedBy: options.importedBy, skipTypeCheck: true, siblingCache: cache, siblingStack: stack });
        return { decls: t.staged.module.decls, code: t.code, siblings: t.siblings };
      } catch (e) {
        if (e instanceof DiagnosticError) return undefined;
        throw e;
      }
    })();
    cache.set(source, pending);
  }
  return pending;
}

/**
 * Type-checks the staged program and leaves out each class its errors fall in
 * (NNX402, naming the class), and so on until what is left type-checks; errors
 * outside any class stop the translation.
 */
async function dropIllTyped(staged: StagedProgram, diags: DiagnosticBag): Promise<void> {
  for (let round = 0; round < 8; round++) {
    const code = await formatTypeScript(printModule(staged.module)).catch(() => undefined);
    if (code === undefined) return; // reported where the final code is formatted
    const problems = typeCheck(code);
    if (!problems.length) return;
    if (process.env.NNXPORT_DEBUG) process.stderr.write(`${code}\n`);
    const lines = code.split("\n");
    const owners = new Set<string>();
    for (const err of problems) {
      const owner = declarationAt(lines, err.line, staged);
      if (!owner) {
        diags.error("NNX402", `the generated TypeScript does not type-check (an nnxport bug): line ${err.line}: ${err.message}`);
        throw new DiagnosticError(diags.items);
      }
      diags.error("NNX402", `${owner} is left out: its TypeScript does not type-check (an nnxport bug): ${err.message.split("\n")[0]}`);
      owners.add(owner);
    }
    for (const o of owners) staged.drop(o);
  }
}

/** The module class a line of the generated code belongs to (its options, config type, class, or the entry's factory). */
function declarationAt(lines: string[], line: number, staged: StagedProgram): string | undefined {
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const m = /^(?:export )?(?:class|interface|function|type|const) ([A-Za-z_$][\w$]*)/.exec(lines[i]);
    if (!m) continue;
    const name = m[1];
    const classes = [...staged.ctx.summaries.keys()];
    if (classes.includes(name)) return name;
    const cls = classes.find((c) => name === `${c}Options` || name === `${c}Config`);
    if (cls) return cls;
    if (staged.entryClass && (name === staged.factory || name === "SOURCE_INIT" || name.startsWith(`create${staged.entryClass}`) || name === "useSourceDropoutKeys")) return staged.entryClass;
    return undefined;
  }
  return undefined;
}

/** Type errors stop a translation (other errors only left classes out). */
function reportTypeErrors(diags: DiagnosticBag, errors: TypeError[]): void {
  for (const err of errors) diags.error("NNX402", `the generated TypeScript does not type-check (an nnxport bug): line ${err.line}: ${err.message}`);
  if (errors.length) throw new DiagnosticError(diags.items);
}

export interface TranslateInput {
  file: string;
  text: string;
  options?: TranslateOptions;
}

/** What `convert` needs of a translation (what a worker thread can send back). */
export type TranslatedFile = Pick<Translation, "code" | "paramMap" | "diagnostics" | "siblings" | "importsFrom" | "framework">;

/**
 * Several files, type-checked together at the end (much faster than one by
 * one). Each result is the translation or the diagnostics that stopped it.
 */
export async function translateAll(inputs: TranslateInput[], onEach?: () => void): Promise<Array<Translation | DiagnosticError>> {
  const results: Array<Translation | DiagnosticError> = [];
  // The files' own translations, as the files importing them compare against (shared by the run).
  const siblingCache = new Map<string, Promise<SiblingTranslation | undefined>>();
  for (const input of inputs) {
    onEach?.();
    try {
      results.push(await translate(input.file, input.text, { ...input.options, skipTypeCheck: true, siblingCache }));
    } catch (e) {
      if (!(e instanceof DiagnosticError)) throw e;
      results.push(e);
    }
  }
  return typeCheckTranslations(results, inputs);
}

/** Type-checks translated files as one program; a file with type errors is replaced by its diagnostics. */
export function typeCheckTranslations<T extends TranslatedFile>(results: Array<T | DiagnosticError>, inputs: TranslateInput[]): Array<T | DiagnosticError> {
  const checked = results.map((r, i) => ({ r, i })).filter(({ r, i }) => !(r instanceof DiagnosticError) && !inputs[i].options?.skipTypeCheck);
  // Outputs sit where their sources do, so their imports of each other resolve; outputs they import that are
  // not checked here (a file that failed, or one outside the run) are checked beside them as they translated.
  const paths = checked.map(({ i }) => resolvePath(inputs[i].file));
  const extra = new Map<string, string>();
  for (const { r } of checked) for (const s of (r as T).siblings ?? []) if (!paths.includes(s.source) && !extra.has(s.source)) extra.set(s.source, s.code);
  const errors = typeCheckAll([...checked.map(({ r }) => (r as T).code), ...extra.values()], [...paths, ...extra.keys()]);
  checked.forEach(({ r, i }, k) => {
    if (errors[k].length && process.env.NNXPORT_DEBUG) process.stderr.write(`${(r as T).code}\n`);
    try {
      reportTypeErrors((r as T).diagnostics, errors[k]);
    } catch (e) {
      results[i] = e as DiagnosticError;
    }
  });
  return results;
}

/** `BatchNorm` → `batch_norm`, as Haiku names modules. */
export function haikuName(cls: string): string {
  return cls
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

/** The source's own init call, as the seeded factory replays it: its mode and its constant sample inputs. */
function initCallReplay(program: Program, staged: StagedProgram): { call?: TExpr; train?: boolean; missing?: string } {
  const entry = program.entry!;
  const summary = staged.ctx.summaries.get(staged.entryClass!)!;
  const params = summary.methods.get(entry.method) ?? [];
  let train: boolean | undefined;
  for (const p of params.filter((q) => q.kind === "mode")) {
    const text = entry.initKwargs?.[p.name] ?? entry.kwargTexts[p.name];
    if (text === undefined) continue;
    const t = /^(train|training|is_training|is_train)$/.test(p.name) ? text === "True" : text === "False";
    if (train !== undefined && train !== t) return { missing: "the init call's flags disagree on train or eval mode" };
    train = t;
  }
  if (!entry.inputs.every((i) => i.fill)) return { missing: "the source's init call sets state from its sample input, which is not constant (jnp.ones or jnp.zeros)" };
  const args = entry.inputs.map((i): TExpr => ({ k: "call", fn: { k: "rt", path: `jnp.${i.fill}` }, args: [{ k: "array", items: i.shape.map((n) => ({ k: "num", value: n }) as TExpr) }, ...(i.dtype !== "float32" ? [{ k: "str", value: i.dtype } as TExpr] : [])] }));
  const method = entry.method === "__call__" ? "call" : entry.method;
  return { train, call: { k: "call", fn: { k: "member", object: { k: "id", name: "model" }, name: method }, args } };
}

/** `createModelFromSourceSeed(seed)` and `useSourceDropoutKeys(model, seed)`. */
function seededFactory(cls: string, factory: string, plan: SourceInitPlan, origin: string, replay?: TExpr): TDecl[] {
  const out: TDecl[] = [
    {
      k: "const",
      name: "SOURCE_INIT",
      type: "nnx.SourceInit",
      value: { k: "raw", text: JSON.stringify(plan) },
      docs: [`How the ${origin} original derives each initial parameter's key from its seed.`],
    },
    {
      k: "function",
      fn: {
        name: `create${cls}FromSourceSeed`,
        exported: true,
        docs: [`\`${cls}\` with exactly the initial parameters the ${origin} original gets from \`init(jax.random.key(seed), ...)\`.`],
        params: [{ name: "seed", type: "number" }],
        returns: cls,
        body: [
          { k: "let", name: "model", value: { k: "call", fn: { k: "id", name: factory, raw: true }, args: [{ k: "new", cls: { k: "rt", path: "nnx.Rngs" }, args: [{ k: "id", name: "seed" }] }] } },
          { k: "expr", value: { k: "call", fn: { k: "rt", path: "nnx.initFromSource" }, args: [{ k: "id", name: "model" }, { k: "id", name: "SOURCE_INIT", raw: true }, { k: "id", name: "seed" }] } },
          ...(replay
            ? [
                { k: "comment", text: "The original's init runs the model once on its sample input; some state starts from that call." } as TStmt,
                { k: "expr", value: { k: "call", fn: { k: "rt", path: "nnx.stateFromInitCall" }, args: [{ k: "id", name: "model" }, { k: "id", name: "SOURCE_INIT", raw: true }, { k: "arrow", params: [], body: replay }] } } as TStmt,
              ]
            : []),
          { k: "return", value: { k: "id", name: "model" } },
        ],
      },
    },
  ];
  if (plan.dropout?.length) {
    out.push({
      k: "function",
      fn: {
        name: "useSourceDropoutKeys",
        exported: true,
        docs: [`Makes \`model\`'s dropout draw the masks the ${origin} original's next apply with \`jax.random.key(seed)\` would.`],
        params: [{ name: "model", type: cls }, { name: "seed", type: "number" }],
        returns: "void",
        body: [{ k: "expr", value: { k: "call", fn: { k: "rt", path: "nnx.useSourceDropoutKeys" }, args: [{ k: "id", name: "model" }, { k: "id", name: "SOURCE_INIT", raw: true }, { k: "id", name: "seed" }] } }],
      },
    });
  }
  return out;
}

/** Where each module of the model keeps what it sows, in the source's tree and in the NNX model. */
function sownPaths(sown: Array<{ cls: string; member: string; collection: string; name: string; pattern?: true }>, modules: ModuleEntry[]): NonNullable<ParamMapDocument["sown"]> {
  const out: NonNullable<ParamMapDocument["sown"]> = [];
  for (const m of modules) {
    for (const s of sown.filter((x) => x.cls === m.cls)) {
      // A pattern's last segment (`act_*`) is the same name in both.
      out.push({ source: [s.collection, m.source, s.name].filter(Boolean).join("/"), nnx: [m.nnx, s.member].filter(Boolean).join("."), collection: s.collection, ...(s.pattern ? { pattern: true as const } : {}) });
    }
  }
  return out;
}
