"""State-to-state Jacobians and the spectral numbers of Ws.

J_j     = ∂h_j/∂h_{j-1}                 [a, b] = ∂h_{j,b}/∂h_{j-1,a}; rnn: Ws · diag(Φ'(z_j))
P_{t,k} = ∂h_t/∂h_k = J_{k+1} … J_t     (identity when k = t)

‖P_{t,k}‖₂² is the largest eigenvalue λ₁ of A = P Pᵀ, which acts on s_k's space for every t.
So the top left singular vectors of P_{t-1,k} are a warm start for P_{t,k} = P_{t-1,k} J_t:
a two-vector block power iteration on all k at once, a certificate that the value is λ₁ to
machine precision, and an SVD only for the matrices it cannot certify.
"""

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

EPS = float(np.finfo(np.float64).eps)
RTOL = 1e-13  # certified relative error bound on λ₁ = ‖P‖₂² (so ≤ 5e-14 on ‖P‖₂)
MAX_ITER = 12  # block power steps per t before falling back to the SVD
RESCALE_AT = 8  # rescale a product by 2^-e once its norm leaves [2^-8, 2^8]
# Below a few milliseconds of SVD work per step t, a batched SVD beats the iteration's fixed
# per-step cost (measured here: an SVD of H×H takes ≈ 4 + 0.002·H³ µs; an iteration step ≈ 3 ms).
SVD_MICROSECONDS = (4.0, 0.002)
ITERATION_MICROSECONDS = 3000.0
ONE_BATCH_MICROSECONDS = 20_000.0  # all T²/2 products in one SVD call when that is this cheap


def _svd_microseconds(H: int) -> float:
    """Measured cost of the SVD of one H×H matrix here."""
    return SVD_MICROSECONDS[0] + SVD_MICROSECONDS[1] * H**3


def spectral_norms(M: Array) -> Array:
    """‖M_i‖₂ for a stack (n, a, b); NaN where M_i is not finite.

    Each matrix is scaled by its largest entry first, so a huge but finite product
    does not overflow inside the SVD.
    """
    n = M.shape[0]
    if n == 0:
        return np.full(0, np.nan)  # (0,)
    with np.errstate(all="ignore"):
        scale = np.maximum.reduce(np.abs(M.reshape(n, -1)), axis=1)  # (n,) NaN propagates
        ok = np.isfinite(scale)  # every entry finite ⇔ the largest |entry| is finite
        every = bool(ok.all())
        if not every and not ok.any():
            return np.full(n, np.nan)  # (n,)
        Mok, scale = (M, scale) if every else (M[ok], scale[ok])
        safe = np.where(scale > 0.0, scale, 1.0)
        unit = Mok / safe[:, None, None]
        if unit.shape[1] == 1 or unit.shape[2] == 1:
            norms = np.sqrt(np.sum(unit**2, axis=(1, 2)))  # a vector: its Euclidean norm
        else:
            norms = np.linalg.svd(unit, compute_uv=False)[:, 0]
        found: Array = np.where(scale > 0.0, norms * scale, 0.0)  # (m,)
        if every:
            return found
        out = np.full(n, np.nan)  # (n,) NaN where M_i is not finite
        out[ok] = found
    return out


def _orthonormal_rows(Y: Array, fallback: Array) -> Array:
    """Gram–Schmidt (twice) on the two rows of each (m, 2, H) block; a row that vanishes
    (rank one) is replaced by the fallback row made orthogonal to the first."""
    q1 = Y[:, 0] / np.maximum(np.linalg.norm(Y[:, 0], axis=1), 1e-300)[:, None]  # (m, H)
    q2 = Y[:, 1]
    for _ in range(2):
        q2 = q2 - np.sum(q1 * q2, axis=1)[:, None] * q1
    n2 = np.linalg.norm(q2, axis=1)  # (m,)
    weak = n2 <= 1e-8 * np.maximum(np.linalg.norm(Y[:, 1], axis=1), 1e-300)
    if weak.any():
        f = fallback[weak]
        for _ in range(2):
            f = f - np.sum(q1[weak] * f, axis=1)[:, None] * q1[weak]
        q2[weak] = f
        n2[weak] = np.linalg.norm(f, axis=1)
    return np.stack([q1, q2 / np.maximum(n2, 1e-300)[:, None]], axis=1)  # (m, 2, H)


def _block_step(M: Array, Q: Array, F: Array) -> tuple[Array, Array, NDArray[np.bool_], Array]:
    """One Rayleigh–Ritz step of A = M Mᵀ on the rows of Q (m, 2, H).

    Returns λ₁ (m,), a bound on |‖M‖₂² − λ₁| (m,) (inf when none holds), whether a bound
    is hopeless (the rest of the trace outweighs λ₁) and the next block.
    The bound: with Ritz values θ₁ ≥ θ₂ and residuals r_i = A u_i − θ_i u_i, every eigenvalue
    of A's compression to the complement of the kept Ritz vectors is ≤ μ (its trace, since
    A ⪰ 0, or Weyl's θ₂ + ‖R‖); if θ_m > μ, then |λ₁ − θ₁| ≤ ‖R_m‖²/(θ_m − μ)
    (Mathias 1998; Li & Li 2005 quadratic residual bound).
    """
    W = np.matmul(Q, M)  # (m, 2, H): q_i M = (Mᵀ q_i)ᵀ
    a = np.sum(W[:, 0] ** 2, axis=1)  # (m,) q₁ᵀ A q₁
    c = np.sum(W[:, 1] ** 2, axis=1)  # (m,) q₂ᵀ A q₂
    b = np.sum(W[:, 0] * W[:, 1], axis=1)  # (m,) q₁ᵀ A q₂
    half = 0.5 * (a - c)
    rad = np.hypot(half, b)
    lam1 = 0.5 * (a + c) + rad  # (m,) top eigenvalue of the 2×2 Θ
    lam2 = np.maximum(0.5 * (a + c) - rad, 0.0)  # (m,)
    big_a = a >= c  # eigenvector (λ₁ − c, b) when a ≥ c, else (b, λ₁ − a): no cancellation
    v1 = np.where(big_a, lam1 - c, b)
    v2 = np.where(big_a, b, lam1 - a)
    vn = np.hypot(v1, v2)
    flat = vn == 0.0  # Θ = λI: any basis is an eigenbasis
    v1 = np.where(flat, 1.0, v1 / np.where(flat, 1.0, vn))[:, None]  # (m, 1)
    v2 = np.where(flat, 0.0, v2 / np.where(flat, 1.0, vn))[:, None]
    U = np.stack([v1 * Q[:, 0] + v2 * Q[:, 1], v1 * Q[:, 1] - v2 * Q[:, 0]], axis=1)  # Ritz
    MtU = np.stack([v1 * W[:, 0] + v2 * W[:, 1], v1 * W[:, 1] - v2 * W[:, 0]], axis=1)
    AU = np.matmul(MtU, M.transpose(0, 2, 1))  # (m, 2, H): rows (A u_i)ᵀ
    r1 = np.sum((AU[:, 0] - lam1[:, None] * U[:, 0]) ** 2, axis=1)  # (m,) ‖r₁‖²
    r2 = np.sum((AU[:, 1] - lam2[:, None] * U[:, 1]) ** 2, axis=1)  # (m,) ‖r₂‖²
    slack = 16.0 * M.shape[1] * EPS * F  # rounding in F − Σθ and in the θ's
    R = np.sqrt(r1 + r2)  # ‖R‖₂ ≤ ‖R‖_F
    mu1 = np.minimum(F - lam1, np.maximum(lam2, F - lam1 - lam2) + R) + slack  # keep u₁ only
    mu2 = F - lam1 - lam2 + slack  # keep u₁ and u₂
    with np.errstate(divide="ignore", invalid="ignore"):
        err1 = np.where(lam1 > mu1, r1 / (lam1 - mu1), np.inf)
        err2 = np.where(lam2 > mu2, (r1 + r2) / (lam2 - mu2), np.inf)
    hopeless: NDArray[np.bool_] = mu2 > 1.5 * lam1
    return lam1, np.minimum(err1, err2), hopeless, _orthonormal_rows(AU, U[:, 1])


def _warm_start(J: Array, rng: np.random.Generator) -> Array:
    """Two orthonormal rows spanning (most of) J's range: (2, H)."""
    G = rng.standard_normal((J.shape[1], 2))  # (H, 2)
    Y = (J @ G).T[None]  # (1, 2, H)
    Q: Array = _orthonormal_rows(Y, rng.standard_normal((1, J.shape[0])))[0]
    return Q


def _top_norms(P: Array, Q: Array) -> Array:
    """‖P_i‖₂ for a stack of scaled products, NaN where not finite; Q (n, 2, H) is refined
    in place (P and Q are views of the caller's buffers)."""
    n, H = P.shape[0], P.shape[1]
    if n * _svd_microseconds(H) < ITERATION_MICROSECONDS:
        return spectral_norms(P)  # few or small products: the SVD is cheaper
    F = np.einsum("kab,kab->k", P, P)  # (n,) ‖P‖_F²
    out = np.where(np.isfinite(F), np.sqrt(F), np.nan)  # exact when F == 0; overwritten below
    todo = np.flatnonzero((F > 0.0) & np.isfinite(F))
    for _ in range(MAX_ITER):
        if len(todo) == 0:
            return out
        M = P[todo] if len(todo) < n else P
        lam1, err, hopeless, Qn = _block_step(M, Q[todo], F[todo])
        Q[todo] = Qn
        done = err <= RTOL * lam1
        out[todo[done]] = np.sqrt(lam1[done])
        exact = todo[hopeless & ~done]
        if len(exact):
            out[exact] = spectral_norms(P[exact])
        todo = todo[~done & ~hopeless]
    if len(todo):
        out[todo] = spectral_norms(P[todo])
    return out


def jacobian_norms(Ws: Array, dphi_z: Array, on_step: Callable[[int], None] | None = None) -> Array:
    """The plain RNN's ‖∂s_t/∂s_k‖₂, J_j = Ws · diag(Φ'(z_j)): see step_jacobian_norms."""
    with np.errstate(all="ignore"):
        J = Ws[None, :, :] * dphi_z[:, None, :]  # (T, H, H): J_t = Ws · diag(Φ'(z_t))
    return step_jacobian_norms(J, on_step)


def step_jacobian_norms(J: Array, on_step: Callable[[int], None] | None = None) -> Array:
    """‖∂h_t/∂h_k‖₂ at [t-1, k-1] for every k ≤ t, NaN above the diagonal: (T, T).

    J (T, S, S) holds the one-step Jacobians J_t of any cell. The products for one t are all
    P_{t-1,k} J_t, so the stack of them is carried forward with one batched matmul per step,
    each kept as 2^e · P̂ with ‖P̂‖₂ near 1 (no overflow). NaN where a product is not finite
    or its norm overflows.
    """
    T, H = J.shape[0], J.shape[1]
    if T * (T - 1) / 2 * _svd_microseconds(H) < ONE_BATCH_MICROSECONDS:
        return _jacobian_norms_one_batch(J)
    norms = np.full((T, T), np.nan)  # (T, T)
    P = np.empty((T, H, H))  # P[k-1] = P̂_{t,k}
    spare = np.empty((T, H, H))  # the other buffer of the batched product
    Q = np.empty((T, 2, H))  # warm start: top-two left singular rows of P̂_{t,k}
    expo = np.zeros(T, dtype=np.int64)  # P_{t,k} = 2^expo[k-1] · P̂_{t,k}
    rng = np.random.default_rng(0)
    with np.errstate(all="ignore"):
        for t in range(1, T + 1):
            if on_step is not None:
                on_step(t)  # a caller's hook between steps t (the server hands over the GIL)
            norms[t - 1, t - 1] = 1.0  # P_{t,t} = I
            n = t - 1  # products P_{t,k}, k = 1..t-1
            if n == 0:
                continue
            J_t = J[t - 1]  # (S, S)
            np.matmul(P[: n - 1], J_t, out=spare[: n - 1])  # P_{t,k} = P_{t-1,k} J_t
            P, spare = spare, P
            P[n - 1] = J_t  # P_{t,t-1} = J_t
            expo[n - 1] = 0
            Q[n - 1] = _warm_start(J_t, rng) if np.isfinite(J_t).all() else 0.0
            sigma = _top_norms(P[:n], Q[:n])  # (n,) ‖P̂_{t,k}‖₂, NaN where not finite
            norms[t - 1, :n] = np.ldexp(sigma, expo[:n])
            _rescale(P[:n], expo[:n], sigma)
    norms[~np.isfinite(norms)] = np.nan
    return norms


def _rescale(P: Array, expo: NDArray[np.int64], sigma: Array) -> None:
    """P̂ ← 2^-e P̂, expo += e where ‖P̂‖₂ = σ has drifted past 2^±RESCALE_AT (exact in binary)."""
    e = np.frexp(sigma)[1]  # (m,) σ = f · 2^e, f ∈ [0.5, 1)
    far = (np.abs(e) > RESCALE_AT) & (sigma > 0.0) & np.isfinite(sigma)
    if far.any():
        P[far] = np.ldexp(P[far], -e[far][:, None, None])
        expo[far] += e[far]


def _jacobian_norms_one_batch(J: Array) -> Array:
    """The same (T, T) map for a small problem: every product, then one batched SVD."""
    T, H = J.shape[0], J.shape[1]
    norms = np.full((T, T), np.nan)  # (T, T)
    np.fill_diagonal(norms, 1.0)  # P_{t,t} = I
    if T < 2:
        return norms
    # every P_{t,k}, t = 2..T, k = 1..t-1, row by row: the order a lower-triangle mask walks
    P = np.empty((T * (T - 1) // 2, H, H))  # (T(T-1)/2, H, H)
    start = prev = 0  # where the products of t and of t - 1 begin
    with np.errstate(all="ignore"):
        for t in range(2, T + 1):
            n = t - 1  # products P_{t,k}, k = 1..t-1
            np.matmul(P[prev : prev + n - 1], J[t - 1], out=P[start : start + n - 1])
            P[start + n - 1] = J[t - 1]  # P_{t,t-1} = J_t
            prev, start = start, start + n
        below = np.arange(T)[:, None] > np.arange(T)  # (T, T) k < t
        norms[below] = spectral_norms(P)
    return norms
