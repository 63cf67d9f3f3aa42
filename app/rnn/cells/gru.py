"""The GRU cell, PyTorch's torch.nn.GRU in the lecture's row vectors (cells.md).

    a^x_t = x_t Wx (+ bx)      a^s_t = s_{t-1} Ws (+ bs)          blocks r, z, n (1×3H each)
    r = σ(a^x_r + a^s_r)   z = σ(a^x_z + a^s_z)   n = tanh(a^x_n + r ⊙ a^s_n)
    s_t = (1 − z) ⊙ n + z ⊙ s_{t-1}

Backward, from σ_k = ∂E_t/∂s_k:

    δ_n = σ_k ⊙ (1 − z) ⊙ tanh'(·)        δ_z = σ_k ⊙ (s_{k-1} − n) ⊙ σ'(·)
    δ_r = δ_n ⊙ a^s_n ⊙ σ'(·)
    δ^x = [δ_r, δ_z, δ_n]    δ^s = [δ_r, δ_z, δ_n ⊙ r]           r gates the state's part of n
    σ_{k-1} = σ_k ⊙ z + δ^s Wsᵀ                                   z keeps the old state
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Forward, RNNConfig, output_of
from ..weights import Array, Weights
from . import Back


@dataclass(frozen=True)
class Local:
    """Per-step factors of the backward rules, (T, H) each (coef_s (T, 3H))."""

    z: Array  # z_k: ∂s_k/∂s_{k-1} along the carried path
    coef_x: Array  # (T, 3, H) δ^x = σ ⊙ coef_x per block: [c_n a^s_n σ'(r), (s−n) σ'(z), c_n]
    coef_s: Array  # (T, 3, H) δ^s = σ ⊙ coef_s per block: [c_n a^s_n σ'(r), (s−n) σ'(z), c_n r]
    WsT: Array  # (3H, H) Wsᵀ


class GRUCell:
    """torch.nn.GRU, one layer, gate blocks r, z, n."""

    name = "gru"

    def forward(
        self, config: RNNConfig, w: Weights, x: Array, s0: Array | None, c0: Array | None
    ) -> Forward:
        """Run s_t = (1 − z) ⊙ n + z ⊙ s_{t-1} for t = 1..T."""
        T, H = x.shape[0], config.n_hidden
        n_in = x.shape[1]
        half = np.full(2 * H, 0.5)  # (2H,) ½ on r, z: σ(a) = ½ + ½ tanh(a/2), exact scaling
        # one product per step: [s_{t-1}, x_t(, 1)] @ W = [(a^x + a^s)_{r,z} ⊙ ½, a^s_n, a^x_n]
        W = np.zeros((H + n_in + (w.bs is not None), 4 * H))  # (H + n_in (+1), 4H)
        W[:H, : 2 * H] = w.Ws[:, : 2 * H] * half
        W[:H, 2 * H : 3 * H] = w.Ws[:, 2 * H :]
        W[H : H + n_in, : 2 * H] = w.Wx[:, : 2 * H] * half
        W[H : H + n_in, 3 * H :] = w.Wx[:, 2 * H :]
        if w.bs is not None and w.bx is not None:
            W[-1, : 2 * H] = (w.bx[: 2 * H] + w.bs[: 2 * H]) * half
            W[-1, 2 * H : 3 * H] = w.bs[2 * H :]
            W[-1, 3 * H :] = w.bx[2 * H :]
        inputs = np.zeros((T + 1, W.shape[0]))  # (T+1, H+n_in(+1)) row t: [s_t, x_{t+1}(, 1)]
        inputs[:T, H : H + n_in] = x
        if w.bs is not None:
            inputs[:, -1] = 1.0
        if s0 is not None:
            inputs[0, :H] = s0
        a_step = np.empty((T, 4 * H))  # (T, 4H) this product, every step
        th = np.empty((T, 2 * H))  # (T, 2H) tanh of the halved r, z pre-activations
        n = np.empty((T, H))  # (T, H)
        rz = np.empty(2 * H)  # (2H,) this step's r, z
        r, z = rz[:H], rz[H:]
        with np.errstate(all="ignore"):  # an exploding run overflows; callers report it
            steps = zip(
                inputs[:-1],  # [s_{t-1}, x_t(, 1)]
                inputs[:-1, :H],  # s_{t-1}
                inputs[1:, :H],  # s_t
                a_step,
                a_step[:, : 2 * H],  # (a^x + a^s)_{r,z} ⊙ ½
                a_step[:, 2 * H : 3 * H],  # a^s_n
                a_step[:, 3 * H :],  # a^x_n
                th,
                n,
                strict=True,
            )
            for s_prev_x, s_prev, s_t, a_t, a_rz, as_n, ax_n, th_t, n_t in steps:
                np.matmul(s_prev_x, W, out=a_t)
                np.tanh(a_rz, out=th_t)
                np.multiply(th_t, half, out=rz)
                np.add(rz, half, out=rz)  # r, z = σ(·) = ½ + ½ tanh(·/2)
                np.multiply(r, as_n, out=n_t)
                n_t += ax_n
                np.tanh(n_t, out=n_t)  # n = tanh(a^x_n + r ⊙ a^s_n)
                np.subtract(s_prev, n_t, out=s_t)
                s_t *= z
                s_t += n_t  # s_t = n + z ⊙ (s_{t-1} − n) = (1 − z) ⊙ n + z ⊙ s_{t-1}
            s = np.ascontiguousarray(inputs[:, :H])  # (T+1, H), s[0] is s_0
            a_s = np.empty((T, 3 * H))  # (T, 3H) s_{t-1} Ws + bs
            np.matmul(s[:-1], w.Ws[:, : 2 * H], out=a_s[:, : 2 * H])
            if w.bs is not None:
                a_s[:, : 2 * H] += w.bs[: 2 * H]
            a_s[:, 2 * H :] = a_step[:, 2 * H : 3 * H]
            act = np.concatenate([0.5 * th + 0.5, n], axis=1)  # (T, 3H) r, z, n
            o, y = output_of(config, w, s[1:])  # (T, n_out) each
            a = np.concatenate(
                [a_step[:, : 2 * H] * 2.0, a_step[:, 3 * H :] + act[:, :H] * a_s[:, 2 * H :]],
                axis=1,
            )  # (T, 3H) what σ, σ and tanh were applied to
        gates = {name: act[:, j * H : (j + 1) * H] for j, name in enumerate("rzn")}
        return Forward(x=x, z=a, s=s, o=o, y=y, cell="gru", gates=gates, a_s=a_s)

    def local(self, config: RNNConfig, w: Weights, fwd: Forward) -> Local:
        """The gates' derivatives and the products the backward step multiplies by."""
        assert fwd.a_s is not None
        r, z, n = (fwd.gates[name] for name in "rzn")
        H = r.shape[1]
        with np.errstate(all="ignore"):
            c_n = (1 - z) * (1 - n * n)  # ∂s/∂(n's pre-activation)
            c_r = c_n * fwd.a_s[:, 2 * H :] * r * (1 - r)
            c_z = (fwd.s[:-1] - n) * z * (1 - z)
            coef_x = np.stack([c_r, c_z, c_n], axis=1)  # (T, 3, H)
            coef_s = np.stack([c_r, c_z, c_n * r], axis=1)  # (T, 3, H)
        return Local(z=z, coef_x=coef_x, coef_s=coef_s, WsT=w.Ws.T)

    def back(
        self, w: Weights, local: object, k: int, carry: Array, out: Array | None = None
    ) -> Back:
        """σ_k → δ^x_k, δ^s_k and σ_{k-1} = σ_k ⊙ z_k + δ^s_k Wsᵀ."""
        assert isinstance(local, Local)
        lead, H = carry.shape[:-1], carry.shape[-1]
        sigma3 = carry[..., None, :]  # (m, 1, H) σ_k under each gate block
        delta_x = np.multiply(sigma3, local.coef_x[k - 1]).reshape((*lead, 3 * H))  # r, z, n
        delta_s = np.empty((*lead, 3 * H)) if out is None else out  # (m, 3H)
        np.multiply(sigma3, local.coef_s[k - 1], out=delta_s.reshape((*lead, 3, H)))  # n: ⊙ r
        carry_prev = delta_s @ local.WsT  # back through Ws
        carry_prev += carry * local.z[k - 1]  # back through z ⊙ s_{k-1}
        return Back(delta_s, delta_x, carry, None, carry_prev)

    def totals(self, w: Weights, local: object, inject: Array) -> tuple[Array, Array]:
        """δ^s_k, δ^x_k summed over the loss steps, (T, 3H) each, by the rules of back() on
        one carry walked from k = T to 1 (the efficient recursion), every buffer made once."""
        assert isinstance(local, Local)
        T, H = local.z.shape
        delta_s = np.empty((T, 3 * H))  # (T, 3H) δ^s_k
        delta_x = np.empty((T, 3 * H))  # (T, 3H) δ^x_k
        sigma = np.empty(H)  # (H,) σ_k
        carried = np.zeros(H)  # (H,) σ_k before ε_k Wyᵀ joins: zero past T
        kept = np.empty(H)  # (H,) σ_k ⊙ z_k
        steps = zip(
            inject[::-1],  # ε_k Wyᵀ [k ∈ L]
            local.coef_x[::-1],
            local.coef_s[::-1],
            local.z[::-1],
            delta_s[::-1],
            delta_s.reshape(T, 3, H)[::-1],
            delta_x.reshape(T, 3, H)[::-1],
            strict=True,
        )
        with np.errstate(all="ignore"):
            for inject_k, coef_x, coef_s, z, ds_k, ds_blocks, dx_blocks in steps:
                np.add(carried, inject_k, out=sigma)  # σ_k
                np.multiply(sigma, coef_x, out=dx_blocks)  # δ^x = [δ_r, δ_z, δ_n]
                np.multiply(sigma, coef_s, out=ds_blocks)  # δ^s: n's block ⊙ r
                np.matmul(ds_k, local.WsT, out=carried)  # back through Ws
                np.multiply(sigma, z, out=kept)
                carried += kept  # back through z ⊙ s_{k-1}
        return delta_s, delta_x

    def jacobian(self, w: Weights, local: object) -> Array:
        """J_k = ∂s_k/∂s_{k-1} = diag(z_k) + Σ_gates Ws_j · diag(coef_s_j): (T, H, H)."""
        assert isinstance(local, Local)
        T, H = local.z.shape
        Wb = w.Ws.reshape(H, 3, H)  # (H, 3, H): Ws's gate blocks
        J: Array = np.sum(Wb[None] * local.coef_s[:, None], axis=2)  # (T, H, H)
        diag = np.arange(H)
        J[:, diag, diag] += local.z
        return J


CELL = GRUCell()
