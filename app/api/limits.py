"""What one request may cost: CPU seconds by a calibrated cost model, and numbers in its answer.

Every accepted request must finish in a few seconds of CPU on the reference machine (2 cores,
the one CI runs on), so no single client can hold a compute slot for minutes. The cost of a
request is estimated from its sizes before any work starts:

    forward    a_req + T·(a_step + a_mac·M)
    bptt       b_req + T·(b_step + b_mac·M) + P·(b_pair + b_pmac·G·H² + b_term + b_num·n_term)
               + jacobian    (b_term and n_term only with detail "full")
    gradcheck  g_req + 2·W·(g_eval + T·(g_step + g_mac·M))
    train      steps·(r_req + T·(r_step + r_mac·M) + P_K·(r_pair + r_mac·G·H²))

with M = G·H·(H + n_in) + H·n_out the multiply-adds of one time step (G = 1, 4, 3 gate blocks
for rnn, lstm, gru), P the kept (t, k) terms, n_term the numbers one term carries, W the number
of weights, and P_K the terms truncated training walks. The constant terms per step, per term
and per call are what a multiply-add count alone misses: at n_hidden 2 and T = 1000 a training
step is Python overhead, not arithmetic. benchmarks/cost.py measures a grid of requests, fits
these constants and prints measured against predicted; the constants below come from it,
rounded up.

A refused request gets a 422 naming the limit (BPTT_MAX_COMPUTE_SECONDS, BPTT_MAX_RESPONSE_NUMBERS)
and the largest request of the same kind that would pass (fewer steps, a shorter T, detail
"norms"). The answer's size counts every number it carries (steps, terms, flow matrices,
weights), not only the terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from app.api.errors import FieldError, Loc
from app.api.schemas import ModelSpec
from app.config import Settings
from app.rnn import jacobian_work  # the core's cost model of flow.jacobian: T²·(S³ + 4·10⁴)

GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # gate blocks of Wx and Ws per cell
FLOW_MATRICES = {"rnn": 4, "lstm": 5, "gru": 4}  # Ws, Wx, state, jacobian (+ cell for lstm)


@dataclass(frozen=True)
class Constants:
    """Seconds per unit on the reference machine (fitted by benchmarks/cost.py, rounded up)."""

    a_req: float = 7e-3
    a_step: float = 1.3e-5
    a_mac: float = 1.5e-9
    b_req: float = 6e-3
    b_step: float = 4.5e-5
    b_mac: float = 6.5e-9
    b_pair: float = 5e-7
    b_pmac: float = 1.5e-10  # large L×H by H×H products run at BLAS speed
    b_term: float = 2.5e-6
    b_num: float = 5e-8
    jacobian: float = 3e-10  # per unit of T²·(S³ + 4·10⁴)
    g_req: float = 6e-3
    g_eval: float = 6.6e-5
    g_step: float = 4e-6
    g_mac: float = 1.5e-9
    r_req: float = 2.5e-4
    r_step: float = 1.3e-5
    r_mac: float = 3.5e-9
    r_pair: float = 1.4e-6


COSTS = {  # per cell: a gated step is ~10 NumPy calls where the plain RNN's is 2–3
    "rnn": Constants(),
    "lstm": Constants(
        a_step=2e-5,
        a_mac=2.6e-9,
        b_req=8e-3,
        b_step=8e-5,
        b_mac=8e-9,
        b_pair=1.5e-6,
        b_term=3.5e-6,
        b_num=7.5e-8,
        g_req=1e-2,
        g_eval=1e-4,
        g_step=1e-5,
        g_mac=2e-9,
        r_req=4e-4,
        r_step=3e-5,
        r_mac=3e-9,
        r_pair=2.5e-6,
    ),
    "gru": Constants(
        a_step=2.5e-5,
        a_mac=2.6e-9,
        b_req=8e-3,
        b_step=9e-5,
        b_mac=9e-9,
        b_pair=1.5e-6,
        b_term=3e-6,
        b_num=8e-8,
        g_req=1e-2,
        g_eval=1.2e-4,
        g_step=1.4e-5,
        g_mac=2e-9,
        r_req=5e-4,
        r_step=3.5e-5,
        r_mac=3e-9,
        r_pair=2.5e-6,
    ),
}


@dataclass(frozen=True)
class Shape:
    """The sizes a request's cost depends on."""

    T: int
    n_in: int
    n_hidden: int
    n_out: int
    cell: str = "rnn"
    bias: bool = False
    loss_steps: int = 1  # L: how many loss steps
    truncate: int | None = None
    detail: Literal["full", "norms"] = "full"

    @property
    def gates(self) -> int:
        return GATES[self.cell]

    @property
    def macs(self) -> int:
        """M: multiply-adds of one time step."""
        H = self.n_hidden
        return self.gates * H * (H + self.n_in) + H * self.n_out

    @property
    def weights(self) -> int:
        """W: the number of weights (and biases)."""
        H, G = self.n_hidden, self.gates
        W = G * H * (H + self.n_in) + H * self.n_out
        if self.bias:
            W += (2 * G * H if self.cell != "rnn" else H) + self.n_out
        return W


def kept_pairs(T: int, L: int, truncate: int | None) -> int:
    """P: kept (t, k) terms when the L loss steps are the last L steps (the most there can be)."""
    K = T if truncate is None else min(truncate, T)
    return sum(min(t, K) for t in range(T - L + 1, T + 1))


def state_size(s: Shape) -> int:
    """S: the recurrent state's size, H (or 2H for the LSTM's [s, c])."""
    return s.n_hidden * (2 if s.cell == "lstm" else 1)


def term_numbers(s: Shape) -> int:
    """Numbers one (t, k) term carries: C^Ws, C^Wx, σ and δ (κ for the LSTM, δ^x for the GRU)."""
    H, G = s.n_hidden, s.gates
    per_term = G * H * (H + s.n_in) + H + G * H
    if s.cell == "lstm":
        per_term += H
    if s.cell == "gru":
        per_term += G * H
    return per_term


def forward_seconds(s: Shape, c: Constants | None = None) -> float:
    """Estimated CPU seconds of /api/forward."""
    c = c or COSTS[s.cell]
    return c.a_req + s.T * (c.a_step + c.a_mac * s.macs)


def bptt_seconds(s: Shape, with_jacobian: bool, c: Constants | None = None) -> float:
    """Estimated CPU seconds of /api/bptt (the Jacobian only when it is computed)."""
    c = c or COSTS[s.cell]
    P = kept_pairs(s.T, s.loss_steps, s.truncate)
    per_pair = c.b_pair + c.b_pmac * s.gates * s.n_hidden**2  # σ_{t,k} back through Ws
    if s.detail == "full":
        per_pair += c.b_term + c.b_num * term_numbers(s)  # each term built and encoded
    seconds = c.b_req + s.T * (c.b_step + c.b_mac * s.macs) + P * per_pair
    if with_jacobian:
        seconds += c.jacobian * jacobian_work(s.T, state_size(s))
    return seconds


def forward_work_seconds(s: Shape) -> float:
    """forward_seconds without the per-request constant: what the sizes add."""
    return forward_seconds(s) - COSTS[s.cell].a_req


def bptt_work_seconds(s: Shape, with_jacobian: bool) -> float:
    """bptt_seconds without the per-request constant: what the sizes add."""
    return bptt_seconds(s, with_jacobian) - COSTS[s.cell].b_req


def gradcheck_work_seconds(s: Shape) -> float:
    """gradcheck_seconds without the per-request constant: what the sizes add."""
    return gradcheck_seconds(s) - COSTS[s.cell].g_req


def gradcheck_seconds(s: Shape, c: Constants | None = None) -> float:
    """Estimated CPU seconds of /api/gradcheck: two forward passes per weight."""
    c = c or COSTS[s.cell]
    return c.g_req + 2 * s.weights * (c.g_eval + s.T * (c.g_step + c.g_mac * s.macs))


def train_seconds(s: Shape, steps: int, c: Constants | None = None) -> float:
    """Estimated CPU seconds of /api/train for `steps` updates."""
    c = c or COSTS[s.cell]
    per_step = c.r_req + s.T * (c.r_step + c.r_mac * s.macs)
    if s.truncate is not None:
        P = kept_pairs(s.T, s.loss_steps, s.truncate)
        per_step += P * (c.r_pair + c.r_mac * s.gates * s.n_hidden**2)
    return steps * per_step


def bptt_numbers(s: Shape, with_jacobian: bool = True) -> int:
    """Numbers an /api/bptt answer carries: weights, steps, grads, flow and terms (nulls, 4
    bytes each against a float's ~20, are not counted: a T×T flow matrix is half null)."""
    H, T = s.n_hidden, s.T
    P = kept_pairs(T, s.loss_steps, s.truncate)
    per_step = s.n_in + 2 * H + 2 * s.n_out + 2  # x, z, s, y, d, t and E
    if s.cell == "lstm":
        per_step += 4 * H + H  # gates and c
    if s.cell == "gru":
        per_step += 3 * H
    flow = (FLOW_MATRICES[s.cell] - 1) * P + (T * (T + 1) // 2 if with_jacobian else 0)
    numbers = 2 * s.weights + T * per_step + flow
    if s.detail == "full":
        totals = s.gates * H * (H + s.n_in) + H * s.n_out  # dE_dWs, dE_dWx, dE_dWy per loss step
        numbers += s.loss_steps * totals + P * term_numbers(s)
    return numbers


def shape_of(
    model: ModelSpec,
    T: int,
    loss_steps: object = "all",
    truncate: int | None = None,
    detail: Literal["full", "norms"] = "full",
) -> Shape:
    """The Shape of a request's model spec and sequence (L from "all", "last" or a list)."""
    if loss_steps == "all":
        L = T
    elif loss_steps == "last":
        L = 1
    else:
        L = len(loss_steps)  # type: ignore[arg-type]
    return Shape(
        T=T,
        n_in=model.n_in,
        n_hidden=model.n_hidden,
        n_out=model.n_out,
        cell=getattr(model, "cell", "rnn"),
        bias=model.bias,
        loss_steps=max(1, min(L, T)),
        truncate=truncate,
        detail=detail,
    )


# ---------------------------------------------------------------- refusals


def largest_passing(value: int, fits: Callable[[int], bool]) -> int:
    """The largest v in 1..value with fits(v) (fits is monotone), or 0 if none."""
    lo, hi = 0, value
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _too_slow(seconds: float, settings: Settings, what: str, hint: str) -> str:
    return (
        f"{what} is estimated at {seconds:.3g} s of compute, over the limit of "
        f"{settings.max_compute_seconds:g} s per request "
        f"({settings.env_name('max_compute_seconds')}); {hint}"
    )


def check_forward(s: Shape, settings: Settings) -> None:
    """/api/forward within the compute limit."""
    limit = settings.max_compute_seconds
    if (seconds := forward_seconds(s)) > limit:
        T = largest_passing(s.T, lambda T: forward_seconds(replace(s, T=T)) <= limit)
        raise FieldError(
            ("inputs",), _too_slow(seconds, settings, "this forward pass", f"T ≤ {T} would pass")
        )


def check_bptt(s: Shape, with_jacobian: bool, settings: Settings, loc: Loc = ("inputs",)) -> None:
    """/api/bptt within the compute limit and the answer within the size limit."""
    limit, numbers_limit = settings.max_compute_seconds, settings.max_response_numbers

    def fits(t: Shape) -> bool:
        return (
            bptt_seconds(
                t,
                with_jacobian and jacobian_work(t.T, state_size(t)) <= settings.max_jacobian_work,
            )
            <= limit
            and bptt_numbers(t) <= numbers_limit
        )

    if fits(s):
        return
    T = largest_passing(s.T, lambda T: fits(replace(s, T=T, loss_steps=min(s.loss_steps, T))))
    hints = [f"T ≤ {T} would pass"] if T else []
    if s.detail == "full" and fits(replace(s, detail="norms")):
        hints.insert(0, 'detail "norms" would pass')
    hint = " or ".join(hints) or "use a smaller model"
    if (numbers := bptt_numbers(s, with_jacobian)) > numbers_limit:
        msg = (
            f"the answer would carry {numbers:,} numbers, over the limit of {numbers_limit:,} "
            f"({settings.env_name('max_response_numbers')}); {hint}"
        )
        raise FieldError(("detail",) if s.detail == "full" else loc, msg)
    raise FieldError(loc, _too_slow(bptt_seconds(s, with_jacobian), settings, "this BPTT", hint))


def check_gradcheck(s: Shape, settings: Settings) -> None:
    """/api/gradcheck within the compute limit."""
    limit = settings.max_compute_seconds
    if (seconds := gradcheck_seconds(s)) <= limit:
        return
    T = largest_passing(s.T, lambda T: gradcheck_seconds(replace(s, T=T)) <= limit)
    H = largest_passing(s.n_hidden, lambda H: gradcheck_seconds(replace(s, n_hidden=H)) <= limit)
    hints = [f"T ≤ {T}"] * bool(T) + [f"n_hidden ≤ {H}"] * bool(H)
    hint = (" or ".join(hints) + " would pass") if hints else "use a smaller model"
    what = f"a gradient check of {s.weights:,} weights over T = {s.T}"
    raise FieldError(("inputs",), _too_slow(seconds, settings, what, hint))


def check_train(s: Shape, steps: int, settings: Settings) -> None:
    """/api/train within the compute limit: the hint is the largest chunk that fits."""
    limit = settings.max_compute_seconds
    if (seconds := train_seconds(s, steps)) <= limit:
        return
    most = largest_passing(steps, lambda n: train_seconds(s, n) <= limit)
    hint = (
        f"steps ≤ {most} per call would pass (train in chunks)"
        if most
        else "one step is already over it: use a shorter T or a smaller n_hidden"
    )
    raise FieldError(("steps",), _too_slow(seconds, settings, f"{steps} training steps", hint))
