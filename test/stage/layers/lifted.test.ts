// Lifted transforms the way real code uses them: Linen's nn.remat /
// nn.checkpoint (the same values; the class is renamed, so the param map
// pairs `CheckpointBlock_0`), and control flow over
// modules (hk.cond / hk.switch, lax.cond / lax.switch, nn.cond / nn.switch).
// Each program is verified against live Flax/Haiku.
import { describe, it } from "vitest";
import { entry, expectUnsupported, expectVerifies, SLOW } from "./helpers.js";

const LINEN_REMAT = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Block(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x, train: bool = False):
        y = nn.Dense(self.features)(x)
        y = nn.Dropout(0.5, deterministic=not train)(y)
        return nn.gelu(y)

class Proj(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x):
        return jnp.tanh(nn.Dense(self.features)(x))

RematBlock = nn.remat(Block, static_argnums=(2,), prevent_cse=False, policy=jax.checkpoint_policies.nothing_saveable)

class Head(nn.Module):
    def setup(self):
        self.proj = nn.checkpoint(Block, static_argnums=(2,))(5)
        self.out = nn.remat(Block, static_argnums=2, prevent_cse=True)(3)

    def __call__(self, x, train: bool = False):
        return self.out(self.proj(x, train), train)

class Net(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.remat(Proj)(8)(x)
        x = nn.remat(Block, static_argnums=(2,))(8)(x, train)
        x = RematBlock(6)(x, train)
        x = nn.checkpoint(Block, static_argnums=2)(6, name="rematted")(x, train)
        return Head()(x, train)
`;

const LINEN_REMAT_METHODS = `
import functools
import jax, jax.numpy as jnp
import flax.linen as nn

class MLP(nn.Module):
    @nn.checkpoint
    @nn.compact
    def __call__(self, x):
        x = nn.relu(nn.Dense(8)(x))
        return nn.Dense(4)(x)

class Block(nn.Module):
    @functools.partial(nn.remat, static_argnums=(2,))
    @nn.compact
    def __call__(self, x, train: bool = False):
        return nn.Dropout(0.5, deterministic=not train)(nn.Dense(4)(x))

class Net(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        return Block()(MLP()(x), train)
`;

const LINEN_REMAT_LAYERS = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.remat(nn.Dense)(6)(x)
        x = nn.remat(nn.LayerNorm)()(x)
        return nn.checkpoint(nn.Dense, prevent_cse=False)(3, use_bias=False)(nn.gelu(x))
`;

describe.concurrent("Linen nn.remat / nn.checkpoint / nn.jit", SLOW, () => {
  it("nn.remat / nn.checkpoint of Linen layers (Dense, LayerNorm): the layer, under CheckpointDense_i / CheckpointLayerNorm_0", () =>
    expectVerifies({
      name: "linen_remat_layers",
      py: LINEN_REMAT_LAYERS,
      entry: entry("Net()", ["x=float32[2,5]"]),
      reads: ["CheckpointDense_0", "CheckpointDense_1", "CheckpointLayerNorm_0"],
    }));

  it("@nn.checkpoint and @functools.partial(nn.remat, static_argnums=...) on a compact __call__: the method as is, the class's own paths, dropout keys in train mode", () =>
    expectVerifies({
      name: "linen_remat_methods",
      py: LINEN_REMAT_METHODS,
      entry: entry("Net()", ["x=float32[2,5]"]),
    }));

  it("@functools.partial(nn.remat, rngs=...) on a method (lifting only some rng streams): NNX201 at the decorator", () =>
    expectUnsupported(
      `
import functools
import flax.linen as nn

class Net(nn.Module):
    @functools.partial(nn.remat, rngs=("params",))
    @nn.compact
    def __call__(self, x):
        return nn.Dense(3)(x)
`,
      6,
      /the decorator 'functools.partial' on Net.__call__/,
      entry("Net()", ["x=float32[2,5]"]),
    ));

  it("nn.remat(Proj)(8)(x), an alias RematBlock = nn.remat(Block, static_argnums, prevent_cse, policy), nn.checkpoint named and in setup, dropout inside: the plain class, Linen's CheckpointBlock_i paths", () =>
    expectVerifies({
      name: "linen_remat",
      py: LINEN_REMAT,
      entry: entry("Net()", ["x=float32[2,5]"]),
      reads: ["CheckpointProj_0", "CheckpointBlock_0", "CheckpointBlock_1", "rematted"],
    }));

  it("nn.jit of a module (it forks the rngs at each call): NNX201 at the call", () =>
    expectUnsupported(
      `
import flax.linen as nn

class Block(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(3)(x)

class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.jit(Block)()(x)
`,
      12,
      /nn\.jit/,
      entry("Net()", ["x=float32[2,5]"]),
    ));

  it("nn.remat lifting only some collections: NNX201 at the call", () =>
    expectUnsupported(
      `
import flax.linen as nn

class Block(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(3)(x)

class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.remat(Block, variables="params")(x)
`,
      12,
      /variables=/,
      entry("Net()", ["x=float32[2,5]"]),
    ));
});

const HAIKU_BRANCHES = `
import jax, jax.numpy as jnp
import haiku as hk

class Gated(hk.Module):
    def __call__(self, x):
        lin = hk.Linear(4, name="lin")
        gate = hk.Linear(1, name="gate")
        pred = jnp.mean(gate(x)) > 0
        # First used in the branches: Haiku traces both at init and creates its parameters once.
        y = hk.cond(pred, lambda v: jax.nn.relu(lin(v)), lambda v: jnp.tanh(lin(v)) * 2.0, x)
        # Modules as the branches themselves, initialized before the cond.
        a = hk.Linear(4, name="a")
        b = hk.Linear(4, name="b")
        base = a(x) - b(x)
        y = y + hk.cond(jnp.sum(y) > 0, a, b, x) + base
        idx = jnp.argmax(jnp.sum(y, axis=0))
        return hk.switch(idx, [lambda v: v, jnp.sin, lambda v: v * v, lambda v: -v], y)

def forward(x):
    h = Gated()(x)
    h = hk.remat(lambda v: jax.nn.gelu(hk.Linear(3)(v)))(h)
    return jax.lax.cond(jnp.sum(h) > 0, lambda a, b: a + b, lambda a, b: a - b, h, h * 2.0), jax.lax.switch(2, [jnp.cos, jnp.sin], h)
`;

describe.concurrent("hk.cond / hk.switch / hk.remat, lax.cond / lax.switch in module code", SLOW, () => {
  it("branches that call submodules (first used there, or modules as branches), a switch over functions, hk.remat of a function that builds a module, lax.cond with two operands, lax.switch with a clamped index", () =>
    expectVerifies({
      name: "haiku_branches",
      py: HAIKU_BRANCHES,
      entry: entry("forward", ["x=float32[2,5]"]),
      reads: [
        /lax\.cond\(\s*pred,\s*\(\) => nnx\.relu\(this\.lin\.call\(x\)\),/,
        /lax\.cond\([^;]*\(\) => this\.a\.call\(x\),\s*\(\) => this\.b\.call\(x\)/,
        "lax.switch(idx, [",
      ],
    }));

  it("a branch that draws random keys (hk.dropout): NNX201 at the call", () =>
    expectUnsupported(
      `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x):
    return hk.cond(jnp.sum(x) > 0, lambda v: hk.dropout(hk.next_rng_key(), 0.5, v), lambda v: v, x)
`,
      6,
      /hk\.cond with a branch that draws random keys/,
      entry("forward", ["x=float32[2,5]"]),
    ));

  it("hk.cond in its old form (pred, true_operand, true_fun, false_operand, false_fun): NNX201 at the call", () =>
    expectUnsupported(
      `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x):
    return hk.cond(jnp.sum(x) > 0, x, jnp.sin, x, jnp.cos)
`,
      6,
      /hk\.cond other than/,
      entry("forward", ["x=float32[2,5]"]),
    ));
});

const LINEN_BRANCHES = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Heads(nn.Module):
    def setup(self):
        self.head0 = nn.Dense(4)
        self.head1 = nn.Dense(4, use_bias=False)
        self.deep = nn.Sequential([nn.Dense(6), nn.relu, nn.Dense(4)])
        self.gate = nn.Dense(1)

    def __call__(self, x):
        pred = jnp.mean(self.gate(x)) > 0
        def negated(mdl, v):
            return -mdl.head1(v)
        if self.is_mutable_collection("params"):
            for branch in [lambda mdl, v: mdl.head0(v), lambda mdl, v: mdl.deep(v)]:
                branch(self, x)
            negated(self, x)
        y = nn.cond(pred, lambda mdl, v: mdl.head0(v), lambda mdl, v: jnp.tanh(mdl.deep(v)), self, x)
        index = jnp.argmax(jnp.sum(y, axis=0)) % 3
        return nn.switch(index, [lambda mdl, v: mdl.head0(v), lambda mdl, v: mdl.deep(v), negated], self, x) + y

class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        def true_fn(mdl, v, w):
            return nn.relu(v) * w
        def false_fn(mdl, v, w):
            return v - w
        h = Heads()(x)
        return nn.cond(jnp.sum(h) > 0, true_fn, false_fn, self, h, 2.0)
`;

describe.concurrent("Linen nn.cond / nn.switch", SLOW, () => {
  it("branches of (module, *operands) calling setup submodules made under is_mutable_collection('params') (branches called as negated(self, x), and in a loop over a list of them), lambdas and a local def, an extra operand", () =>
    expectVerifies({
      name: "linen_branches",
      py: LINEN_BRANCHES,
      entry: entry("Net()", ["x=float32[2,5]"]),
      reads: [
        /nnx\.cond\(\s*pred,\s*\(\) => this\.head0!?\.call\(x\),\s*\(\) => jnp\.tanh\(this\.deep!?\.call\(x\)\)/,
        "nnx.switch(index, [",
      ],
    }));

  it("a branch that makes a submodule (Linen's init keys then depend on the branch init takes): NNX201 at the call", () =>
    expectUnsupported(
      `
import jax.numpy as jnp
import flax.linen as nn

class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        def true_fn(mdl, v):
            return nn.Dense(3, name="shared")(v)
        def false_fn(mdl, v):
            return -nn.Dense(3, name="shared")(v)
        return nn.cond(jnp.sum(x) > 0, true_fn, false_fn, self, x)
`,
      12,
      /nn\.cond with a branch that makes a submodule/,
      entry("Net()", ["x=float32[2,5]"]),
    ));
});
