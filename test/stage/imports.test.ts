// Files that import each other: a small package written to a temporary folder.
// A file's uses of its siblings' classes, configs and helpers translate with it;
// verify runs the original with its package importable and compares.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { verify } from "../../src/verify/verify.js";
import { translate } from "../../src/translate.js";
import { readFile } from "node:fs/promises";
import { entry } from "../helpers/verify-text.js";

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

  def __init__(self, width, name=None):
    super().__init__(name=name)
    self.width = width

  def __call__(self, x):
    return x + hk.Linear(self.width)(jax.nn.relu(x))
`,
  // Haiku, absolute imports of a subpackage (the package root is the folder above mypkg).
  "mypkg/hk_model.py": `
import haiku as hk
from mypkg.nets.layers import Residual
from mypkg.nets import layers


def net_fn(x):
  x = hk.Linear(8)(x)
  x = Residual(8)(x)
  x = layers.Residual(8, name="second")(x)
  return hk.Linear(2)(x)
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
  });

  it("verifies a Linen file importing a sibling module whole (import blocks; blocks.MlpBlock)", async () => {
    const r = await verify(path("mypkg/plain.py"), { entry: entry("Plain()", ["x=float32[3,5]"]) });
    expect(errors(r)).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("verifies a Haiku file importing from a subpackage with absolute imports", async () => {
    const r = await verify(path("mypkg/hk_model.py"), { entry: entry("net_fn", ["x=float32[2,8]"]) });
    expect(errors(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.some((c) => c.name.includes("second/linear/w"))).toBe(true);
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
  });
});
