"""Central differences as a reference, with their rounding floor made explicit.

A central difference (E(W + h) − E(W − h)) / 2h carries a rounding error of about ε·|E|/h
(ε = 2.2e-16): with h = 1e-5 and E ≈ 1 that is ≈ 2e-11, so a gradient entry below ≈ 2e-5 cannot
be resolved to a relative error of 1e-6 by any exact method. Such entries are compared with an
absolute tolerance of a few rounding floors instead; every other entry must meet the relative
bound |a − n| / max(1e-8, |a| + |n|) < 1e-6 of bptt-math.md.
"""

from __future__ import annotations

import numpy as np

EPS = float(np.finfo(np.float64).eps)


def assert_close_to_central_differences(
    analytic: dict[str, np.ndarray], numeric: dict[str, np.ndarray], E: float, h: float = 1e-5
) -> None:
    """Every entry within rtol 1e-6 of the central difference, or within its rounding floor."""
    floor = 8.0 * EPS * max(abs(E), 1.0) / h  # rounding error of one central difference
    for name, a in analytic.items():
        n = numeric[name]
        err = np.abs(a - n)
        rel = err / np.maximum(1e-8, np.abs(a) + np.abs(n))
        bad = (rel >= 1e-6) & (err > floor)
        assert not bad.any(), (
            f"{name}: expected analytic = central difference (rel < 1e-6 or |a − n| ≤ {floor:.2g}),"
            f" got max rel {rel[bad].max():.3g} at |a − n| = {err[bad].max():.3g}"
        )
