"""The lecture's simple RNN as a cell: one block, state s, any Φ (bptt-math.md).

z_t = x_t Wx + s_{t-1} Ws (+ bs)        s_t = Φ(z_t)
δ_{t,k} = σ_{t,k} ⊙ Φ'(z_k)             σ_{t,k-1} = δ_{t,k} Wsᵀ
J_k = Ws · diag(Φ'(z_k))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import dphi, phi
from ..model import Forward, RNNConfig, output_of
from ..weights import Array, Weights
from . import Back


@dataclass(frozen=True)
class Local:
    """Φ'(z_k) of every step."""

    dphi_z: Array  # (T, H)


class RNNCell:
    """s_t = Φ(x_t Wx + s_{t-1} Ws + bs)."""

    name = "rnn"

    def forward(
        self, config: RNNConfig, w: Weights, x: Array, s0: Array | None, c0: Array | None
    ) -> Forward:
        """Run s_t = Φ(x_t Wx + s_{t-1} Ws + bs) for t = 1..T, then y_t from s_t Wy + by."""
        T, H = x.shape[0], config.n_hidden
        s = np.zeros((T + 1, H))  # (T+1, H), s[0] is s_0
        if s0 is not None:
            s[0] = s0
        z = np.empty((T, H))  # (T, H)
        with np.errstate(all="ignore"):  # an exploding run overflows; callers report it
            xWx = x @ w.Wx  # (T, H): the input part needs no loop
            if w.bs is not None:
                xWx = xWx + w.bs
            tanh = config.activation == "tanh"
            for z_t, xWx_t, s_prev, s_t in zip(z, xWx, s[:-1], s[1:], strict=True):
                np.matmul(s_prev, w.Ws, out=z_t)
                z_t += xWx_t  # z_t = x_t Wx + s_{t-1} Ws (+ bs)
                if tanh:
                    np.tanh(z_t, out=s_t)
                else:
                    s_t[:] = phi(config.activation, z_t)
            o, y = output_of(config, w, s[1:])  # (T, n_out) each
        return Forward(x=x, z=z, s=s, o=o, y=y)

    def local(self, config: RNNConfig, w: Weights, fwd: Forward) -> Local:
        """Φ'(z_k), the diagonal of ∂s_k/∂z_k."""
        with np.errstate(all="ignore"):
            return Local(dphi(config.activation, fwd.z))

    def back(
        self, w: Weights, local: object, k: int, carry: Array, out: Array | None = None
    ) -> Back:
        """δ = σ ⊙ Φ'(z_k), then σ_{k-1} = δ Wsᵀ."""
        assert isinstance(local, Local)
        delta = np.multiply(carry, local.dphi_z[k - 1], out=out)  # back through Φ
        return Back(delta, delta, carry, None, delta @ w.Ws.T)  # back through Ws

    def record_terms(
        self,
        w: Weights,
        local: object,
        carry_tt: Array,
        first_step: list[int],
        los: list[int],
        his: list[int],
        sigma: Array,
        delta: Array,
        delta_sum: Array | None,
    ) -> None:
        """σ_{t,k} and δ_{t,k} of the kept terms into sigma, delta (L, T, H) at [i, k-1]: back()'s
        rules walked from k = T to 1 for the rows lo_k ≤ i < hi_k, the carry kept in sigma itself
        (the plain RNN's carry is σ); delta_sum[k-1] = Σ_i δ_{t_i,k} when given."""
        assert isinstance(local, Local)
        WsT = w.Ws.T
        with np.errstate(all="ignore"):
            for k in range(len(los), 0, -1):
                lo, hi = los[k - 1], his[k - 1]
                if lo == hi:
                    continue
                sigma_k = sigma[lo:hi, k - 1]  # (m, H) σ_{t,k}
                if first_step[lo] == k:  # steps ascend: only row lo can start at k
                    sigma_k[0] = carry_tt[lo]
                delta_k = np.multiply(sigma_k, local.dphi_z[k - 1], out=delta[lo:hi, k - 1])  # Φ
                if delta_sum is not None:
                    np.add.reduce(delta_k, axis=0, out=delta_sum[k - 1])
                if k == 1:
                    break
                hi_next = his[k - 2]  # rows lo..hi_next still kept at k - 1
                if hi_next > lo:
                    sigma[lo:hi_next, k - 2] = (delta_k @ WsT)[: hi_next - lo]  # back through Ws

    def totals(self, w: Weights, local: object, inject: Array) -> tuple[Array, Array]:
        """δ_k = (inject_k + δ_{k+1} Wsᵀ) ⊙ Φ'(z_k) summed over the loss steps, (T, H): the
        rules of back() on one carry walked from k = T to 1 (the efficient recursion)."""
        assert isinstance(local, Local)
        T, H = local.dphi_z.shape
        delta = np.zeros((T, H))  # (T, H) δ_k
        carry = np.zeros(H)  # (H,) σ_{T+1} = 0 closes the recursion
        WsT = w.Ws.T
        with np.errstate(all="ignore"):
            for k in range(T - 1, -1, -1):
                carry += inject[k]  # σ_k: a fresh array from the step before
                np.multiply(carry, local.dphi_z[k], out=delta[k])  # back through Φ
                carry = delta[k] @ WsT  # back through Ws
        return delta, delta

    def jacobian(self, w: Weights, local: object) -> Array:
        """J_k = Ws · diag(Φ'(z_k)): (T, H, H)."""
        assert isinstance(local, Local)
        return w.Ws[None, :, :] * local.dphi_z[:, None, :]


CELL = RNNCell()
