"""State-to-state Jacobians and the spectral numbers of Ws.

J_j     = Ws · diag(Φ'(z_j))            [a, b] = ∂s_{j,b}/∂s_{j-1,a}
P_{t,k} = ∂s_t/∂s_k = J_{k+1} … J_t     (identity when k = t)
"""

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def spectral_norms(M: Array) -> Array:
    """‖M_i‖₂ for a stack (n, a, b); NaN where M_i is not finite.

    Each matrix is scaled by its largest entry first, so a huge but finite product
    does not overflow inside the SVD.
    """
    out = np.full(M.shape[0], np.nan)  # (n,)
    if M.shape[0] == 0:
        return out
    ok = np.isfinite(M).all(axis=(1, 2))
    if not ok.any():
        return out
    Mok = M[ok]
    scale = np.max(np.abs(Mok), axis=(1, 2))  # (m,)
    safe = np.where(scale > 0.0, scale, 1.0)
    with np.errstate(all="ignore"):
        unit = Mok / safe[:, None, None]
        if unit.shape[1] == 1 or unit.shape[2] == 1:
            norms = np.sqrt(np.sum(unit**2, axis=(1, 2)))  # a vector: its Euclidean norm
        else:
            norms = np.linalg.svd(unit, compute_uv=False)[:, 0]
        out[ok] = np.where(scale > 0.0, norms * scale, 0.0)
    return out


def jacobian_norms(Ws: Array, dphi_z: Array) -> Array:
    """‖∂s_t/∂s_k‖₂ at [t-1, k-1] for every k ≤ t, NaN above the diagonal: (T, T).

    The products for one t are all P_{t-1,k} J_t, so the stack of them is carried
    forward with one batched matmul per step.
    """
    T, H = dphi_z.shape
    norms = np.full((T, T), np.nan)  # (T, T)
    stack = np.empty((0, H, H))  # (t, H, H): P_{t,k} for k = 1..t
    with np.errstate(all="ignore"):
        for t in range(1, T + 1):
            J = Ws * dphi_z[t - 1][None, :]  # (H, H): J_t = Ws · diag(Φ'(z_t))
            stack = np.concatenate([stack @ J, np.eye(H)[None]], axis=0)  # P_{t,k} = P_{t-1,k} J_t
            norms[t - 1, : t - 1] = spectral_norms(stack[:-1])
            norms[t - 1, t - 1] = 1.0  # P_{t,t} = I
    return norms
