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
        s = np.zeros((T + 1, H))  # (T+1, H), s[0] is s_0
        if s0 is not None:
            s[0] = s0
        half = np.full(3 * H, 0.5)  # (3H,) ½ on r, z: σ(a) = ½ + ½ tanh(a/2), exact scaling
        half[2 * H :] = 1.0
        a_s = np.empty((T, 3 * H))  # (T, 3H) (s_{t-1} Ws + bs) ⊙ half
        th = np.empty((T, 2 * H))  # (T, 2H) tanh of the halved r, z pre-activations
        n = np.empty((T, H))  # (T, H)
        rz = np.empty(2 * H)  # (2H,) this step's r, z
        r, z = rz[:H], rz[H:]
        with np.errstate(all="ignore"):  # an exploding run overflows; callers report it
            ax = x @ w.Wx  # (T, 3H): the input part needs no loop
            if w.bx is not None:
                ax = ax + w.bx
            ax_half = ax * half  # (T, 3H)
            Ws_half = w.Ws * half  # (H, 3H)
            bs_half = None if w.bs is None else w.bs * half  # (3H,)
            for t in range(T):
                row = a_s[t]
                np.matmul(s[t], Ws_half, out=row)
                if bs_half is not None:
                    row += bs_half
                np.add(ax_half[t, : 2 * H], row[: 2 * H], out=th[t])
                np.tanh(th[t], out=th[t])
                np.multiply(th[t], 0.5, out=rz)
                rz += 0.5  # r, z = σ(·) = ½ + ½ tanh(·/2)
                np.multiply(r, row[2 * H :], out=n[t])
                n[t] += ax[t, 2 * H :]
                np.tanh(n[t], out=n[t])  # n = tanh(a^x_n + r ⊙ a^s_n)
                np.subtract(s[t], n[t], out=s[t + 1])
                s[t + 1] *= z
                s[t + 1] += n[t]  # s_t = n + z ⊙ (s_{t-1} − n) = (1 − z) ⊙ n + z ⊙ s_{t-1}
            a_s /= half  # back to s_{t-1} Ws + bs (exact)
            act = np.concatenate([0.5 * th + 0.5, n], axis=1)  # (T, 3H) r, z, n
            o, y = output_of(config, w, s[1:])  # (T, n_out) each
            a = np.concatenate(
                [ax[:, : 2 * H] + a_s[:, : 2 * H], ax[:, 2 * H :] + act[:, :H] * a_s[:, 2 * H :]],
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
