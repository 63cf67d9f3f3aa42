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


def _swap_go(a: Array, H: int) -> Array:
    """The gate blocks i, f, g, o as i, f, o, g (and back: the swap is its own inverse). The
    loop keeps the σ gates together and g beside c_{t-1}: i ⊙ g and f ⊙ c_{t-1} are one product."""
    return np.concatenate([a[..., : 2 * H], a[..., 3 * H :], a[..., 2 * H : 3 * H]], axis=-1)


class LSTMCell:
    """torch.nn.LSTM, one layer, gate blocks i, f, g, o."""

    name = "lstm"

    def forward(
        self, config: RNNConfig, w: Weights, x: Array, s0: Array | None, c0: Array | None
    ) -> Forward:
        """Run c_t = f ⊙ c_{t-1} + i ⊙ g, s_t = o ⊙ tanh(c_t) for t = 1..T."""
        T, H = x.shape[0], config.n_hidden
        n_in = x.shape[1]
        half = _swap_go(_half(H), H)  # (4H,) in loop order i, f, o, g
        blocks = [w.Ws, w.Wx]  # [s_{t-1}, x_t(, 1)] @ [Ws; Wx(; bx + bs)] is a_t in one product
        if w.bx is not None and w.bs is not None:
            blocks.append((w.bx + w.bs)[None])  # (1, 4H)
        bias = len(blocks) == 3
        W = _swap_go(np.concatenate(blocks), H) * half  # (H + n_in (+1), 4H), ⊙ half
        inputs = np.zeros((T + 1, H + n_in + bias))  # (T+1, H+n_in(+1)) row t: [s_t, x_{t+1}]
        inputs[:T, H : H + n_in] = x
        if bias:
            inputs[:, -1] = 1.0
        if s0 is not None:
            inputs[0, :H] = s0
        a_half = np.empty((T, 4 * H))  # (T, 4H) a_t ⊙ half, loop order
        rows = np.empty((T + 1, 5 * H))  # (T+1, 5H) row t-1: [tanh(a_t ⊙ half), c_{t-1}]
        rows[0, 4 * H :] = 0.0 if c0 is None else c0
        sig = np.empty(3 * H)  # (3H,) this step's σ gates i, f, o
        pair = np.empty(2 * H)  # (2H,) i ⊙ g, f ⊙ c_{t-1}
        tanh_c = np.empty(H)  # (H,)
        halves = np.full(3 * H, 0.5)  # (3H,) an array operand: cheaper per call than a scalar
        sig_if, sig_o, ig, fc = sig[: 2 * H], sig[2 * H :], pair[:H], pair[H:]
        with np.errstate(all="ignore"):  # an exploding run overflows; callers report it
            steps = zip(
                inputs[:-1],  # [s_{t-1}, x_t(, 1)]
                inputs[1:, :H],  # s_t
                a_half,
                rows[:-1, : 4 * H],  # tanh(a_t ⊙ half)
                rows[:-1, : 3 * H],  # its σ blocks
                rows[:-1, 3 * H :],  # [g_t, c_{t-1}]
                rows[1:, 4 * H :],  # c_t
                strict=True,
            )
            for s_prev_x, s_t, a_t, th_t, th_ifo, g_c, c_t in steps:
                np.matmul(s_prev_x, W, out=a_t)  # a_t ⊙ half
                np.tanh(a_t, out=th_t)
                np.multiply(th_ifo, halves, out=sig)
                np.add(sig, halves, out=sig)  # σ(a) = ½ + ½ tanh(a/2)
                np.multiply(sig_if, g_c, out=pair)  # i ⊙ g, f ⊙ c_{t-1}
                np.add(ig, fc, out=c_t)  # c_t = f ⊙ c_{t-1} + i ⊙ g
                np.tanh(c_t, out=tanh_c)
                np.multiply(sig_o, tanh_c, out=s_t)  # s_t = o ⊙ tanh(c_t)
            # the gates stay where the loop wrote them (views in loop order i, f, o, g), the
            # same ½ + ½ tanh taken in place: a (T, 4H) temporary costs more here in fresh
            # pages than the arithmetic
            act = rows[:T, : 4 * H]  # (T, 4H) tanh(a_t ⊙ half) → the gates, loop order
            np.multiply(act[:, : 3 * H], 0.5, out=act[:, : 3 * H])
            act[:, : 3 * H] += 0.5  # σ blocks i, f, o; g = tanh(a^g) as it is
            a = np.empty((T, 4 * H))  # (T, 4H) the pre-activations a_t, blocks i, f, g, o
            np.multiply(a_half[:, : 2 * H], 2.0, out=a[:, : 2 * H])  # undoes the ½ (exact)
            np.multiply(a_half[:, 2 * H : 3 * H], 2.0, out=a[:, 3 * H :])
            a[:, 2 * H : 3 * H] = a_half[:, 3 * H :]
            s = np.ascontiguousarray(inputs[:, :H])  # (T+1, H), s[0] is s_0
            c = np.ascontiguousarray(rows[:, 4 * H :])  # (T+1, H), c[0] is c_0
            out, y = output_of(config, w, s[1:])  # (T, n_out) each
        at = {"i": 0, "f": 1, "g": 3, "o": 2}  # each gate's block in the loop's order
        gates = {name: act[:, at[name] * H : (at[name] + 1) * H] for name in "ifgo"}
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

    def totals(self, w: Weights, local: object, inject: Array) -> tuple[Array, Array]:
        """δ_k = Σ_{t ∈ L} δ_{t,k}, (T, 4H), by the rules of back() on one carry walked from
        k = T to 1 (the efficient recursion of full BPTT), with every buffer made once."""
        assert isinstance(local, Local)
        T, H = local.f.shape
        delta = np.empty((T, 4 * H))  # (T, 4H) δ_k
        sigma = np.empty(H)  # (H,) σ_k
        kappa = np.empty(H)  # (H,) κ_k
        kappa_in = np.zeros(H)  # (H,) κ̃_k = κ_{k+1} ⊙ f_{k+1}; zero past T
        from_Ws = np.zeros(H)  # (H,) δ_{k+1} Wsᵀ; zero past T
        steps = zip(
            inject[::-1, :H],  # ε_k Wyᵀ [k ∈ L]
            local.o_dtanh[::-1],
            local.coef_c[::-1],
            local.coef_o[::-1],
            local.f[::-1],
            delta[::-1],
            delta.reshape(T, 4, H)[::-1, :3],  # δ^i, δ^f, δ^g
            delta[::-1, 3 * H :],  # δ^o
            strict=True,
        )
        with np.errstate(all="ignore"):
            for inject_k, o_dtanh, coef_c, coef_o, f, delta_k, delta_c, delta_o in steps:
                np.add(from_Ws, inject_k, out=sigma)  # σ_k = δ_{k+1} Wsᵀ + ε_k Wyᵀ
                np.multiply(sigma, o_dtanh, out=kappa)
                kappa += kappa_in  # back through s_k = o ⊙ tanh(c_k)
                np.multiply(kappa, coef_c, out=delta_c)  # back through c_k = f c + i g
                np.multiply(sigma, coef_o, out=delta_o)  # back through o_k
                np.matmul(delta_k, local.WsT, out=from_Ws)  # back through Ws
                np.multiply(kappa, f, out=kappa_in)  # back through f ⊙ c_{k-1}
        return delta, delta

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
