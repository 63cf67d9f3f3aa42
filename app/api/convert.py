"""JSON ↔ NumPy: the only place where request models become arrays and results become lists.

- `model_from_spec`: a `ModelSpec` → `(RNNConfig, RNNParams)` (given weights, or seeded ones).
- `check_*`: the limits of the server's Settings, raised as `FieldError` naming the field and
  the setting (so a client knows what to change, and an operator what to raise).
- `*_response`: the response dicts of api.md, built with `.tolist()` and with every non-finite
  number replaced by None (JSON null), so NaN and Infinity are never sent.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from app.api.errors import FieldError
from app.api.schemas import (
    BPTTRequest,
    ForwardRequest,
    GradcheckRequest,
    ModelSpec,
    WeightsSpec,
)
from app.config import Settings
from app.rnn import (
    BPTTResult,
    Diagnostics,
    Forward,
    GradCheck,
    Grads,
    JacobianBudget,
    RNNConfig,
    RNNParams,
    forward_is_finite,
    init_params,
)
from app.rnn.model import Array

Mask = NDArray[np.bool_]

FLOW_NAMES = ("Ws", "Wx", "state", "jacobian")

# ---------------------------------------------------------------- arrays → JSON


def to_json(a: Array) -> Any:
    """Nested lists of `a`, with None in place of every NaN or ±Infinity."""
    a = np.asarray(a, dtype=np.float64)
    finite = np.isfinite(a)
    if finite.all():
        return a.tolist()
    boxed = a.astype(object)  # same shape, Python floats
    boxed[~finite] = None
    return boxed.tolist()


def json_array(a: Array) -> Array:
    """`a` for orjson's OPT_SERIALIZE_NUMPY, which writes the same JSON as `to_json` (the
    shortest round-trip decimal of each float, null for NaN and ±Infinity) without building
    Python lists first: the bulk of a detail "full" answer goes this way."""
    return np.ascontiguousarray(a, dtype=np.float64)


def scalar_to_json(value: float) -> float | None:
    """A float, or None when it is not finite."""
    value = float(value)
    return value if np.isfinite(value) else None


def grads_to_json(grads: Grads, prefix: str = "") -> dict[str, Any]:
    """{"Wx", "Ws", "Wy"[, "bs", "by"]} (names prefixed, e.g. "dE_dWs") as nested lists."""
    return {prefix + name: to_json(value) for name, value in grads.as_dict().items()}


def weights_to_json(params: RNNParams) -> dict[str, Any]:
    """The weights as sent in `model.weights`, so a client can send them back."""
    return {name: value.tolist() for name, value in params.as_dict().items()}


# ---------------------------------------------------------------- JSON → model


def model_from_spec(
    spec: ModelSpec, settings: Settings | None = None
) -> tuple[RNNConfig, RNNParams]:
    """The config and weights a request asks for: its weights, or init_params(seed, ρ)."""
    if settings is not None:
        check_model_limits(spec, settings)
    config = config_from_spec(spec)
    if spec.weights is None:
        return config, seeded_params(config, spec.seed, spec.ws_spectral_radius)
    return config, params_from_weights(config, spec.weights)


def seeded_params(config: RNNConfig, seed: int, radius: float | None) -> RNNParams:
    """init_params(config, seed, radius), drawn once per distinct request and copied after:
    drawing costs about as much as the whole lecture-size forward pass."""
    drawn = _seeded_once(config, seed, radius)
    return RNNParams(**{name: a.copy() for name, a in drawn.as_dict().items()})


@functools.lru_cache(maxsize=256)
def _seeded_once(config: RNNConfig, seed: int, radius: float | None) -> RNNParams:
    """init_params, remembered (its arrays never leave this module uncopied)."""
    return init_params(config, seed, radius)


def config_from_spec(spec: ModelSpec) -> RNNConfig:
    """The core's config of a (validated) model spec."""
    return RNNConfig(
        n_in=spec.n_in,
        n_hidden=spec.n_hidden,
        n_out=spec.n_out,
        activation=spec.activation,
        output=spec.output,
        loss=spec.loss,
        bias=spec.bias,
        cell=spec.cell,
        reduction=spec.reduction,
    )


def params_from_weights(config: RNNConfig, weights: WeightsSpec) -> RNNParams:
    """Arrays of the (already shape-checked) weights."""
    gated = config.cell != "rnn"
    return RNNParams(
        Wx=np.array(weights.Wx, dtype=np.float64),  # (n_in, G·H)
        Ws=np.array(weights.Ws, dtype=np.float64),  # (H, G·H)
        Wy=np.array(weights.Wy, dtype=np.float64),  # (H, n_out)
        bs=np.array(weights.bs, dtype=np.float64) if config.bias else None,  # (G·H,)
        by=np.array(weights.by, dtype=np.float64) if config.bias else None,  # (n_out,)
        bx=np.array(weights.bx, dtype=np.float64) if config.bias and gated else None,  # (G·H,)
    )


def sequence_arrays(
    inputs: list[list[float]], s0: list[float] | None, n_hidden: int
) -> tuple[Array, Array]:
    """x (T, n_in) and s_0 (H,), zeros when not given."""
    x = np.array(inputs, dtype=np.float64)  # (T, n_in)
    s0_arr = np.zeros(n_hidden) if s0 is None else np.array(s0, dtype=np.float64)  # (H,)
    return x, s0_arr


def sequence_request(
    body: ForwardRequest | BPTTRequest | GradcheckRequest, settings: Settings
) -> tuple[RNNConfig, RNNParams, Array, Array]:
    """The model, x (T, n_in) and s_0 (H,) of a request, once its size limits (n_*, T) hold."""
    config, params = model_from_spec(body.model, settings)
    check_T(len(body.inputs), settings)
    x, s0 = sequence_arrays(body.inputs, body.s0, config.n_hidden)
    return config, params, x, s0


def c0_array(c0: list[float] | None) -> Array | None:
    """c_0 (H,) of an LSTM request, or None (zeros)."""
    return None if c0 is None else np.array(c0, dtype=np.float64)  # (H,)


def loss_steps_arg(loss_steps: str | list[int]) -> str | list[int]:
    """The loss steps for the core: "all", "last" or the listed steps, ascending."""
    return loss_steps if isinstance(loss_steps, str) else sorted(loss_steps)


# ---------------------------------------------------------------- limits


def check_model_limits(spec: ModelSpec, settings: Settings) -> None:
    """n_in, n_out ≤ max_n_io and n_hidden ≤ max_n_hidden."""
    limits = (("n_in", "max_n_io"), ("n_hidden", "max_n_hidden"), ("n_out", "max_n_io"))
    for name, setting in limits:
        value, limit = getattr(spec, name), getattr(settings, setting)
        if value > limit:
            msg = f"{name} = {value} exceeds the limit of {limit} ({settings.env_name(setting)})"
            raise FieldError(("model", name), msg)


def check_T(T: int, settings: Settings) -> None:
    """T = len(inputs) ≤ max_T."""
    if T > settings.max_T:
        msg = f"T = {T} exceeds the limit of {settings.max_T} steps ({settings.env_name('max_T')})"
        raise FieldError(("inputs",), msg)


def check_bptt_work(request: BPTTRequest, settings: Settings) -> None:
    """detail "full": T²·G·H·(H+n_in) numbers ≤ max_full_numbers ("norms" works at any size)."""
    T, H, n_in = len(request.inputs), request.model.n_hidden, request.model.n_in
    if request.detail != "full":
        return
    G = request.model.width // H
    numbers = T * T * G * H * (H + n_in)
    if numbers > settings.max_full_numbers:
        size = f"T²·n_hidden·(n_hidden+n_in) = {numbers:,}"
        if G > 1:
            size = f"T²·{G}·n_hidden·(n_hidden+n_in) = {numbers:,} ({G} gate blocks)"
        msg = (
            f'detail "full" at T = {T}, n_hidden = {H}, n_in = {n_in} needs '
            f"{size} numbers, over the limit of "
            f"{settings.max_full_numbers:,} ({settings.env_name('max_full_numbers')}); "
            'ask for detail "norms" or a shorter sequence'
        )
        raise FieldError(("detail",), msg)


def jacobian_budget(settings: Settings) -> JacobianBudget:
    """The Settings' budget on flow.jacobian, named by its environment variable."""
    return JacobianBudget(settings.max_jacobian_work, settings.env_name("max_jacobian_work"))


# ---------------------------------------------------------------- results → responses


def steps_to_json(
    fwd: Forward, d: Array | None = None, E: Array | None = None, mask: Mask | None = None
) -> list[dict[str, Any]]:
    """[{"t", "x", "z", "s"[, "c", "gates"], "y"[, "d", "E"]}]: E is None off the loss steps;
    z (the plain RNN's pre-activation) is None for gated cells, which send c and gates."""
    if fwd.cell != "rnn":
        return _gated_steps_to_json(fwd, d, E, mask)
    xs, zs = fwd.x.tolist(), to_json(fwd.z)
    ss, ys = to_json(fwd.s[1:]), to_json(fwd.y)
    steps = [{"t": t + 1, "x": xs[t], "z": zs[t], "s": ss[t], "y": ys[t]} for t in range(fwd.T)]
    if d is not None and E is not None and mask is not None:
        Es = to_json(np.where(mask, E, np.nan))  # (T,) None off the loss steps
        for step, d_t, E_t in zip(steps, d.tolist(), Es, strict=True):
            step["d"], step["E"] = d_t, E_t
    return steps


def _gated_steps_to_json(
    fwd: Forward, d: Array | None, E: Array | None, mask: Mask | None
) -> list[dict[str, Any]]:
    """The steps of a gated cell: z null, c (LSTM) and the gates beside s."""
    xs, ss, ys = fwd.x.tolist(), to_json(fwd.s[1:]), to_json(fwd.y)
    cs = to_json(fwd.c[1:]) if fwd.c is not None else None
    gates = {name: to_json(value) for name, value in fwd.gates.items()}
    steps = []
    for t in range(fwd.T):
        step: dict[str, Any] = {"t": t + 1, "x": xs[t], "z": None, "s": ss[t]}
        if cs is not None:
            step["c"] = cs[t]
        step["gates"] = {name: value[t] for name, value in gates.items()}
        step["y"] = ys[t]
        steps.append(step)
    if d is not None and E is not None and mask is not None:
        Es = to_json(np.where(mask, E, np.nan))  # (T,) None off the loss steps
        for step, d_t, E_t in zip(steps, d.tolist(), Es, strict=True):
            step["d"], step["E"] = d_t, E_t
    return steps


def terms_to_json(result: BPTTResult) -> list[dict[str, Any]]:
    """Per loss step t: ∂E_t/∂W and its kept k-terms C^Ws_{t,k}, C^Wx_{t,k}, σ_{t,k}, δ_{t,k}
    (for gated cells δ^s as dE_da, the GRU's δ^x as dE_dax, the LSTM's κ as dE_dc)."""
    terms = result.terms
    assert terms is not None
    cell = result.config.cell
    columns: dict[str, Any] = {
        "Ws": json_array(terms.Ws),
        "Wx": json_array(terms.Wx),
        "dE_ds": json_array(terms.sigma),
    }
    if cell == "rnn":
        columns["dE_dz"] = json_array(terms.delta_s)
    else:
        columns["dE_da"] = json_array(terms.delta_s)
    if cell == "gru":
        columns["dE_dax"] = json_array(terms.delta_x)
    if terms.kappa is not None:
        columns["dE_dc"] = json_array(terms.kappa)
    names = tuple(columns)
    rows = zip(terms.k.tolist(), *columns.values(), strict=True)  # one row per kept term
    ends = terms.ends.tolist()
    per_step = {"dE_d" + name: json_array(g) for name, g in terms.per_step.as_dict().items()}
    Es = to_json(result.E[result.steps - 1])
    out = []
    for i, (t, end) in enumerate(zip(result.steps.tolist(), ends, strict=True)):
        start = ends[i - 1] if i else 0
        term = {"t": t, "E": Es[i], **{name: value[i] for name, value in per_step.items()}}
        k_terms = _k_terms(names, itertools.islice(rows, end - start))
        # encoded at once: one loss step's small dicts alive at a time, not all T² of them
        term["k"] = orjson.Fragment(orjson.dumps(k_terms, option=orjson.OPT_SERIALIZE_NUMPY))
        out.append(term)
    return out


def _k_terms(names: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """[{"k", *names}] from rows (k, *values): dict displays for four or five columns (the
    rnn's and the gated cells'), which build several times faster than dicts of zipped names."""
    if len(names) == 4:
        a, b, c, e = names
        return [{"k": k, a: va, b: vb, c: vc, e: ve} for k, va, vb, vc, ve in rows]
    if len(names) == 5:
        a, b, c, e, f = names
        return [{"k": k, a: va, b: vb, c: vc, e: ve, f: vf} for k, va, vb, vc, ve, vf in rows]
    return [{"k": k, **dict(zip(names, values, strict=True))} for k, *values in rows]


def diagnostics_to_json(result: BPTTResult) -> dict[str, Any]:
    """{"finite", "ws_spectral_radius", "ws_spectral_norm", "gamma", "warnings",
    "ws_eigenvalues"[, "ws_gate_spectral_radius"]}: the core's verdict, as JSON."""
    diag = result.diagnostics
    out: dict[str, Any] = {
        "finite": bool(diag.finite),
        "ws_spectral_radius": scalar_to_json(diag.ws_spectral_radius),
        "ws_spectral_norm": scalar_to_json(diag.ws_spectral_norm),
        "gamma": scalar_to_json(diag.gamma),
        "warnings": list(diag.warnings),
        "ws_eigenvalues": eigenvalues_to_json(diag),
    }
    if diag.gate_spectral_radius:
        out["ws_gate_spectral_radius"] = {
            name: scalar_to_json(value) for name, value in diag.gate_spectral_radius.items()
        }
    return out


def forward_response(
    params: RNNParams,
    fwd: Forward,
    d: Array | None = None,
    E: Array | None = None,
    mask: Mask | None = None,
) -> dict[str, Any]:
    """The /api/forward body; d, E and loss only when targets were given."""
    response: dict[str, Any] = {
        "weights": weights_to_json(params),
        "T": fwd.T,
        "s0": fwd.s[0].tolist(),
        **({"c0": fwd.c[0].tolist()} if fwd.c is not None else {}),
        "steps": steps_to_json(fwd, d, E, mask),
    }
    loss = None
    if E is not None and mask is not None:
        loss = float(np.sum(E[mask]))
        response["loss"] = scalar_to_json(loss)
    response["finite"] = forward_is_finite(fwd, loss)
    return response


def bptt_response(params: RNNParams, result: BPTTResult) -> dict[str, Any]:
    """The /api/bptt body (api.md); terms only when the result carries them (detail "full")."""
    fwd = result.fwd
    response: dict[str, Any] = {
        "weights": weights_to_json(params),
        "T": fwd.T,
        "s0": fwd.s[0].tolist(),
        **({"c0": fwd.c[0].tolist()} if fwd.c is not None else {}),
        "loss_steps": result.steps.tolist(),
        "steps": steps_to_json(fwd, result.d, result.E, result.mask),
        "loss": scalar_to_json(result.loss),
        "grads": grads_to_json(result.grads),
        "flow": {name: json_array(getattr(result.flow, name)) for name in FLOW_NAMES},
        "diagnostics": diagnostics_to_json(result),
    }
    if result.flow.cell is not None:
        response["flow"]["cell"] = json_array(result.flow.cell)
    if result.terms is not None:
        response["terms"] = terms_to_json(result)
    return response


def eigenvalues_to_json(diag: Diagnostics) -> list[list[float | None]]:
    """Eigenvalues λ of Ws (Ws v = λ v) as [re, im] pairs, largest |λ| first."""
    lam = diag.ws_eigenvalues
    assert lam is not None  # bptt() always fills it
    return to_json(np.stack([lam.real, lam.imag], axis=1))  # type: ignore[no-any-return]


def gradcheck_response(check: GradCheck) -> dict[str, Any]:
    """{"h", "max_rel_error": {"Wx", "Ws", "Wy"[, "bs", "by"]}, "passed"}."""
    return {
        "h": check.h,
        "max_rel_error": {name: scalar_to_json(e) for name, e in check.max_rel_error.items()},
        "passed": bool(check.passed),
        "analytic": grads_to_json(check.analytic),
        "numeric": grads_to_json(check.numeric),
    }
