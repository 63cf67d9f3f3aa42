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

from ..model import Forward, RNNConfig, output_of
from ..weights import Array, Weights
from . import Back


@dataclass(frozen=True)
class Local:
    """Per-step factors of the backward rules, (T, H) each unless noted."""

    f: Array  # f_k: ∂c_k/∂c_{k-1}
    o_dtanh: Array  # o_k ⊙ tanh'(c_k): ∂s_k/∂c_k
    coef_c: Array  # (T, 3, H) [g σ'(a^i), c_{k-1} σ'(a^f), i tanh'(a^g)]: ∂c_k/∂a^{i,f,g}_k
    coef_o: Array  # tanh(c_k) σ'(a^o): ∂s_k/∂a^o_k
    WsT: Array  # (4H, H) Wsᵀ


def _half(H: int) -> Array:
    """(4H,) ½ on the σ blocks i, f, o and 1 on g: σ(a) = ½ + ½ tanh(a/2), so one tanh of
    a ⊙ half gives all four gates (a power-of-two scale, exact in binary)."""
    half = np.full(4 * H, 0.5)  # (4H,)
    half[2 * H : 3 * H] = 1.0
    return half


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
        half = _half(H)
        a_half = np.empty((T, 4 * H))  # (T, 4H) a_t ⊙ half
        th = np.empty((T, 4 * H))  # (T, 4H) tanh(a_t ⊙ half): the gates before ½ + ½·
        sig = np.empty(4 * H)  # (4H,) this step's σ gates (its g block unused)
        tanh_c = np.empty(H)  # (H,)
        sig_i, sig_f, sig_o = sig[:H], sig[H : 2 * H], sig[3 * H :]
        th_g = th[:, 2 * H : 3 * H]  # (T, H) g_t = tanh(a^g_t)
        with np.errstate(all="ignore"):  # an exploding run overflows; callers report it
            xa = x @ w.Wx  # (T, 4H): the input part needs no loop
            if w.bx is not None and w.bs is not None:
                xa = xa + w.bx + w.bs
            xa_half = xa * half  # (T, 4H)
            Ws_half = w.Ws * half  # (H, 4H)
            steps = zip(a_half, th, xa_half, th_g, s[:-1], s[1:], c[:-1], c[1:], strict=True)
            for a_t, row, xa_t, g, s_prev, s_t, c_prev, c_t in steps:
                np.matmul(s_prev, Ws_half, out=a_t)
                a_t += xa_t  # a_t ⊙ half
                np.tanh(a_t, out=row)
                np.multiply(row, 0.5, out=sig)
                sig += 0.5  # σ(a) = ½ + ½ tanh(a/2)
                np.multiply(sig_f, c_prev, out=c_t)
                c_t += sig_i * g  # c_t = f ⊙ c_{t-1} + i ⊙ g
                np.tanh(c_t, out=tanh_c)
                np.multiply(sig_o, tanh_c, out=s_t)  # s_t = o ⊙ tanh(c_t)
            act = 0.5 * th + 0.5  # (T, 4H) the same ½ + ½ tanh as in the loop
            act[:, 2 * H : 3 * H] = th_g
            a = a_half / half  # (T, 4H) the pre-activations (an exact power-of-two scale)
            out, y = output_of(config, w, s[1:])  # (T, n_out) each
        gates = {name: act[:, j * H : (j + 1) * H] for j, name in enumerate("ifgo")}
        return Forward(x=x, z=a, s=s, o=out, y=y, cell="lstm", gates=gates, c=c)

    def local(self, config: RNNConfig, w: Weights, fwd: Forward) -> Local:
        """The gates' derivatives and the products the backward step multiplies by."""
        assert fwd.c is not None
        i, f, g, o = (fwd.gates[name] for name in "ifgo")
        with np.errstate(all="ignore"):
            tanh_c = np.tanh(fwd.c[1:])  # (T, H)
            coef_c = np.stack(
                [g * i * (1 - i), fwd.c[:-1] * f * (1 - f), i * (1 - g * g)], axis=1
            )  # (T, 3, H)
            return Local(
                f=f,
                o_dtanh=o * (1 - tanh_c * tanh_c),
                coef_c=coef_c,
                coef_o=tanh_c * o * (1 - o),
                WsT=w.Ws.T,
            )

    def back(
        self, w: Weights, local: object, k: int, carry: Array, out: Array | None = None
    ) -> Back:
        """[σ_k, κ̃_k] → κ_k, δ_k = ∂E_t/∂a_k and [σ_{k-1}, κ̃_{k-1}]."""
        assert isinstance(local, Local)
        H = local.f.shape[1]
        lead = carry.shape[:-1]
        sigma, kappa_in = carry[..., :H], carry[..., H:]
        kappa = sigma * local.o_dtanh[k - 1]
        kappa += kappa_in  # back through s_k = o ⊙ tanh(c_k)
        delta = np.empty((*lead, 4 * H)) if out is None else out  # (m, 4H)
        blocks = delta.reshape((*lead, 4, H))
        np.multiply(kappa[..., None, :], local.coef_c[k - 1], out=blocks[..., :3, :])  # c = fc + ig
        np.multiply(sigma, local.coef_o[k - 1], out=delta[..., 3 * H :])  # back through o_k
        carry_prev = np.empty(carry.shape)  # (m, 2H)
        np.matmul(delta, local.WsT, out=carry_prev[..., :H])  # back through Ws
        np.multiply(kappa, local.f[k - 1], out=carry_prev[..., H:])  # back through f ⊙ c_{k-1}
        return Back(delta, delta, sigma, kappa, carry_prev)

    def jacobian(self, w: Weights, local: object) -> Array:
        """J_k = ∂[s_k, c_k]/∂[s_{k-1}, c_{k-1}]: (T, 2H, 2H), rows from, columns to."""
        assert isinstance(local, Local)
        H = w.Ws.shape[0]
        T = local.f.shape[0]
        Wb = w.Ws.reshape(H, 4, H)  # (H, 4, H): Ws's gate blocks
        s_to_c = np.sum(Wb[None, :, :3] * local.coef_c[:, None], axis=2)  # (T, H, H) ∂c_k/∂s_{k-1}
        s_to_s = Wb[None, :, 3] * local.coef_o[:, None, :] + s_to_c * local.o_dtanh[:, None, :]
        J = np.zeros((T, 2 * H, 2 * H))  # (T, 2H, 2H)
        J[:, :H, :H] = s_to_s
        J[:, :H, H:] = s_to_c
        diag = np.arange(H)
        J[:, H + diag, diag] = local.f * local.o_dtanh  # ∂s_k/∂c_{k-1} = f ⊙ o ⊙ tanh'(c_k)
        J[:, H + diag, H + diag] = local.f  # ∂c_k/∂c_{k-1} = f_k
        return J


CELL = LSTMCell()
