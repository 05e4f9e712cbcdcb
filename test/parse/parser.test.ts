import { describe, expect, test } from "vitest";
import { DiagnosticBag, formatDiagnostic } from "../../src/diagnostics.js";
import { ImportTable } from "../../src/parse/imports.js";
import { parsePython } from "../../src/parse/parser.js";
import { matches } from "../../src/parse/queries.js";

describe("parsePython", () => {
  test("parses valid Python without diagnostics", () => {
    const diags = new DiagnosticBag("ok.py");
    const source = parsePython("ok.py", "def f(x):\n    return x + 1\n", diags);
    expect(diags.items).toEqual([]);
    expect(source.root.type).toBe("module");
  });

  test("reports syntax errors with line and column, TypeScript-style", () => {
    const diags = new DiagnosticBag("bad.py");
    parsePython("bad.py", "import jax\n\ndef f(x):\n    return (x +\n\nclass A:\n    pass\n", diags);
    expect(diags.hasErrors).toBe(true);
    const first = diags.items[0];
    expect(first.code).toBe("NNX101");
    expect(first.span!.line).toBeGreaterThanOrEqual(3);
    expect(formatDiagnostic(first)).toMatch(/^bad\.py\(\d+,\d+\): error NNX101: /);
  });

  test("handles sources larger than tree-sitter's default input chunk", () => {
    const body = Array.from({ length: 3000 }, (_, i) => `x${i} = ${i}`).join("\n");
    const diags = new DiagnosticBag("big.py");
    const source = parsePython("big.py", body + "\n", diags);
    expect(diags.items).toEqual([]);
    expect(source.root.namedChildCount).toBe(3000);
  });
});

describe("imports and queries", () => {
  const src = [
    "import haiku as hk",
    "import jax",
    "import jax.numpy as jnp",
    "from flax import linen as nn",
    "from flax.linen import Dense",
    "x = hk.Linear",
  ].join("\n");

  test("resolves local names to qualified names", () => {
    const diags = new DiagnosticBag("i.py");
    const source = parsePython("i.py", src, diags);
    const table = ImportTable.of(source);
    const [assign] = matches("definitions", source.root).filter((m) => m.assign);
    expect(table.resolve(assign["assign.value"])).toBe("haiku.Linear");
    expect(table.modules).toEqual(expect.arrayContaining(["haiku", "jax", "jax.numpy", "flax.linen", "flax.linen.Dense"]));
  });

  test("an attribute on a name that was never imported does not resolve", () => {
    const diags = new DiagnosticBag("i.py");
    const source = parsePython("i.py", "y = foo.Linear\n", diags);
    const [assign] = matches("definitions", source.root).filter((m) => m.assign);
    expect(ImportTable.of(source).resolve(assign["assign.value"])).toBeUndefined();
  });
});
