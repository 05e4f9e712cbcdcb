// A layer argument of the wrong kind is the user's error, said at its line (NNX201), never a
// type error in the generated TypeScript (NNX402).
import { describe, expect, it } from "vitest";
import { optionKindProblem } from "../../../src/stage/layers/option-kinds.js";
import { translateText } from "../../helpers/verify-text.js";
import { DiagnosticError } from "../../../src/diagnostics.js";

describe("optionKindProblem", () => {
  it("accepts what the option takes, and values of unknown type", () => {
    expect(optionKindProblem("rate", { t: "float" })).toBeUndefined();
    expect(optionKindProblem("rate", { t: "int" })).toBeUndefined();
    expect(optionKindProblem("features", { t: "any" })).toBeUndefined();
    expect(optionKindProblem("kernelSize", { t: "tuple", items: [{ t: "int" }, { t: "int" }] })).toBeUndefined();
    expect(optionKindProblem("kernelSize", { t: "int" })).toBeUndefined();
    expect(optionKindProblem("dataFormat", { t: "str" })).toBeUndefined();
    expect(optionKindProblem("notAnOption", { t: "str" })).toBeUndefined();
    expect(optionKindProblem("qkvFeatures", { t: "none" })).toBeUndefined();
  });
  it("names what is wrong", () => {
    expect(optionKindProblem("rate", { t: "str" })).toBe("takes a number, not a string value");
    expect(optionKindProblem("features", { t: "float" })).toBe("takes an int or a tuple of ints, not a float value");
    expect(optionKindProblem("features", { t: "tuple", items: [{ t: "int" }, { t: "int" }] })).toBeUndefined();
    expect(optionKindProblem("useBias", { t: "str" })).toBe("takes a bool, not a string value");
    expect(optionKindProblem("kernelSize", { t: "tuple", items: [{ t: "str" }] })).toBe("takes an int or a tuple of ints, not a tuple value");
    expect(optionKindProblem("dataFormat", { t: "int" })).toBe("takes a string, not a int value");
  });
});

const program = (layer: string) => `
import flax.linen as nn
import jax
import jax.numpy as jnp


class M(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.Dense(4)(x)
        return ${layer}


variables = M().init(jax.random.key(0), jnp.ones((2, 3)))
`;

async function diagnostics(text: string) {
  try {
    const t = await translateText("m.py", text);
    return t.diagnostics.items;
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics;
    throw e;
  }
}

describe("a layer argument of the wrong kind", () => {
  it.each([
    ['nn.Dropout("")(x, deterministic=not train)', "Dropout(rate=...): 'rate' takes a number, not a string value"],
    ['nn.Dense("8")(x)', "Dense(features=...): 'features' takes an int or a tuple of ints, not a string value"],
    ['nn.Dense(8, use_bias="no")(x)', "Dense(use_bias=...): 'use_bias' takes a bool, not a string value"],
  ])("%s is NNX201 at the call", async (layer, message) => {
    const ds = await diagnostics(program(layer));
    const errors = ds.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.code)).toEqual(["NNX201"]);
    expect(errors[0].message).toContain(message);
    expect(errors[0].span?.line).toBe(11);
  });
});
