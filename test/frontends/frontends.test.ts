import { describe, expect, test } from "vitest";
import type { Program } from "../../src/ir/model.js";
import { fixture, recognizeText } from "../helpers/translate.js";

/** The framework-neutral part of a program: no spans, no source naming, no harness recipe. */
function neutral(p: Program): unknown {
  return JSON.parse(
    JSON.stringify({ modules: p.modules, entry: p.entry }, (k, v) => (k === "span" || k === "source" ? undefined : v)),
  );
}

describe("Basic Example", () => {
  const haiku = recognizeText(fixture("basic/haiku_model.py"));
  const linen = recognizeText(fixture("basic/linen_model.py"));

  test("both frontends recognize their file without diagnostics", () => {
    expect(haiku.diagnostics).toEqual([]);
    expect(linen.diagnostics).toEqual([]);
  });

  test("Haiku and Linen produce the same framework-neutral module model", () => {
    expect(neutral(haiku.program!)).toEqual(neutral(linen.program!));
  });

  test("the module model has Block(Linear, Dropout) inside Model(Block, Linear)", () => {
    const [block, model] = haiku.program!.modules;
    expect(block.name).toBe("Block");
    expect(block.children.map((c) => [c.attr, c.ctor.kind === "layer" ? c.ctor.layer : c.ctor.module])).toEqual([
      ["linear", "Linear"],
      ["dropout", "Dropout"],
    ]);
    expect(model.children.map((c) => c.attr)).toEqual(["block", "linear"]);
    expect(haiku.program!.entry).toMatchObject({ module: "Model", inputs: [{ name: "x", shape: [1, 784] }], modeArgs: { training: false } });
  });

  test("each frontend names children as its framework does", () => {
    const segments = (p: Program) => p.modules.flatMap((m) => m.children.map((c) => `${m.name}.${c.source.segment}`));
    expect(segments(haiku.program!)).toEqual(["Block.linear", "Block.", "Model.block", "Model.linear"]);
    expect(segments(linen.program!)).toEqual(["Block.Dense_0", "Block.Dropout_0", "Model.Block_0", "Model.Dense_0"]);
    expect(haiku.program!.naming.rootPath).toEqual(["model"]);
    expect(linen.program!.naming.rootPath).toEqual([]);
  });

  test("dropout records that it trains exactly when `training` is true", () => {
    for (const { program } of [haiku, linen]) {
      const call = program!.modules[0].methods[0].body[1];
      expect(call.value).toMatchObject({ kind: "callChild", child: "dropout", mode: { trainWhen: { kind: "name", id: "training" } } });
    }
  });
});

test("keyword arguments to the file's own modules are put in their parameters' places", () => {
  for (const fw of ["haiku", "linen"]) {
    const text = fixture(`basic/${fw}_model.py`);
    const keywords = text.replace("Block(self.dmid)(x, training)", "Block(self.dmid)(training=training, x=x)");
    expect(keywords).not.toBe(text);
    const a = recognizeText(text);
    const b = recognizeText(keywords);
    expect(b.diagnostics).toEqual([]);
    expect(neutral(b.program!)).toEqual(neutral(a.program!));
  }
});

const HAIKU_HEADER = "import haiku as hk\nimport jax\nimport jax.numpy as jnp\n";
const LINEN_HEADER = "import flax.linen as nn\nimport jax\nimport jax.numpy as jnp\n";

describe("unsupported input gets a diagnostic at its line, never a guess", () => {
  test("a for loop in a Haiku method", () => {
    const src = HAIKU_HEADER + [
      "class M(hk.Module):",
      "    def __call__(self, x):",
      "        for i in range(3):",
      "            x = hk.Linear(4)(x)",
      "        return x",
    ].join("\n");
    const { diagnostics } = recognizeText(src);
    expect(diagnostics).toContainEqual(expect.objectContaining({ code: "NNX201", span: expect.objectContaining({ line: 6, column: 9 }) }));
  });

  test("a Haiku layer nnxport does not know", () => {
    const src = HAIKU_HEADER + [
      "class M(hk.Module):",
      "    def __call__(self, x):",
      "        return hk.GRU(4)(x)",
    ].join("\n");
    const { diagnostics } = recognizeText(src);
    expect(diagnostics).toContainEqual(expect.objectContaining({ code: "NNX201", message: expect.stringContaining("hk.GRU(4)"), span: expect.objectContaining({ line: 6 }) }));
  });

  test("an initializer argument nnxport does not translate yet", () => {
    const src = LINEN_HEADER + [
      "class M(nn.Module):",
      "    @nn.compact",
      "    def __call__(self, x):",
      "        return nn.Dense(4, kernel_init=nn.initializers.zeros)(x)",
    ].join("\n");
    const { diagnostics } = recognizeText(src);
    expect(diagnostics).toContainEqual(expect.objectContaining({ code: "NNX201", message: expect.stringContaining("kernel_init"), span: expect.objectContaining({ line: 7 }) }));
  });

  test("Linen dropout without a deterministic flag", () => {
    const src = LINEN_HEADER + [
      "class M(nn.Module):",
      "    @nn.compact",
      "    def __call__(self, x):",
      "        return nn.Dropout(0.5)(x)",
      "m = M()",
      "v = m.init(jax.random.key(0), jnp.ones((1, 3)))",
    ].join("\n");
    const { diagnostics } = recognizeText(src);
    expect(diagnostics).toContainEqual(expect.objectContaining({ code: "NNX201", message: expect.stringContaining("deterministic") }));
  });

  test("a file with modules but no init call names the missing entry point", () => {
    const src = LINEN_HEADER + ["class M(nn.Module):", "    @nn.compact", "    def __call__(self, x):", "        return nn.Dense(4)(x)"].join("\n");
    const { diagnostics } = recognizeText(src);
    expect(diagnostics).toContainEqual(expect.objectContaining({ code: "NNX301", message: expect.stringContaining("no entry point") }));
  });

  test("nn.scan with settings it cannot map names them and its line", () => {
    const src = fixture("rnn/linen_model.py").replace(
      'variable_broadcast="params", split_rngs={"params": False}, in_axes=1',
      'variable_axes={"params": 0}, split_rngs={"params": True}, in_axes=(1, 0)',
    );
    const line = src.split("\n").findIndex((l) => l.includes("rnn = nn.scan(")) + 1;
    const { diagnostics } = recognizeText(src);
    const d = diagnostics.find((x) => x.code === "NNX201" && x.message.includes("nn.scan"));
    expect(d?.message).toMatch(/variable_broadcast other than 'params'.*in_axes other than one integer/);
    expect(d?.span?.line).toBe(line);
  });

  test("scan over layers with settings it cannot map is reported at the nn.scan call", () => {
    const src = LINEN_HEADER + [
      "class Block(nn.Module):",
      "    features: int",
      "    @nn.compact",
      "    def __call__(self, x, _):",
      "        return jax.nn.relu(nn.Dense(self.features)(x)), None",
      "class MLP(nn.Module):",
      "    @nn.compact",
      "    def __call__(self, x):",
      "        ScanBlock = nn.scan(Block, variable_axes={'params': 0}, split_rngs={'params': False}, length=5)",
      "        y, _ = ScanBlock(64)(x, None)",
      "        return y",
      "model = MLP()",
      "v = model.init(jax.random.key(0), jnp.ones((1, 64)))",
    ].join("\n");
    const { diagnostics } = recognizeText(src);
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ code: "NNX201", message: expect.stringContaining("split_rngs other than {'params': True}"), span: expect.objectContaining({ line: 12 }) }),
    );
  });

  test("Haiku's layer_stack and Linen's nn.scan over layers give the same module model", () => {
    const neutralModules = (p: Program) =>
      JSON.parse(JSON.stringify(p.modules, (k, v) => (k === "span" || k === "source" ? undefined : v)));
    const haiku = recognizeText(fixture("layers/haiku_model.py")).program!;
    const linen = recognizeText(fixture("layers/linen_model.py")).program!;
    // Linen's Block also has its `training` field, which analysis turns into train/eval mode.
    const [hBlock, hMlp] = neutralModules(haiku);
    const [lBlock, lMlp] = neutralModules(linen);
    expect(lMlp.children).toEqual(hMlp.children.map((c: { ctor: { args: object } }) => ({ ...c, ctor: { ...c.ctor, args: { ...c.ctor.args, training: { kind: "name", id: "training" } } } })));
    expect(lBlock.children).toEqual(hBlock.children);
  });

  test("the layers of a Haiku layer stack are one child with a stacked length", () => {
    const { program, diagnostics } = recognizeText(fixture("layers/haiku_model.py"));
    expect(diagnostics).toEqual([]);
    const mlp = program!.modules.find((m) => m.name === "MLP")!;
    expect(mlp.children).toHaveLength(1);
    expect(mlp.children[0]).toMatchObject({ attr: "block", source: { segment: "__layer_stack_no_per_layer/block" }, stack: { length: { kind: "config", field: "num_layers" } } });
  });

  test("a file that imports neither framework", () => {
    const { diagnostics } = recognizeText("import numpy as np\nx = np.ones(3)\n");
    expect(diagnostics).toContainEqual(expect.objectContaining({ code: "NNX301", message: expect.stringContaining("cannot tell the framework") }));
  });
});
