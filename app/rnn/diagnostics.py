"""What a BPTT result says about itself: the numbers behind vanishing and exploding gradients,
and, for every value that is not finite (sent as JSON null), which field and why.

ρ(Ws) = max |λ_i| (per gate block for a gated cell), ‖Ws‖₂, γ = max |Φ'|; Pascanu, Mikolov &
Bengio (2013): a plain RNN's gradients through Ws must vanish when ‖Ws‖₂·γ < 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .activations import GAMMA
from .jacobian import spectral_norms
from .model import Forward, RNNConfig
from .weights import Array, Weights

if TYPE_CHECKING:
    from .bptt import Flow, Terms

JACOBIAN_PAIR_COST = 40_000  # per (t, k) pair, in S³ units: the iteration's fixed cost

OVERFLOW_WARNING = (
    "non-finite values: the run overflowed (exploding gradients); "
    "they are sent as null. Lower ws_spectral_radius, the weights or T."
)


@dataclass(frozen=True)
class JacobianBudget:
    """flow.jacobian is computed while T²·(S³ + 4·10⁴) ≤ limit; `name` says where it is set."""

    limit: float
    name: str = "the Jacobian budget"


def jacobian_work(T: int, S: int) -> float:
    """The cost of flow.jacobian for state size S, measured in benchmarks/core.py."""
    return float(T) * T * (S**3 + JACOBIAN_PAIR_COST)


@dataclass(frozen=True)
class Diagnostics:
    finite: bool  # every computed value is finite (none sent as null for overflow)
    ws_spectral_radius: float  # ρ(Ws) = |λ_1| (the largest over the gate blocks)
    ws_spectral_norm: float  # ‖Ws‖₂
    gamma: float  # max |Φ'|
    warnings: list[str] = field(default_factory=list)
    ws_eigenvalues: NDArray[np.complex128] | None = None  # λ of Ws (of every gate block)
    nulls: dict[str, int] = field(default_factory=dict)  # field → values sent as null
    jacobian_computed: bool = True
    gate_spectral_radius: dict[str, float] = field(default_factory=dict)  # ρ of each block


def _eigen(config: RNNConfig, Ws: Array) -> tuple[NDArray[np.complex128], dict[str, float]]:
    """λ of Ws (of each H×H gate block, concatenated), largest |λ| first; ρ per block."""
    H = config.n_hidden
    names = config.gates or ("",)
    lams, radii = [], {}
    for j, name in enumerate(names):
        block = Ws[:, j * H : (j + 1) * H]  # (H, H)
        lam = np.linalg.eigvals(block).astype(np.complex128)  # (H,)
        lams.append(lam)
        radii[name] = float(np.max(np.abs(lam)))
    lam = lams[0] if len(lams) == 1 else np.concatenate(lams)
    return lam[np.argsort(-np.abs(lam), kind="stable")], radii


ONE_CHECK_NUMBERS = 200_000  # up to this many sent numbers, one sum checks them all first


def _count(nulls: dict[str, int], name: str, values: Array) -> None:
    """Record how many of `values` (all of which are sent) are not finite."""
    with np.errstate(all="ignore"):
        if np.isfinite(np.add.reduce(values, axis=None)):
            return  # a finite sum: every term finite (±inf and NaN make any sum inf or NaN)
    bad = int(values.size - np.count_nonzero(np.isfinite(values)))
    if bad:
        nulls[name] = nulls.get(name, 0) + bad


def _null_counts(
    config: RNNConfig,
    fwd: Forward,
    E: Array,
    mask: NDArray[np.bool_],
    loss: float,
    grads: Weights,
    flow: Flow,
    kept: NDArray[np.bool_],
    steps: NDArray[np.int64],
    terms: Terms | None,
    with_jacobian: bool,
) -> dict[str, int]:
    """Every sent field holding non-finite values, with how many."""
    sent: list[tuple[str, Array | None]] = []
    if config.cell == "rnn":
        sent.append(("steps[].z", fwd.z))
    sent += [("steps[].s", fwd.s[1:]), ("steps[].y", fwd.y), ("steps[].E", E[mask])]
    if fwd.c is not None:
        sent.append(("steps[].c", fwd.c[1:]))
    sent += [(f"steps[].gates.{name}", gate) for name, gate in fwd.gates.items()]
    sent.append(("loss", np.array([loss])))
    sent += [(f"grads.{name}", g) for name, g in grads.as_dict().items()]
    T = fwd.T
    kept_tk = np.zeros((T, T), dtype=bool)  # (T, T) [t-1, k-1]: terms that exist
    kept_tk[steps - 1] = kept
    for name in ("Ws", "Wx", "state", "cell"):
        values = getattr(flow, name)
        sent.append((f"flow.{name}", None if values is None else values[kept_tk]))
    if with_jacobian:
        on_or_below = np.arange(T)[:, None] >= np.arange(T)  # (T, T) k ≤ t
        sent.append(("flow.jacobian", flow.jacobian[on_or_below]))
    if terms is not None:
        sent.append(("terms[].E", E[steps - 1]))
        sent += [(f"terms[].dE_d{name}", g) for name, g in terms.per_step.as_dict().items()]
        sent += [("terms[].k[].Ws", terms.Ws), ("terms[].k[].Wx", terms.Wx)]
        sent.append(("terms[].k[].dE_ds", terms.sigma))
        a_name = "dE_dz" if config.cell == "rnn" else "dE_da"
        sent.append((f"terms[].k[].{a_name}", terms.delta_s))
        if config.cell == "gru":
            sent.append(("terms[].k[].dE_dax", terms.delta_x))
        sent.append(("terms[].k[].dE_dc", terms.kappa))
    arrays = [(name, values) for name, values in sent if values is not None and values.size]
    if sum(values.size for _, values in arrays) <= ONE_CHECK_NUMBERS:
        with np.errstate(all="ignore"):
            total = np.add.reduce(np.concatenate([values for _, values in arrays], axis=None))
        if np.isfinite(total):
            return {}  # the common case: one sum over everything sent is finite
    nulls: dict[str, int] = {}
    for name, values in arrays:
        _count(nulls, name, values)
    return nulls


def diagnose(
    config: RNNConfig,
    w: Weights,
    fwd: Forward,
    E: Array,
    mask: NDArray[np.bool_],
    loss: float,
    grads: Weights,
    flow: Flow,
    kept: NDArray[np.bool_],
    steps: NDArray[np.int64],
    terms: Terms | None,
    with_jacobian: bool,
    over_budget: JacobianBudget | None,
) -> Diagnostics:
    """Finiteness of everything sent, the spectral numbers of Ws, and warnings naming fields."""
    gamma = GAMMA[config.activation]
    Ws = w.Ws
    radii: dict[str, float] = {}
    with np.errstate(all="ignore"):
        if np.isfinite(Ws).all():
            lam, radii = _eigen(config, Ws)
            radius = float(np.abs(lam[0]))
            norm = float(spectral_norms(Ws[None])[0])
        else:
            lam = np.full(Ws.shape[1], np.nan, dtype=np.complex128)
            radius = norm = float("nan")
    nulls = _null_counts(config, fwd, E, mask, loss, grads, flow, kept, steps, terms, with_jacobian)
    finite = not nulls
    warnings: list[str] = []
    if not finite:
        warnings.append(OVERFLOW_WARNING)
        listed = ", ".join(f"{name} ({count})" for name, count in nulls.items())
        warnings.append(f"sent as null because not finite (how many values): {listed}")
    if config.cell == "rnn" and config.activation in ("tanh", "sigmoid") and norm * gamma < 1.0:
        warnings.append(
            f"‖Ws‖₂·γ = {norm * gamma:.3g} < 1: gradients through Ws must vanish geometrically "
            "in t − k (Pascanu, Mikolov & Bengio 2013)."
        )
    spectral = {"ws_spectral_radius": radius, "ws_spectral_norm": norm}
    unknown = [name for name, value in spectral.items() if not np.isfinite(value)]
    if not np.isfinite(lam).all():
        unknown.append("ws_eigenvalues")
    if unknown:
        warnings.append(
            f"diagnostics.{', diagnostics.'.join(unknown)}: null, Ws is too large for its "
            "eigenvalues or singular values in float64"
        )
    if over_budget is not None:
        warnings.append(_jacobian_skipped(config, fwd.T, over_budget))
    gates = radii if config.gates else {}
    return Diagnostics(finite, radius, norm, gamma, warnings, lam, nulls, with_jacobian, gates)


def _jacobian_skipped(config: RNNConfig, T: int, budget: JacobianBudget) -> str:
    """Why flow.jacobian is null: the budget it went over, and how to get it."""
    H, S = config.n_hidden, config.state_size
    size = f"n_hidden = {H}" if S == H else f"n_hidden = {H} (state [s, c]: S = {S})"
    cost = "T²·(H³ + 4·10⁴)" if S == H else "T²·(S³ + 4·10⁴)"
    return (
        f"flow.jacobian omitted: at T = {T}, {size} its {cost} = "
        f"{jacobian_work(T, S):.3g} is over the budget of {budget.limit:.3g} "
        f"({budget.name}); use a shorter sequence or fewer units"
    )


def forward_is_finite(fwd: Forward, loss: float | None = None) -> bool:
    """True when every value of the forward pass that is sent (and the loss) is finite."""
    arrays = [fwd.s[1:], fwd.y, *fwd.gates.values()]
    if fwd.cell == "rnn":
        arrays.append(fwd.z)
    if fwd.c is not None:
        arrays.append(fwd.c[1:])
    finite = all(bool(np.isfinite(a).all()) for a in arrays)
    return finite and (loss is None or bool(np.isfinite(loss)))
