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

from ..activations import phi
from ..model import Forward, RNNConfig, output_of
from ..weights import Array, Weights
from . import Back


@dataclass(frozen=True)
class Local:
    """Per-step factors of the backward rules, (T, H) each (coef_s (T, 3H))."""

    z: Array  # z_k: ∂s_k/∂s_{k-1} along the carried path
    coef_x: Array  # (T, 3H) δ^x = σ ⊙ coef_x per unit: [c_n a^s_n σ'(r), (s−n) σ'(z), c_n]
    coef_s: Array  # (T, 3H) δ^s = σ ⊙ coef_s per unit: [c_n a^s_n σ'(r), (s−n) σ'(z), c_n r]


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
        a_s = np.empty((T, 3 * H))  # (T, 3H) s_{t-1} Ws + bs
        act = np.empty((T, 3 * H))  # (T, 3H) r, z, n
        with np.errstate(all="ignore"):  # an exploding run overflows; callers report it
            ax = x @ w.Wx  # (T, 3H): the input part needs no loop
            if w.bx is not None:
                ax = ax + w.bx
            for t in range(T):
                a_s[t] = s[t] @ w.Ws if w.bs is None else s[t] @ w.Ws + w.bs
                act[t, : 2 * H] = phi("sigmoid", ax[t, : 2 * H] + a_s[t, : 2 * H])
                act[t, 2 * H :] = np.tanh(ax[t, 2 * H :] + act[t, :H] * a_s[t, 2 * H :])
                z = act[t, H : 2 * H]
                s[t + 1] = (1 - z) * act[t, 2 * H :] + z * s[t]
            o, y = output_of(config, w, s[1:])  # (T, n_out) each
            a = ax + np.concatenate([a_s[:, : 2 * H], np.zeros((T, H))], axis=1)  # (T, 3H)
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
            coef_x = np.concatenate([c_r, c_z, c_n], axis=1)  # (T, 3H)
            coef_s = np.concatenate([c_r, c_z, c_n * r], axis=1)  # (T, 3H)
        return Local(z=z, coef_x=coef_x, coef_s=coef_s)

    def back(self, w: Weights, local: object, k: int, carry: Array) -> Back:
        """σ_k → δ^x_k, δ^s_k and σ_{k-1} = σ_k ⊙ z_k + δ^s_k Wsᵀ."""
        assert isinstance(local, Local)
        sigma3 = np.tile(carry, 3)  # (m, 3H) σ_k under each gate block
        delta_x = sigma3 * local.coef_x[k - 1]  # back through r, z, n (input side)
        delta_s = sigma3 * local.coef_s[k - 1]  # the same, n's state part gated by r
        carry_prev = carry * local.z[k - 1] + delta_s @ w.Ws.T  # back through z ⊙ s, Ws
        return Back(delta_s, delta_x, carry, None, carry_prev)

    def jacobian(self, w: Weights, local: object) -> Array:
        """J_k = ∂s_k/∂s_{k-1} = diag(z_k) + Σ_gates Ws_j · diag(coef_s_j): (T, H, H)."""
        assert isinstance(local, Local)
        T, H = local.z.shape
        Wb = w.Ws.reshape(H, 3, H)  # (H, 3, H): Ws's gate blocks
        J: Array = np.sum(Wb[None] * local.coef_s.reshape(T, 1, 3, H), axis=2)  # (T, H, H)
        diag = np.arange(H)
        J[:, diag, diag] += local.z
        return J


CELL = GRUCell()
