// The Python programs the array tests translate and verify (each groups many ops).

export const MIXED = `
import jax
import jax.numpy as jnp
import flax.linen as nn


class Mixed(nn.Module):
    lo: int = 0

    @nn.compact
    def __call__(self, x):
        f = nn.Dense(3)(x)
        i = jnp.arange(6).reshape(2, 3) - 2
        j = i * 2 + 1
        b = f > 0.0
        n = i + 2
        k = 1.0 if self.lo <= 1 < 3 else 2.0
        return (
            i - 3.0, i - 3, i - True, i + 2.0, 3.0 - i, 2.5 * i, i * True, i / 2, i / 2.0,
            i // 2, i // -2.0, i % 3, i % 2.0, i ** 2, n ** 2.0, 2 ** n, f ** 2, f ** 2.0, jnp.abs(f) ** 0.5,
            f - 3.0, 3 - f, f * True, f / 4, f // 2.0, f % 1.5, -f, -i, ~i, ~b, -(i * 1.0), +i,
            b + 1, b * 2.5, b + b, b * b, b & True, b | False, b ^ True, i & 3, i | 4, i ^ 1, i << 1, n >> 1,
            i + f, i * b, f * b, j // i.clip(1, None), j % (i + 3), f // (f + 3.0), f % (f + 3.0),
            i < 1.5, i <= 1, i == 2, i != 2.0, i > True, f >= 0.0, f < i, b == True, b != False, 1 < i,
            i @ i.T, f @ f.T, (i - 3.0).astype(jnp.int32), jnp.float32(i), jnp.int32(f * 3),
            f + k, i + k, i * k,
        )


model = Mixed()
params = model.init(jax.random.key(0), jnp.ones((2, 4)))
`;

export const LAYOUT = `import jax
import jax.numpy as jnp
import flax.linen as nn


class Layout(nn.Module):
    heads: int = 2

    @nn.compact
    def __call__(self, x, img):
        # x: [B, T, D], img: [B, H, W, C]
        b, t, d = x.shape
        h = nn.Conv(4, (3, 3))(img)
        h = nn.avg_pool(h, (2, 2), strides=(2, 2))
        flat = h.reshape((h.shape[0], -1))
        y1 = nn.Dense(5)(flat)
        q = nn.Dense(8)(x).reshape(b, t, self.heads, -1)
        att = jnp.einsum("bthd,bshd->bhts", q, q)
        ctx = jnp.einsum("bhts,bshd->bthd", jax.nn.softmax(att, axis=-1), q).reshape(b, t, -1)
        y2 = nn.Dense(3)(ctx)
        z = jnp.concatenate([x, jnp.swapaxes(x, 1, 2).mean(axis=-1, keepdims=True).transpose(0, 2, 1)[:, :, :1].repeat(t, axis=1)], axis=-1)
        y3 = nn.Dense(2)(z)
        s1, s2 = jnp.split(x, 2, axis=-1)
        y4 = nn.Dense(2)(jnp.stack([s1, s2], axis=1).reshape(b, -1))
        idx = jnp.argmax(x, axis=-1)
        g = jnp.take_along_axis(x, idx[..., None], axis=-1)
        tk = jnp.take(x, jnp.array([0, 2]), axis=1)
        y5 = nn.Dense(3)(jnp.concatenate([g.squeeze(-1), tk.reshape(b, -1)], axis=1))
        p = jnp.pad(x, ((0, 0), (1, 2), (0, 0)))
        tl = jnp.tile(x[:, :1, :], (1, 2, 1))
        y6 = nn.Dense(2)(jnp.moveaxis(jnp.concatenate([p, tl], axis=1), 1, -1))
        e = jnp.expand_dims(x, 0)
        bt = jnp.broadcast_to(x[:, None, :, :], (b, 3, t, d))
        y7 = nn.Dense(2)(jnp.flip(jnp.roll(bt, 1, axis=2), axis=1).reshape(b, 3, -1))
        o = jnp.outer(x[0, 0], x[1, 1])
        td = jnp.tensordot(x, o, axes=1)
        dg = jax.lax.dot_general(x, o, (((2,), (0,)), ((), ())))
        y8 = nn.Dense(2)(td + dg + jnp.dot(x, o) + x @ o + jnp.matmul(x, o))
        return y1, y2, y3, y4, y5, y6, y7, y8, e.sum(axis=0), jnp.ravel(x).reshape(-1, d)


model = Layout()
params = model.init(jax.random.key(0), jnp.ones((2, 6, 4)), jnp.ones((2, 8, 8, 3)))
`;

export const SUBS = `import haiku as hk
import jax
import jax.numpy as jnp


class Subs(hk.Module):
    def __init__(self, vocab: int, dim: int, name=None):
        super().__init__(name=name)
        self.vocab = vocab
        self.dim = dim

    def __call__(self, x, ids):
        x = jnp.asarray(x)
        emb = hk.get_parameter("embedding", [self.vocab, self.dim], init=hk.initializers.RandomNormal())
        e = emb[ids]
        last = x[:, -1, :]
        mask = ids > 3
        m4 = mask[:, None, None, :]
        ev = x[..., ::2]
        rev = x[:, ::-1]
        mid = x[:, 1:-1, 1:3]
        rows = emb[jnp.array([1, 0, 2])]
        first, second = x
        acc = jnp.zeros_like(x[0])
        for row in x:
            acc = acc + row * 2.0
        picked = x[jnp.arange(2), ids[:, 0] % 5]
        cross = x[:, jnp.array([0, 2]), 1:]
        adv = x[ids[:, :2] % 2, :, 0]
        masked = jnp.where(m4[:, 0, 0, :, None], x, 0.0)
        sel = x[mask]
        upd = x.at[:, 0].set(1.0)
        upd = upd.at[0, ids[0, 0] % 5].add(x[1, 0])
        upd = upd.at[:, :, -1].multiply(2.0)
        upd = upd.at[1].max(0.5)
        got = upd.at[0, 0].get()
        h = hk.Linear(3)(jnp.concatenate([e, x, ev], axis=-1))
        z = hk.Linear(2)(last + mid.sum() + rev[:, 0] + first.mean(0) + second[-1] + acc[0])
        return h, z, m4, rows, picked, cross, adv, masked, sel.sum(), upd, got


def forward(x, ids):
    return Subs(vocab=10, dim=4)(x, ids)


f = hk.transform(forward)
params = f.init(jax.random.key(0), jnp.ones((2, 5, 4)), jnp.ones((2, 5), dtype=jnp.int32))
`;

export const LAX_RANDOM = `import jax
import jax.numpy as jnp
from jax import lax
import flax.linen as nn


class LaxRandom(nn.Module):
    @nn.compact
    def __call__(self, x, temperature: float = 2.0):
        # x: [B, T, D]
        h = nn.Dense(6)(x)
        sg = lax.stop_gradient(h)
        r = lax.rsqrt(jnp.abs(h) + 1.0)
        ds = lax.dynamic_slice(h, (0, 1, 2), (2, 3, 4))
        dsi = lax.dynamic_slice_in_dim(h, 2, 2, axis=1)
        du = lax.dynamic_update_slice(h, jnp.zeros((2, 1, 6)), (0, 1, 0))
        sl = lax.slice(h, (0, 0, 1), (2, 4, 6), (1, 2, 2))
        dg = lax.dot_general(h, h, (((2,), (2,)), ((0,), (0,))))
        cl = lax.clamp(-0.5, h, 0.5)
        se = lax.select(h > 0, h, -h)
        er = lax.erf(h) + lax.logistic(h) + lax.square(h) + lax.integer_pow(h, 3)
        cv = lax.convert_element_type(h > 0, jnp.float32)
        bi = lax.broadcast_in_dim(h[:, 0], (2, 3, 6), (0, 2))
        cw = lax.conv_general_dilated(h, jnp.linspace(-1.0, 1.0, 36).reshape(3, 6, 2), (1,), "SAME", dimension_numbers=("NWC", "WIO", "NWC"))
        cn = lax.conv_general_dilated(jnp.swapaxes(h, 1, 2), jnp.ones((2, 6, 2)) * 0.1, (2,), [(1, 0)], rhs_dilation=(2,))
        rw = lax.reduce_window(jax.nn.relu(h), -jnp.inf, lax.max, (1, 2, 2), (1, 2, 2), "VALID")
        rs = lax.reduce_window(h, 0.0, lax.add, (1, 3, 1), (1, 1, 1), "SAME")
        rm = lax.reduce_window(h, jnp.inf, lax.min, (1, 2, 3), (1, 1, 2), ((0, 0), (1, 0), (0, 1)))

        def ema(carry, xt):
            c = 0.9 * carry + 0.1 * xt
            return c, c * 2.0

        last, ys = lax.scan(ema, jnp.zeros((2, 6)), jnp.swapaxes(h, 0, 1))

        def acc(carry, xs_t):
            a, b = xs_t
            s, n = carry
            return (s + a * b, n + 1), None

        (tot, cnt), _ = lax.scan(acc, (jnp.zeros(6), jnp.zeros((), jnp.int32)), (h[0], h[1]), reverse=True)
        c3, cs = lax.scan(lambda c, _: (c * 1.5, c), jnp.ones(3), None, length=4)
        cd = lax.conv_general_dilated(h, jnp.ones((3, 1, 6)) * 0.2, (1,), "VALID", dimension_numbers=("NWC", "WIO", "NWC"), feature_group_count=6)
        key = jax.random.key(3)
        k1, k2 = jax.random.split(key)
        k3 = jax.random.fold_in(key, 7)
        n = jax.random.normal(k1, (2, 6))
        u = jax.random.uniform(k2, (2, 6), minval=-1.0, maxval=2.0)
        tn = jax.random.truncated_normal(k3, -2.0, 2.0, (2, 6))
        be = jax.random.bernoulli(k1, 0.3, (2, 6))
        ca = jax.random.categorical(k2, h[:, 0] / temperature)
        gu = jax.random.gumbel(k3, (6,))
        pe = jax.random.permutation(k1, 6)
        ri = jax.random.randint(k2, (2, 6), -3, 70000) + jax.random.randint(k3, (6,), 0, x.shape[-1])
        y = nn.Dense(3)(sg + r + ds.sum() + dsi.mean() + du + sl.max() + dg.sum(-1, keepdims=True) + cl + se + er + cv + bi.mean(1, keepdims=True) + cw.sum() + cn.mean() + cd.sum(1, keepdims=True) + rw.sum() + rs + rm.mean() + last[:, None, :] + ys.mean(0)[:, None, :] + tot + cnt + c3.sum() + cs.sum())
        return y, n * h[:, 0] + u + tn + be + gu, ca, pe, ri


model = LaxRandom()
params = model.init(jax.random.key(0), jnp.ones((2, 4, 5)))
`;

export const STATIC_MATH = `import math
import numpy as np
import jax
import jax.numpy as jnp
import flax.linen as nn


class StaticMath(nn.Module):
    num_heads: int = 2
    patch: int = 2

    @nn.compact
    def __call__(self, x):
        # x: [B, N, D] with N a square number of patches
        b, n, d = x.shape
        side = int(np.sqrt(n))
        head_dim = x.shape[-1] // self.num_heads
        grid = x.reshape(b, side, side, d)
        feats = math.prod(grid.shape[1:])
        total = np.prod(x.shape)
        rank = len(x.shape)
        widest = max(d, 2 * head_dim, 3)
        sizes = (head_dim, widest)
        h = nn.Dense(sizes[0] * self.num_heads)(x)
        flat = grid.reshape(b, feats)
        y = nn.Dense(widest)(flat)
        z = nn.Dense(sizes[-1] + rank)(h.reshape(b, n, self.num_heads, head_dim).mean(axis=2))
        scale = 1.0 / math.sqrt(head_dim)
        return y * scale + total, z


model = StaticMath()
params = model.init(jax.random.key(0), jnp.ones((2, 4, 6)))
`;

export const LIMITS = `import math
from typing import Any
import jax
import jax.numpy as jnp
import numpy as np
import flax.linen as nn


class Masked(nn.Module):
    features: tuple = (4, 6, 3)
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x):
        # x: [B, T, D]
        x = jnp.asarray(x, self.dtype) + jnp.zeros_like(x, dtype=x.dtype)
        b, t, d = x.shape
        q = nn.Dense(max(self.features))(x)
        att = jnp.einsum("...qd,...kd->...qk", q, q) / math.sqrt(q.shape[-1])
        causal = jnp.tril(jnp.ones((t, t), dtype=jnp.bool_))
        big_neg = jnp.finfo(jnp.float32).min
        att = jnp.where(causal[None], att, big_neg)
        att = jax.nn.softmax(att, axis=None) + jax.nn.softmax(att, axis=-1, where=causal[None])
        pos = jnp.arange(t)[None, :] - jnp.arange(t)[:, None]
        bias = jnp.clip(pos, -2, 2).astype(jnp.float32) * 0.1
        y = att + bias
        big = jnp.iinfo(jnp.int32).max
        m = jnp.minimum(pos, big) * 1.0
        return nn.Dense(min(self.features) + math.ceil(d / 3))(y), m, math.floor(2.5) * x


model = Masked()
params = model.init(jax.random.key(0), jnp.ones((2, 5, 4)))
`;

export const REDUCE = `import haiku as hk
import jax
import jax.numpy as jnp
import numpy as np


class Reduce(hk.Module):
    def __call__(self, x):
        # x: [B, T, D]
        h = hk.Linear(4)(x)
        b, t, d = h.shape
        valid = jnp.arange(t)[None, :, None] < 3
        z = jnp.zeros((b, 2)) + jnp.ones((b, 2), dtype=jnp.int32) + jnp.full((b, 2), 1.0) + jnp.full((b, 2), 2)
        zl = jnp.zeros_like(h) + jnp.ones_like(h, dtype=jnp.int32) + jnp.full_like(h, 0.5) + jnp.empty_like(h) * 0
        ar = jnp.arange(1, 9, 2) + jnp.arange(4.0) + jnp.arange(0, 1, 0.25)
        ls = jnp.linspace(0.0, 1.0, 4) + jnp.linspace(0, 1, 4, endpoint=False)
        ey = jnp.eye(4) + jnp.eye(4, 4, 1) + jnp.tri(4) + jnp.identity(4, dtype=jnp.int32) + jnp.tril(h[0, :4]) + jnp.triu(h[1, 1:], 1)
        arr = jnp.array([[1.0, 2], [3, 4]]) + jnp.array([1, 2]) + jnp.asarray([0.5, 1.5]) + np.array([1.0, 2.0])
        sums = (
            h.sum(), h.sum(axis=-1), h.sum(axis=(0, 2), keepdims=True), jnp.sum(h, axis=1, where=valid),
            jnp.mean(h, axis=-1, keepdims=True), h.mean(axis=1, where=valid), jnp.var(h, axis=-1), h.std(axis=0, ddof=1),
            jnp.max(h, axis=-1), h.min(axis=(1, 2)), jnp.max(h, axis=1, where=valid, initial=-1.0), jnp.prod(h[..., :2], axis=-1),
            jnp.argmax(h, axis=-1), h.argmin(axis=1), jnp.argmax(h), jnp.argmax(h, axis=-1, keepdims=True),
            jnp.cumsum(h, axis=1), h.cumprod(axis=-1), jnp.cumsum(h), jnp.cumsum(valid, axis=1),
            jax.nn.logsumexp(h, axis=-1), jax.scipy.special.logsumexp(h, axis=1, keepdims=True), jnp.all(h > -1.0, axis=-1), jnp.any(h > 1.0),
            jnp.sum(valid), jnp.mean(jnp.arange(5)), jnp.linalg.norm(h, axis=-1), jnp.count_nonzero(h > 0, axis=1),
        )
        u = jnp.abs(h) + 0.5
        ew = (
            jnp.exp(h), jnp.log(u), jnp.log1p(u), jnp.expm1(h), jnp.log2(u), jnp.log10(u), jnp.sqrt(u), jax.lax.rsqrt(u),
            jnp.sin(h), jnp.cos(h), jnp.tan(h * 0.3), jnp.arctan(h), jnp.arcsin(jnp.tanh(h)), jnp.arctan2(h, u),
            jnp.sinh(h), jnp.cosh(h), jnp.tanh(h), jnp.arcsinh(h), jnp.sign(h), jnp.floor(h), jnp.ceil(h), jnp.round(h, 1),
            jnp.square(h), jnp.reciprocal(u), jnp.maximum(h, 0.0), jnp.minimum(h, -h), jnp.clip(h, -0.5, 0.5), h.clip(max=0.2),
            jnp.where(h > 0, h, 0.1 * h), jnp.where(h > 0, 1.0, 0.0), jnp.select([h > 0.5, h < -0.5], [h, -h], 0.0),
            jnp.logical_and(h > 0, valid), jnp.logical_not(h > 0), jnp.logical_or(h > 0.5, h < -0.5), jnp.isnan(h), jnp.isfinite(h),
            h.astype(jnp.int32), (h > 0).astype(jnp.float32), jnp.astype(h, jnp.int32), jnp.power(u, 3), jnp.float_power(u, 2),
            jax.nn.glu(h), jax.nn.squareplus(h), jax.nn.squareplus(h, b=2), jax.nn.sparse_plus(h), jax.nn.sparse_sigmoid(h),
            jax.nn.identity(h), jax.nn.log1mexp(u), jax.nn.logmeanexp(h, axis=-1), jax.nn.logmeanexp(h, axis=1, where=valid, keepdims=True),
        )
        # Integer results (a cast, an argmax) carry no gradient back into h.
        q = h.astype(jnp.int32).astype(jnp.float32) + jax.nn.one_hot(jnp.argmax(h, axis=-1), d)
        padded = jnp.pad(h, ((0, 0), (1, 0), (0, 0)), constant_values=0.5)[:, :t]
        rev = jnp.concatenate(jnp.split(h, [1, 3], axis=-1)[::-1], axis=-1)
        h = h + q + padded / jnp.sqrt(d).astype(h.dtype) + rev
        y = hk.Linear(3)(jnp.concatenate([h, zl, jnp.broadcast_to(z[:, None, :1], (b, t, 1))], axis=-1))
        return y, ar, ls, ey, arr, sums, ew


def forward(x):
    return Reduce()(x)


f = hk.transform(forward)
params = f.init(jax.random.key(0), jnp.ones((2, 5, 3)))
`;

export const GPT = `import jax
import jax.numpy as jnp
import flax.linen as nn


class CausalSelfAttention(nn.Module):
    num_heads: int = 2
    qkv_features: int = 16

    @nn.compact
    def __call__(self, x):
        B, T, C = x.shape
        head_dim = self.qkv_features // self.num_heads
        qkv = nn.Dense(3 * self.qkv_features)(x)
        q, k, v = jnp.split(qkv, 3, axis=-1)
        q = q.reshape(B, T, self.num_heads, head_dim).transpose(0, 2, 1, 3)
        k = k.reshape(B, T, self.num_heads, head_dim).transpose(0, 2, 1, 3)
        v = v.reshape(B, T, self.num_heads, head_dim).transpose(0, 2, 1, 3)
        att = (q @ k.swapaxes(-2, -1)) * (1.0 / jnp.sqrt(head_dim))
        causal = jnp.tril(jnp.ones((T, T)))
        att = jnp.where(causal[None, None] == 0, float("-inf"), att)
        att = jax.nn.softmax(att, axis=-1)
        y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, -1)
        return nn.Dense(C)(y)


class Block(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = x + CausalSelfAttention()(nn.LayerNorm()(x))
        h = nn.Dense(4 * x.shape[-1])(nn.LayerNorm()(x))
        return x + nn.Dense(x.shape[-1])(nn.gelu(h))


class GPT(nn.Module):
    vocab: int = 11
    dim: int = 8

    @nn.compact
    def __call__(self, ids):
        pos = jnp.arange(ids.shape[1])[None]
        wte = self.param("wte", nn.initializers.normal(0.02), (self.vocab, self.dim))
        wpe = self.param("wpe", nn.initializers.normal(0.02), (16, self.dim))
        x = wte[ids] + wpe[pos]
        x = Block()(x)
        return x @ wte.T


model = GPT()
params = model.init(jax.random.key(0), jnp.ones((2, 5), dtype=jnp.int32))
`;
