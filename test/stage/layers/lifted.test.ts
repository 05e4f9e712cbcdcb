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

const LINEN_VMAP = `
import jax, jax.numpy as jnp
import flax.linen as nn

class MLP(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x):
        x = nn.relu(nn.Dense(8)(x))
        return nn.Dense(self.features)(x)

class Head(nn.Module):
    features: int

    def setup(self):
        self.proj = nn.Dense(self.features)
        self.scale = self.param('scale', nn.initializers.normal(0.5), (self.features,))

    def __call__(self, x):
        return self.proj(x) * self.scale

    def encode(self, x):
        return jnp.tanh(self.proj(x))

Ensemble = nn.vmap(MLP, variable_axes={'params': 0}, split_rngs={'params': True}, in_axes=None, out_axes=0, axis_size=3)

class Net(nn.Module):
    def setup(self):
        self.heads = nn.vmap(Head, variable_axes={'params': 0}, split_rngs={'params': True}, in_axes=0, out_axes=1, methods=['__call__', 'encode'])(4)

    @nn.compact
    def __call__(self, x):
        ys = Ensemble(6)(x)
        return self.heads(ys) + self.heads.encode(ys)
`;

const LINEN_VMAP_COMPACT = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Pair(nn.Module):
    @nn.compact
    def __call__(self, x, ctx):
        return nn.Dense(4)(x) + nn.Dense(4, use_bias=False)(ctx)

class Net(nn.Module):
    @nn.compact
    def __call__(self, xs, ctx):
        y = nn.vmap(Pair, variable_axes={'params': 0}, split_rngs={'params': True}, in_axes=(0, None))(name="pairs")(xs, ctx)
        z = nn.vmap(nn.Dense, variable_axes={'params': 0}, split_rngs={'params': True}, in_axes=0, out_axes=1)(2)(nn.gelu(y))
        return jnp.tanh(z)
`;

const LINEN_VMAP_DROPOUT = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Block(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        y = nn.Dense(4)(x)
        return nn.Dropout(0.5, deterministic=not train)(nn.relu(y))

class Net(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        e = nn.vmap(Block, variable_axes={'params': 0}, split_rngs={'params': True, 'dropout': True}, in_axes=(None, None), axis_size=3)()
        return e(x, train) + e(jnp.tanh(x), train)
`;

const HAIKU_VMAP = `
import jax, jax.numpy as jnp
import haiku as hk

def scaled(r, s):
    k = s.shape[0]
    return r * s[0] / k

class Scorer(hk.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.proj = hk.Linear(4)
        self.over_batch = hk.vmap(self.proj, in_axes=1, out_axes=1, split_rng=False)

    def __call__(self, x, ctx):
        per_item = hk.vmap(lambda a, c: jnp.tanh(self.proj(a)) * c.sum(), in_axes=(0, None), split_rng=False)
        y = per_item(x, ctx)
        z = hk.vmap(hk.Linear(3, name="head"), in_axes=1, out_axes=1, split_rng=False)(y)
        w = jax.vmap(scaled, in_axes=(1, None), out_axes=0)(z, ctx)
        return hk.Linear(2)(z) + jnp.mean(w) + jnp.mean(self.over_batch(x))

def forward(x, ctx):
    return Scorer()(x, ctx)
`;

const LINEN_JIT = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Block(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x):
        w = self.param('w', nn.initializers.normal(1.0), (self.features,))
        h = nn.relu(nn.Dense(self.features)(x))
        return nn.LayerNorm()(nn.Dense(self.features)(h) * w)

JitBlock = nn.jit(Block, static_argnums=(), donate_argnums=())

class Head(nn.Module):
    def setup(self):
        self.block = nn.jit(Block)(4)
        self.out = nn.jit(nn.Dense)(3)

    def __call__(self, x):
        return self.out(self.block(x) + self.block(x * 2.0))

class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.Dense(6)(x)
        x = JitBlock(6)(x)
        x = JitBlock(6, name="named")(x)
        return Head()(x)
`;

const LINEN_VMAP_SHARED = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Pair(nn.Module):
    @nn.compact
    def __call__(self, x, ctx):
        return nn.Dense(4)(x) * jnp.tanh(nn.Dense(4, use_bias=False)(ctx))

class Net(nn.Module):
    @nn.compact
    def __call__(self, xs, ctx):
        y = nn.vmap(Pair, variable_axes={'params': None}, split_rngs={'params': False}, in_axes=(0, None))()(xs, ctx)
        z = nn.vmap(nn.Dense, variable_axes={'params': None}, split_rngs={'params': False}, in_axes=1, out_axes=1)(2)(y)
        return nn.Dense(3)(z)
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

  it("nn.jit(Block) as an alias (static_argnums, donate_argnums), named, in setup called twice, nn.jit(nn.Dense): the plain class under JitBlock_0, its keys folded from the key each call's fork_rngs makes", () =>
    expectVerifies({
      name: "linen_jit",
      py: LINEN_JIT,
      entry: entry("Net()", ["x=float32[2,5]"]),
      reads: ["JitBlock_0"],
    }));

  it("dropout inside nn.jit (its keys forked at every call): translated, train mode not compared, said in a note", () =>
    expectVerifies({
      name: "linen_jit_dropout",
      py: `
import flax.linen as nn

class Block(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        return nn.Dropout(0.5, deterministic=not train)(nn.Dense(3)(x))

class Net(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        return nn.jit(Block, static_argnums=2)()(x, train)
`,
      entry: entry("Net()", ["x=float32[2,5]"]),
      note: /train mode not compared: .*nn\.jit/,
    }));

  it("nn.jit lifting only some rng streams: NNX201 at the call", () =>
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
        return nn.jit(Block, rngs=('params',))()(x)
`,
      12,
      /nn\.jit with rngs=/,
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

  it("hk.cond as Haiku's documentation writes it: both branches run under hk.running_init(), the cond in apply", () =>
    expectVerifies({
      name: "haiku_running_init",
      py: `
import haiku as hk
import jax
import jax.numpy as jnp

def forward(x):
    true_fn = hk.nets.MLP([8, 4])
    false_fn = hk.Sequential([hk.Linear(6), jax.nn.relu, hk.Linear(4)])
    b = hk.Linear(4, name="b")
    if hk.running_init():
        # At init run every branch to create its parameters.
        true_fn(x)
        b(x)
        out = false_fn(x)
    else:
        out = hk.cond(jnp.sum(x) > 0, true_fn, false_fn, x)
    return hk.switch(jnp.argmax(jnp.sum(out, axis=0)) % 2, [b, lambda v: jax.nn.relu(v[:, :1]) * jnp.ones((1, 4))], x) + out

f = hk.without_apply_rng(hk.transform(forward))
params = f.init(jax.random.PRNGKey(0), jnp.ones((2, 3)))
`,
    }));

  it("hk.cond in its old form (pred, true_operand, true_fun, false_operand, false_fun), and modules initialized under `if hk.running_init():` then chosen by hk.cond", () =>
    expectVerifies({
      name: "haiku_old_cond",
      py: `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x):
    true_fn = hk.nets.MLP([16, 4])
    false_fn = hk.Sequential([hk.Linear(8), jax.nn.relu, hk.Linear(4)])
    if hk.running_init():
        # At init run both branches to create their parameters (Haiku's own docs).
        true_fn(x)
        out = false_fn(x)
    else:
        out = hk.cond(jnp.sum(x) > 0, true_fn, false_fn, x)
    return hk.cond(jnp.mean(out) > 0, out, jnp.sin, out * 2.0, jnp.cos)
`,
      entry: entry("forward", ["x=float32[2,5]"]),
      reads: ["readonly mlp: hk.nets.MLP;", /lax\.cond\([^;]*\(\) => jnp\.sin\(out\),\s*\(\) => jnp\.cos\(jnp\.multiply\(out, 2/],
    }));
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
  it("branches over a fixed list of setup submodules indexed by a lambda's default (`heads[i]` with `i=i`), all initialized by a loop over the branches", () =>
    expectVerifies({
      name: "linen_indexed_heads",
      py: `
import jax
import jax.numpy as jnp
import flax.linen as nn


class MultiHead(nn.Module):
    def setup(self):
        self.heads = [nn.Dense(3), nn.Dense(3, use_bias=False), nn.Dense(3)]

    def __call__(self, x, index):
        branches = [lambda mdl, x, i=i: mdl.heads[i](x) for i in range(3)]
        if self.is_mutable_collection("params"):
            for b in branches:
                b(self, x)
        return nn.switch(index, branches, self, x)


params = MultiHead().init(jax.random.PRNGKey(0), jnp.ones((2, 4)), 1)
`,
      reads: ["nnx.switch("],
    }));

  it("Haiku: a loop over a fixed tuple of modules under hk.running_init(), then hk.switch over them", () =>
    expectVerifies({
      name: "haiku_module_tuple_loop",
      py: `
import haiku as hk
import jax
import jax.numpy as jnp


def forward(x, idx):
    b0 = hk.Linear(5, name="branch_0")
    b1 = hk.Linear(5, name="branch_1")
    b2 = hk.Linear(5, name="branch_2")
    if hk.running_init():
        for b in (b0, b1, b2):
            b(x)
    return hk.switch(idx, [b0, lambda v: jax.nn.relu(b1(v)), lambda v: b2(v) * 2.0], x)


f = hk.without_apply_rng(hk.transform(forward))
params = f.init(jax.random.PRNGKey(0), jnp.ones((2, 3)), jnp.array(1))
`,
      reads: ["readonly branch2: nnx.Linear;", "lax.switch(idx, ["],
    }));

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

describe.concurrent("Linen nn.vmap ensembles", SLOW, () => {
  it("Ensemble = nn.vmap(MLP, in_axes=None, axis_size=3) called in a compact method, nn.vmap(Head, in_axes=0, out_axes=1, methods=[__call__, encode]) in setup: members stacked on axis 0 under VmapMLP_0 / heads, keys split per member", () =>
    expectVerifies({
      name: "linen_vmap",
      py: LINEN_VMAP,
      entry: entry("Net()", ["x=float32[2,5]"]),
      reads: ["VmapMLP_0", "nnx.stack(", "nnx.vmap("],
    }));
  it("nn.vmap(Pair, in_axes=(0, None)) named, over a batch of per-member inputs (the member count from the input), and nn.vmap(nn.Dense, in_axes=0, out_axes=1): a stacked Linear under VmapDense_0", () =>
    expectVerifies({
      name: "linen_vmap_compact",
      py: LINEN_VMAP_COMPACT,
      entry: entry("Net()", ["xs=float32[4,2,5]", "ctx=float32[2,3]"]),
      reads: ["VmapDense_0", "pairs", "inAxes: [0, 0, null]"],
    }));
  it("an ensemble whose members draw dropout masks (split_rngs dropout), called twice in train mode: each member's masks from its own split key, the counts going on across calls", () =>
    expectVerifies({
      name: "linen_vmap_dropout",
      py: LINEN_VMAP_DROPOUT,
      entry: entry("Net()", ["x=float32[2,5]"]),
      reads: ["VmapBlock_0"],
    }));

  it("nn.vmap with shared parameters (variable_axes={'params': None}, split_rngs={'params': False}) of a class and of nn.Dense: one module under VmapPair_0 / VmapDense_0, run per element", () =>
    expectVerifies({
      name: "linen_vmap_shared",
      py: LINEN_VMAP_SHARED,
      entry: entry("Net()", ["xs=float32[4,2,5]", "ctx=float32[2,3]"]),
      reads: ["VmapPair_0", "{ inAxes: [1], outAxes: 1 }"],
    }));

  it("nn.vmap with shared parameters but split params rngs: NNX201 at the call", () =>
    expectUnsupported(
      `
import flax.linen as nn

class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.vmap(nn.Dense, variable_axes={'params': None}, split_rngs={'params': True}, in_axes=0)(3)(x)
`,
      7,
      /nn\.vmap with shared parameters/,
      entry("Net()", ["x=float32[4,2,5]"]),
    ));

  it("nn.vmap with methods= as a dict (per-method transform arguments): NNX201 at the call", () =>
    expectUnsupported(
      `
import flax.linen as nn

class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.vmap(nn.Dense, variable_axes={'params': 0}, split_rngs={'params': True}, methods={'__call__': {}})(3)(x)
`,
      7,
      /methods=/,
      entry("Net()", ["x=float32[4,2,5]"]),
    ));
});

describe.concurrent("hk.vmap / jax.vmap in module code", SLOW, () => {
  it("hk.vmap(lambda calling a submodule, in_axes=(0, None), split_rng=False), hk.vmap(hk.Linear(...), in_axes=1, out_axes=1), jax.vmap of a def with in_axes=(1, None), hk.vmap of a submodule made in __init__: parameters shared across the mapped axis, built from one element's shapes", () =>
    expectVerifies({
      name: "haiku_vmap",
      py: HAIKU_VMAP,
      entry: entry("forward", ["x=float32[3,2,5]", "ctx=float32[2]"]),
      reads: ["{ inAxes: [0, null] }", "{ inAxes: [1], outAxes: 1 }"],
    }));

  it("hk.vmap(split_rng=True): NNX201 at the call", () =>
    expectUnsupported(
      `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x):
    return hk.vmap(lambda v: jnp.tanh(v), split_rng=True)(x)
`,
      6,
      /hk\.vmap other than with split_rng=False/,
      entry("forward", ["x=float32[3,5]"]),
    ));

  it("hk.vmap of a function that draws keys (hk.dropout: every element gets the same key): NNX201 at the call", () =>
    expectUnsupported(
      `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x):
    return hk.vmap(lambda v: hk.dropout(hk.next_rng_key(), 0.5, v), split_rng=False)(x)
`,
      6,
      /hk\.vmap'd function that draws random keys/,
      entry("forward", ["x=float32[3,5]"]),
    ));
});

const HAIKU_LAYER_STACK = `
import haiku as hk
import jax
import jax.numpy as jnp


class Encoder(hk.Module):
    def __init__(self, hidden: int, num_layers: int, rate: float = 0.2, name=None):
        super().__init__(name=name)
        self.hidden = hidden
        self.num_layers = num_layers
        self.rate = rate

    def _mlp(self, x):
        y = hk.Linear(2 * self.hidden, name="up")(x)
        return x + hk.Linear(x.shape[-1], name="down")(jax.nn.silu(y))

    def __call__(self, x, is_training: bool):
        @hk.experimental.layer_stack(self.num_layers)
        def layer(x):
            h = hk.LayerNorm(axis=-1, create_scale=True, create_offset=True)(x)
            h = hk.Linear(self.hidden)(h)
            if is_training:
                h = hk.dropout(hk.next_rng_key(), self.rate, h)
            return x + jax.nn.gelu(hk.Linear(x.shape[-1])(h))

        x = layer(x)
        return hk.layer_stack(2)(self._mlp)(x)


def forward(x, is_training: bool = False):
    x = Encoder(hidden=8, num_layers=2)(hk.Linear(12)(x), is_training)

    def block(x):
        return jnp.tanh(hk.Linear(x.shape[-1])(x)) + x

    x = hk.experimental.layer_stack(3)(block)(x)
    return hk.layer_stack(2)(lambda h: h + hk.Linear(12)(jax.nn.relu(h)))(x)


model = hk.transform(forward)
params = model.init(jax.random.PRNGKey(0), jnp.ones((3, 5)), is_training=True)
`;

describe.concurrent("hk.layer_stack over a function body", SLOW, () => {
  it("the decorator on a def building several modules (config from self, dropout under the train flag, init in train mode), a nested def, a lambda, a module's method: each body a class stacked by nnx.stack, run by nnx.scanLayers, under the source's __layer_stack_no_per_layer paths with each layer's keys", () =>
    expectVerifies({
      name: "haiku_layer_stack_bodies",
      py: HAIKU_LAYER_STACK,
      reads: [
        "nnx.stack(numLayers, () => new Layer({ hidden, rate, inFeatures, rngs }))",
        "nnx.scanLayers(this.mlpStack, x, (layer, x: nnx.Array) => layer.call(x))",
        "this.block = nnx.stack(3, () => new Block({ inFeatures: 12, rngs }))",
        /class Layer2 extends nnx\.Module/,
      ],
    }));

  it("a stacked function of two carries, one reading a key from where it is defined, layers that keep state (hk.BatchNorm in a module of the file): NNX201 at the call", async () => {
    await expectUnsupported(
      `
import haiku as hk
import jax

def forward(x):
    @hk.layer_stack(2)
    def step(x, acc):
        y = jax.nn.relu(hk.Linear(x.shape[-1])(x))
        return y, acc + y
    return step(x, x)[0]
`,
      10,
      /hk\.layer_stack of a function called with other than one argument \(the carry\)/,
      entry("forward", ["x=float32[2,5]"]),
    );
    await expectUnsupported(
      `
import haiku as hk
import jax

def forward(x):
    key = hk.next_rng_key()
    def block(x):
        return hk.Linear(5)(x) + jax.random.normal(key, x.shape)
    return hk.layer_stack(2)(block)(x)
`,
      8,
      /reads 'key' from where it is defined/,
      entry("forward", ["x=float32[2,5]"]),
    );
    await expectUnsupported(
      `
import haiku as hk
import jax

class Block(hk.Module):
    def __call__(self, x):
        return jax.nn.relu(hk.BatchNorm(True, True, 0.9)(hk.Linear(5)(x), True))

def forward(x):
    @hk.experimental.layer_stack(2)
    def f(x):
        return Block()(x)
    return f(x)
`,
      13,
      /layers keep state \(hk\.BatchNorm\)/,
      entry("forward", ["x=float32[2,5]"]),
    );
  });
});
