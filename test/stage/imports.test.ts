// Files that import each other: a small package written to a temporary folder.
// A file's uses of its siblings' classes, configs and helpers translate with it;
// verify runs the original with its package importable and compares.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { verify } from "../../src/verify/verify.js";
import { translate } from "../../src/translate.js";
import { readFile } from "node:fs/promises";
import { entry } from "../helpers/verify-text.js";
import { runConvert } from "../../src/cli/convert.js";
import { typeCheckAll } from "../../src/ts/typecheck.js";

const FILES: Record<string, string> = {
  "mypkg/__init__.py": "",
  "mypkg/blocks.py": `
import flax.linen as nn


def act(x):
  return nn.gelu(x)


class MlpBlock(nn.Module):
  features: int
  hidden: int = 16

  @nn.compact
  def __call__(self, x):
    y = act(nn.Dense(self.hidden)(x))
    return nn.Dense(self.features)(y) + x
`,
  "mypkg/config.py": `
import dataclasses


@dataclasses.dataclass(frozen=True)
class ModelConfig:
  width: int = 8
  depth: int = 2
`,
  // Relative imports: verify runs it as mypkg.model.
  "mypkg/model.py": `
import flax.linen as nn
from .blocks import MlpBlock
from .config import ModelConfig


class Net(nn.Module):
  config: ModelConfig

  @nn.compact
  def __call__(self, x):
    x = nn.Dense(self.config.width)(x)
    for _ in range(self.config.depth):
      x = MlpBlock(features=self.config.width)(x)
    return nn.Dense(3)(x)
`,
  // A module imported whole, read through its alias.
  "mypkg/plain.py": `
import flax.linen as nn
import blocks


class Plain(nn.Module):
  @nn.compact
  def __call__(self, x):
    return blocks.MlpBlock(features=x.shape[-1], hidden=12)(x)
`,
  "mypkg/nets/__init__.py": "",
  "mypkg/nets/layers.py": `
import haiku as hk
import jax


class Residual(hk.Module):

  def __init__(self, width: int, name=None):
    super().__init__(name=name)
    self.width = width

  def __call__(self, x):
    return x + hk.Linear(self.width)(jax.nn.relu(x))


class Proj(hk.Module):

  def __init__(self, out: int, name=None):
    super().__init__(name=name)
    self.out = out

  def __call__(self, x):
    return hk.Linear(self.out)(x)
`,
  // Its untyped size makes its own translation differ from (and not type-check like) the one its user's sizes give.
  "mypkg/nets/untyped.py": `
import haiku as hk
import jax


class Gate(hk.Module):

  def __init__(self, width, name=None):
    super().__init__(name=name)
    self.width = width

  def __call__(self, x):
    return x * jax.nn.sigmoid(hk.Linear(self.width)(x))
`,
  // Haiku, absolute imports of a subpackage (the package root is the folder above mypkg), and its own init call.
  "mypkg/hk_model.py": `
import haiku as hk
import jax
import jax.numpy as jnp
from mypkg.nets.layers import Residual
from mypkg.nets import layers
from mypkg.nets.untyped import Gate


def net_fn(x):
  x = hk.Linear(8)(x)
  x = Residual(8)(x)
  x = layers.Residual(8, name="second")(x)
  x = Gate(8)(x)
  return layers.Proj(2)(x)


model = hk.transform(net_fn)
params = model.init(jax.random.PRNGKey(0), jnp.ones((2, 8)))
`,
  "mypkg/odd.py": `
import flax.linen as nn


class Good(nn.Module):
  @nn.compact
  def __call__(self, x):
    return nn.Dense(4)(x)


class Weird(nn.Module):
  @nn.compact
  def __call__(self, x):
    with open("f") as f:
      pass
    return nn.Dense(4)(x)
`,
  "mypkg/uses_odd.py": `
import flax.linen as nn
from mypkg.odd import Good, Weird


class UsesGood(nn.Module):
  @nn.compact
  def __call__(self, x):
    return nn.relu(Good()(x))


class UsesWeird(nn.Module):
  @nn.compact
  def __call__(self, x):
    return Weird()(x)
`,
  // An import cycle: cyc_b reads a constant of cyc_a, which builds cyc_b's block.
  "mypkg/cyc_a.py": `
import flax.linen as nn
from . import cyc_b

WIDTH = 5


class Top(nn.Module):
  @nn.compact
  def __call__(self, x):
    return cyc_b.Block()(nn.Dense(WIDTH)(x))
`,
  "mypkg/cyc_b.py": `
import flax.linen as nn
from . import cyc_a


class Block(nn.Module):
  @nn.compact
  def __call__(self, x):
    return nn.tanh(nn.Dense(cyc_a.WIDTH * 2)(x))
`,
  // Names a module imports, used through it: a library layer and a sibling's block.
  "mypkg/reexport.py": `
from flax.linen import Dense as D
from .blocks import MlpBlock
`,
  "mypkg/re_user.py": `
import flax.linen as nn
from . import reexport
from .reexport import MlpBlock


class R(nn.Module):
  @nn.compact
  def __call__(self, x):
    x = reexport.D(4)(x)
    return MlpBlock(features=4)(x)
`,
  // A class with a variable collection: its TypeScript names the file's own variable type.
  "mypkg/counter.py": `
import flax.linen as nn
import jax.numpy as jnp


class Counted(nn.Module):
  @nn.compact
  def __call__(self, x):
    c = self.variable("counts", "n", lambda: jnp.full((3,), 0.5))
    return nn.Dense(3)(x) + c.value
`,
  "mypkg/counted_user.py": `
import flax.linen as nn
from mypkg.counter import Counted


class Twice(nn.Module):
  @nn.compact
  def __call__(self, x):
    return Counted()(x) * 2
`,
};

let root = "";
const path = (f: string) => join(root, f);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "nnxport-imports-"));
  for (const [f, text] of Object.entries(FILES)) {
    await mkdir(dirname(path(f)), { recursive: true });
    await writeFile(path(f), text);
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const errors = (r: { diagnostics: Array<{ severity: string }> }) => r.diagnostics.filter((d) => d.severity === "error");

describe("files that import each other", () => {
  it("verifies a Linen file importing a block and a config dataclass from siblings (relative imports)", async () => {
    const r = await verify(path("mypkg/model.py"), { entry: entry("Net(config=ModelConfig(width=6))", ["x=float32[2,6]"]) });
    expect(errors(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.some((c) => c.name.includes("MlpBlock_1/Dense_1/kernel"))).toBe(true);
    // The block is blocks.ts's own, and the config config.ts's (a config-only file reads as its importer's framework): imported.
    expect(r.code).toContain('import { MlpBlock } from "./blocks.js";');
    expect(r.code).toContain('import { modelConfig, type ModelConfig } from "./config.js";');
    expect(r.code).not.toContain("interface ModelConfig");
  });

  it("verifies a Linen file importing a sibling module whole (import blocks; blocks.MlpBlock)", async () => {
    const r = await verify(path("mypkg/plain.py"), { entry: entry("Plain()", ["x=float32[3,5]"]) });
    expect(errors(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.code).toContain('import { MlpBlock } from "./blocks.js";');
    expect(r.code).not.toContain("class MlpBlock");
  });

  it("verifies a Haiku file importing from a subpackage with absolute imports", async () => {
    const r = await verify(path("mypkg/hk_model.py"));
    expect(errors(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.some((c) => c.name.includes("second/linear/w"))).toBe(true);
    expect(r.checks.some((c) => c.name.includes("proj/linear/w"))).toBe(true);
    expect(r.checks.some((c) => c.name.includes("gate/linear/w"))).toBe(true);
    // Proj and Residual are layers.ts's own; Gate's untyped width makes untyped.ts's own Gate differ: this file keeps a specialised copy.
    expect(r.code).toContain('import { Proj, Residual } from "./nets/layers.js";');
    expect(r.code).toMatch(/Specialised from `nets\/untyped\.py` for this file[^\n]*\n[^]*export class Gate /);
  });

  it("fails only what depends on a sibling's unsupported construct, at the sibling's line", async () => {
    const file = path("mypkg/uses_odd.py");
    const t = await translate(file, await readFile(file, "utf8"));
    const at = t.diagnostics.items.find((d) => d.code === "NNX201" && d.file.endsWith("odd.py") && !d.file.endsWith("uses_odd.py"));
    const withLine = FILES["mypkg/odd.py"].split("\n").findIndex((l) => l.includes("with open")) + 1;
    expect(at?.span).toMatchObject({ line: withLine, column: 5 });
    expect([...t.failed.keys()].sort()).toEqual(["UsesWeird", "Weird"]);
    expect(t.code).toContain("class UsesGood");
    const r = await verify(file, { entry: entry("UsesGood()", ["x=float32[2,3]"]) });
    expect(r.ok).toBe(true);
    expect(r.code).toContain('import { Good } from "./odd.js";');
  });

  it("follows an import cycle back to the file's own definitions", async () => {
    const r = await verify(path("mypkg/cyc_a.py"), { entry: entry("Top()", ["x=float32[2,3]"]) });
    expect(errors(r)).toEqual([]);
    expect(r.diagnostics.filter((d) => d.code === "NNX213")).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.some((c) => c.name.includes("Block_0/Dense_0/kernel"))).toBe(true);
  });

  it("sees through names a module imports (a library layer, a sibling's block)", async () => {
    const r = await verify(path("mypkg/re_user.py"), { entry: entry("R()", ["x=float32[2,3]"]) });
    expect(errors(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.code).toContain('import { MlpBlock } from "./blocks.js";');
    expect(r.code).toContain("new nnx.Linear(inFeatures, 4");
  });

  it("keeps its own copy of a class whose TypeScript names this output's own declarations (a variable type)", async () => {
    const file = path("mypkg/counted_user.py");
    const t = await translate(file, await readFile(file, "utf8"), { entry: entry("Twice()", ["x=float32[2,4]"]) });
    expect(t.code).toContain("export class Counts extends nnx.Variable");
    expect(t.code).toMatch(/Specialised from `counter\.py` for this file \(it names this file's own `Counts`\)[^]*export class Counted /);
    // Its options are kept with it, not imported.
    expect(t.code).not.toContain("./counter.js");
    const r = await verify(file, { entry: entry("Twice()", ["x=float32[2,4]"]) });
    expect(errors(r)).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("converts the package as a folder: outputs mirror the sources, import each other, and type-check together", async () => {
    const out = join(root, "out");
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((m: string | Uint8Array) => (said.push(String(m)), true));
    try {
      await runConvert([path("mypkg")], { outDir: out, typecheck: true, jobs: 1 });
    } finally {
      spy.mockRestore();
    }
    // untyped.py alone does not type-check (its untyped size: a known limit of library files), and is not written;
    // hk_model.ts keeps its own Gate, so nothing imports from it.
    const lines = said.join("").split("\n");
    expect(lines.filter((l) => /NNX4\d\d|NNX304/.test(l) && !l.includes("untyped.py"))).toEqual([]);
    const model = await readFile(join(out, "model.ts"), "utf8");
    expect(model).toContain('import { MlpBlock } from "./blocks.js";');
    // config.py imports no framework, but model.ts imports its config: it converts too.
    expect(model).toContain('import type { ModelConfig } from "./config.js";');
    expect(await readFile(join(out, "config.ts"), "utf8")).toContain("export interface ModelConfig");
    expect(await readFile(join(out, "blocks.ts"), "utf8")).toContain("export class MlpBlock");
    expect(await readFile(join(out, "hk_model.ts"), "utf8")).toContain('import { Proj, Residual } from "./nets/layers.js";');
    expect(await readFile(join(out, "nets", "layers.ts"), "utf8")).toContain("export class Proj");
    expect(await readFile(join(out, "uses_odd.ts"), "utf8")).toContain('import { Good } from "./odd.js";');
    // The written outputs compile as one program (their imports resolve).
    const files = ["model", "config", "plain", "blocks", "hk_model", "nets/layers", "odd", "uses_odd", "cyc_a", "cyc_b", "counter", "counted_user", "re_user", "reexport"];
    const codes = await Promise.all(files.map((f) => readFile(join(out, `${f}.ts`), "utf8")));
    const problems = typeCheckAll(codes, files.map((f) => join(root, "mypkg", `${f}.py`)));
    expect(problems.flat()).toEqual([]);
  });

  it("converting one file alone imports from its sibling's output path, and warns (NNX304) while that does not exist", async () => {
    const out = join(root, "alone");
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((m: string | Uint8Array) => (said.push(String(m)), true));
    try {
      await runConvert([path("mypkg/plain.py")], { outDir: out, typecheck: true, jobs: 1 });
      expect(said.join("")).toMatch(/warning NNX304: the output imports from \.\/blocks\.js, which does not exist/);
      said.length = 0;
      await runConvert([path("mypkg/blocks.py")], { outDir: out, typecheck: true, jobs: 1 });
      await runConvert([path("mypkg/plain.py")], { outDir: out, typecheck: true, jobs: 1 });
      expect(said.join("")).not.toMatch(/NNX304/);
    } finally {
      spy.mockRestore();
    }
    expect(await readFile(join(out, "plain.ts"), "utf8")).toContain('import { MlpBlock } from "./blocks.js";');
  });
});
