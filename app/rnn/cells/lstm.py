"""The LSTM cell, PyTorch's torch.nn.LSTM in the lecture's row vectors (cells.md).

    a_t = x_t Wx + s_{t-1} Ws (+ bx + bs)         blocks a^i, a^f, a^g, a^o (1×4H)
    i, f, o = σ(a^i), σ(a^f), σ(a^o)   g = tanh(a^g)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t    s_t = o_t ⊙ tanh(c_t)

Backward, with the carry λ_k = [σ_k, κ̃_k] (κ̃_k = ∂E_t/∂c_k through c_{k+1} only):

    κ_k   = κ̃_k + σ_k ⊙ o_k ⊙ tanh'(c_k)             back through s_k = o_k ⊙ tanh(c_k)
    δ^o   = σ_k ⊙ tanh(c_k) ⊙ σ'(a^o)                 back through o_k
    δ^i, δ^f, δ^g = κ_k ⊙ g_k ⊙ σ'(a^i), κ_k ⊙ c_{k-1} ⊙ σ'(a^f), κ_k ⊙ i_k ⊙ tanh'(a^g)
    λ_{k-1} = [δ_k Wsᵀ, κ_k ⊙ f_k]                    the forget gate carries the cell error
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
    """Per-step factors of the backward rules, (T, H) each; coef_* are (T, 4H)."""

    f: Array  # f_k: ∂c_k/∂c_{k-1}
    o_dtanh: Array  # o_k ⊙ tanh'(c_k): ∂s_k/∂c_k
    coef_c: Array  # [g σ'(a^i), c_{k-1} σ'(a^f), i tanh'(a^g), 0]: ∂c_k/∂a_k per unit
    coef_s: Array  # [0, 0, 0, tanh(c_k) σ'(a^o)]: ∂s_k/∂a_k through o_k


class LSTMCell:
    """torch.nn.LSTM, one layer, gate blocks i, f, g, o."""

    name = "lstm"

    def forward(
        self, config: RNNConfig, w: Weights, x: Array, s0: Array | None, c0: Array | None
    ) -> Forward:
        """Run c_t = f ⊙ c_{t-1} + i ⊙ g, s_t = o ⊙ tanh(c_t) for t = 1..T."""
        T, H = x.shape[0], config.n_hidden
        s = np.zeros((T + 1, H))  # (T+1, H), s[0] is s_0
        c = np.zeros((T + 1, H))  # (T+1, H), c[0] is c_0
        if s0 is not None:
            s[0] = s0
        if c0 is not None:
            c[0] = c0
        a = np.empty((T, 4 * H))  # (T, 4H) pre-activations a_t
        act = np.empty((T, 4 * H))  # (T, 4H) i, f, g, o after their nonlinearities
        with np.errstate(all="ignore"):  # an exploding run overflows; callers report it
            xa = x @ w.Wx  # (T, 4H): the input part needs no loop
            if w.bx is not None and w.bs is not None:
                xa = xa + w.bx + w.bs
            for t in range(T):
                a[t] = xa[t] + s[t] @ w.Ws
                act[t] = phi("sigmoid", a[t])
                act[t, 2 * H : 3 * H] = np.tanh(a[t, 2 * H : 3 * H])
                i, f, g, o = act[t, :H], act[t, H : 2 * H], act[t, 2 * H : 3 * H], act[t, 3 * H :]
                c[t + 1] = f * c[t] + i * g
                s[t + 1] = o * np.tanh(c[t + 1])
            out, y = output_of(config, w, s[1:])  # (T, n_out) each
        gates = {name: act[:, j * H : (j + 1) * H] for j, name in enumerate("ifgo")}
        return Forward(x=x, z=a, s=s, o=out, y=y, cell="lstm", gates=gates, c=c)

    def local(self, config: RNNConfig, w: Weights, fwd: Forward) -> Local:
        """The gates' derivatives and the products the backward step multiplies by."""
        assert fwd.c is not None
        i, f, g, o = (fwd.gates[name] for name in "ifgo")
        with np.errstate(all="ignore"):
            tanh_c = np.tanh(fwd.c[1:])  # (T, H)
            zero = np.zeros_like(i)
            coef_c = np.concatenate(
                [g * i * (1 - i), fwd.c[:-1] * f * (1 - f), i * (1 - g * g), zero], axis=1
            )  # (T, 4H)
            coef_s = np.concatenate([zero, zero, zero, tanh_c * o * (1 - o)], axis=1)  # (T, 4H)
            return Local(f=f, o_dtanh=o * (1 - tanh_c * tanh_c), coef_c=coef_c, coef_s=coef_s)

    def back(self, w: Weights, local: object, k: int, carry: Array) -> Back:
        """[σ_k, κ̃_k] → κ_k, δ_k = ∂E_t/∂a_k and [σ_{k-1}, κ̃_{k-1}]."""
        assert isinstance(local, Local)
        H = w.Ws.shape[0]
        sigma, kappa_in = carry[..., :H], carry[..., H:]
        kappa = kappa_in + sigma * local.o_dtanh[k - 1]  # back through s_k = o ⊙ tanh(c_k)
        delta = np.tile(kappa, 4) * local.coef_c[k - 1]  # back through c_k = f c + i g
        delta[..., 3 * H :] = sigma * local.coef_s[k - 1, 3 * H :]  # back through o_k
        carry_prev = np.concatenate([delta @ w.Ws.T, kappa * local.f[k - 1]], axis=-1)  # Ws, f
        return Back(delta, delta, sigma, kappa, carry_prev)

    def jacobian(self, w: Weights, local: object) -> Array:
        """J_k = ∂[s_k, c_k]/∂[s_{k-1}, c_{k-1}]: (T, 2H, 2H), rows from, columns to."""
        assert isinstance(local, Local)
        H = w.Ws.shape[0]
        T = local.f.shape[0]
        Wb = w.Ws.reshape(H, 4, H)  # (H, 4, H): Ws's gate blocks
        coef_c = local.coef_c.reshape(T, 1, 4, H)
        coef_s = local.coef_s.reshape(T, 1, 4, H)
        s_to_c = np.sum(Wb[None] * coef_c, axis=2)  # (T, H, H) ∂c_k/∂s_{k-1}
        s_to_s = np.sum(Wb[None] * coef_s, axis=2) + s_to_c * local.o_dtanh[:, None, :]
        J = np.zeros((T, 2 * H, 2 * H))  # (T, 2H, 2H)
        J[:, :H, :H] = s_to_s
        J[:, :H, H:] = s_to_c
        diag = np.arange(H)
        J[:, H + diag, diag] = local.f * local.o_dtanh  # ∂s_k/∂c_{k-1} = f ⊙ o ⊙ tanh'(c_k)
        J[:, H + diag, H + diag] = local.f  # ∂c_k/∂c_{k-1} = f_k
        return J


CELL = LSTMCell()
