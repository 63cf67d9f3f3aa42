"""Request and response models of /api/forward, /api/bptt and /api/gradcheck (spec: api.md).

Field names are the public contract. Requests are strict: numbers must be JSON numbers (not
`true` or `"1"`; integers are fine where floats are expected), NaN and Infinity are refused,
unknown fields are refused, and every shape is checked against the model's sizes with a message
that says what was expected. Limits that depend on the server's Settings (T, sizes, work) are
checked by the routes (`app.api.convert.check_*`), not here.

Responses carry `float | None` wherever a computed value can overflow: a non-finite number is
sent as null (with `diagnostics.finite: false`), never as NaN or Infinity.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from app.rnn.model import CELL_GATES

Activation = Literal["tanh", "sigmoid", "relu", "identity"]
CellName = Literal["rnn", "lstm", "gru"]
OutputName = Literal["linear", "softmax"]
LossName = Literal["squared_error", "cross_entropy"]
Detail = Literal["full", "norms"]

FiniteFloat = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Vector = list[FiniteFloat]
Matrix = list[Vector]
OutFloat = float | None  # null where the computed value is not finite (or does not exist)
OutVector = list[OutFloat]
OutMatrix = list[OutVector]

SEED_MAX = 2**32 - 1
STRICT_INPUT = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)
Loc = tuple[str | int, ...]


# ---------------------------------------------------------------- errors that name the field


def _error(loc: Loc, msg: str, value: object) -> InitErrorDetails:
    """One 422 item located at `loc` (relative to the model being validated)."""
    return InitErrorDetails(
        type=PydanticCustomError("value_error", "{msg}", {"msg": msg}), loc=loc, input=value
    )


def _raise(title: str, errors: list[InitErrorDetails]) -> None:
    """Raise all collected errors at once (nothing when the list is empty)."""
    if errors:
        raise ValidationError.from_exception_data(title, errors)


def _shape(rows: Sequence[Sequence[float]]) -> str:
    """'3×2' for a rectangular matrix, a description of the ragged rows otherwise."""
    widths = sorted({len(row) for row in rows})
    if len(widths) == 1:
        return f"{len(rows)}×{widths[0]}"
    return f"{len(rows)} rows of unequal lengths {widths}"


def _check_matrix(
    name: str, loc: Loc, value: Sequence[Sequence[float]], n_rows: int, n_cols: int, dims: str
) -> list[InitErrorDetails]:
    """Error unless `value` is n_rows×n_cols: 'Ws must be 3×3 (n_hidden×n_hidden), got 3×2'."""
    if len(value) == n_rows and all(len(row) == n_cols for row in value):
        return []
    msg = f"{name} must be {n_rows}×{n_cols} ({dims}), got {_shape(value)}"
    return [_error(loc, msg, value)]


def _check_vector(
    name: str, loc: Loc, value: Sequence[float], size: int, dims: str
) -> list[InitErrorDetails]:
    """Error when `value` does not have `size` entries."""
    if len(value) == size:
        return []
    return [_error(loc, f"{name} must have {size} entries ({dims}), got {len(value)}", value)]


def _echoable(error: ErrorDetails, loc: Loc | None = None) -> InitErrorDetails:
    """The same error (type, message, input; loc unless given)."""
    kind = PydanticCustomError(error["type"], "{msg}", {"msg": error["msg"]})
    where = error["loc"] if loc is None else loc
    return InitErrorDetails(type=kind, loc=where, input=error["input"])


def _show(value: Any) -> str:
    """`value` as JSON text, for messages ('null', not 'None')."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _one_loss_steps_error(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """One clear error for loss_steps instead of one per member of the union."""
    try:
        return handler(value)
    except ValidationError as exc:
        if isinstance(value, list) and value:
            errors = [e for e in exc.errors() if e["loc"][:1] == (LIST_BRANCH,)]
            raise ValidationError.from_exception_data(
                "loss_steps", [_echoable(e, e["loc"][1:]) for e in errors]
            ) from None
        msg = (
            "loss_steps must be 'all' or 'last' or a non-empty list of 1-based steps, "
            f"got {_show(value)}"
        )
        raise PydanticCustomError("loss_steps", "{msg}", {"msg": msg}) from None


LIST_BRANCH = "list[int]"
LossSteps = Annotated[
    Literal["all", "last"] | Annotated[list[int], Field(min_length=1)],
    WrapValidator(_one_loss_steps_error),
]


# ---------------------------------------------------------------- the model


class WeightsSpec(BaseModel):
    """Explicit weights, row-major: Wx (n_in×n_hidden), Ws (n_hidden×n_hidden), Wy (n_hidden×n_out),
    and with bias only: bs (n_hidden), by (n_out). Gated cells have G gate blocks of columns
    (lstm: i, f, g, o; gru: r, z, n): Wx n_in×G·n_hidden, Ws n_hidden×G·n_hidden, and with bias
    bx and bs of G·n_hidden."""

    model_config = STRICT_INPUT

    Wx: Matrix = Field(description="n_in×n_hidden (×G·n_hidden for gated cells), input → state")
    Ws: Matrix = Field(description="n_hidden×n_hidden (×G·n_hidden), state → next state")
    Wy: Matrix = Field(description="n_hidden×n_out, state → output")
    bs: Vector | None = Field(default=None, description="n_hidden (G·n_hidden), only with bias")
    by: Vector | None = Field(default=None, description="n_out, only when bias is true")
    bx: Vector | None = Field(
        default=None, description="G·n_hidden, gated cells with bias only (PyTorch's bias_ih)"
    )


class ModelSpec(BaseModel):
    """The RNN: cell, sizes, Φ, output layer, loss, and either explicit weights or a seed."""

    model_config = STRICT_INPUT

    cell: CellName = Field(
        default="rnn", description='"rnn" (the lecture\'s), "lstm" or "gru" (PyTorch\'s cells)'
    )
    n_in: int = Field(default=1, ge=1, description="input size (server limit BPTT_MAX_N_IO, 64)")
    n_hidden: int = Field(
        default=3, ge=1, description="state size (server limit BPTT_MAX_N_HIDDEN, 256)"
    )
    n_out: int = Field(default=1, ge=1, description="output size (server limit BPTT_MAX_N_IO, 64)")
    activation: Activation = Field(default="tanh", description="Φ")
    output: OutputName = Field(default="linear", description="y_t = o_t or softmax(o_t)")
    loss: LossName = Field(default="squared_error", description="cross_entropy needs softmax")
    bias: bool = Field(default=False, description="adds bs and by")
    reduction: Literal["sum", "mean"] = Field(
        default="sum",
        description='"sum": E = Σ_{t∈L} E_t (the lecture\'s); "mean": PyTorch\'s MSELoss / '
        "CrossEntropyLoss, E divided by |L|·n_out (squared error) or |L| (cross-entropy)",
    )
    weights: WeightsSpec | None = Field(default=None, description="null: initialised from seed")
    seed: int = Field(default=0, ge=0, le=SEED_MAX, description="same seed, same weights")
    ws_spectral_radius: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="rescale the seeded Ws (each gate's H×H block) to this spectral radius "
        "(ignored with weights)",
    )

    @model_validator(mode="after")
    def _check_consistency(self) -> ModelSpec:
        """cross_entropy needs softmax; gated cells need tanh; weights match; biases iff bias."""
        errors: list[InitErrorDetails] = []
        if self.loss == "cross_entropy" and self.output != "softmax":
            msg = f"loss 'cross_entropy' needs output 'softmax', got output '{self.output}'"
            errors.append(_error(("loss",), msg, self.loss))
        if self.cell != "rnn" and self.activation != "tanh":
            msg = (
                f"activation must be 'tanh' for cell '{self.cell}' (its gates fix their own "
                f"nonlinearities), got '{self.activation}'"
            )
            errors.append(_error(("activation",), msg, self.activation))
        if self.weights is not None:
            errors += self._weight_errors(self.weights)
        _raise("ModelSpec", errors)
        return self

    @property
    def width(self) -> int:
        """G·n_hidden: the columns of Wx and Ws (G = 1 for the plain RNN)."""
        return max(1, len(CELL_GATES[self.cell])) * self.n_hidden

    def _weight_errors(self, w: WeightsSpec) -> list[InitErrorDetails]:
        H, n_in, n_out, GH = self.n_hidden, self.n_in, self.n_out, self.width
        gates = CELL_GATES[self.cell]
        blocks = f"{len(gates)}·n_hidden: gate blocks {', '.join(gates)}" if gates else ""
        wide = blocks or "n_hidden"
        errors = [
            *_check_matrix("Wx", ("weights", "Wx"), w.Wx, n_in, GH, f"n_in×{wide}"),
            *_check_matrix("Ws", ("weights", "Ws"), w.Ws, H, GH, f"n_hidden×{wide}"),
            *_check_matrix("Wy", ("weights", "Wy"), w.Wy, H, n_out, "n_hidden×n_out"),
        ]
        biases = [("bs", w.bs, GH, wide), ("by", w.by, n_out, "n_out")]
        if gates:
            biases.insert(0, ("bx", w.bx, GH, wide))
        elif w.bx is not None:
            msg = "bx belongs to gated cells (lstm, gru); the rnn cell has bs only"
            errors.append(_error(("weights", "bx"), msg, w.bx))
        for name, vec, size, dims in biases:
            loc = ("weights", name)
            if self.bias and vec is None:
                errors.append(_error(loc, f"{name} is required when bias is true", None))
            elif not self.bias and vec is not None:
                errors.append(_error(loc, f"{name} must be omitted when bias is false", vec))
            elif vec is not None:
                errors += _check_vector(name, loc, vec, size, dims)
        return errors


# ---------------------------------------------------------------- requests


def _sequence_errors(
    model: ModelSpec,
    inputs: Matrix,
    targets: Matrix | None,
    s0: Vector | None,
    loss_steps: Literal["all", "last"] | list[int],
    c0: Vector | None = None,
) -> list[InitErrorDetails]:
    """inputs T×n_in, targets T×n_out, s0 (c0) n_hidden, loss steps distinct and in 1..T."""
    T = len(inputs)
    errors = _check_matrix("inputs", ("inputs",), inputs, T, model.n_in, "T×n_in")
    if targets is not None:
        errors += _check_matrix("targets", ("targets",), targets, T, model.n_out, "T×n_out")
    if s0 is not None:
        errors += _check_vector("s0", ("s0",), s0, model.n_hidden, "n_hidden")
    if c0 is not None and model.cell != "lstm":
        msg = f"c0 is the LSTM's initial cell state; cell '{model.cell}' has none (omit c0)"
        errors.append(_error(("c0",), msg, c0))
    elif c0 is not None:
        errors += _check_vector("c0", ("c0",), c0, model.n_hidden, "n_hidden")
    if isinstance(loss_steps, list):
        errors += _loss_step_errors(loss_steps, T)
    return errors


def _loss_step_errors(loss_steps: list[int], T: int) -> list[InitErrorDetails]:
    """Each listed step must lie in 1..T and appear once (order does not matter)."""
    errors = []
    seen: set[int] = set()
    for i, step in enumerate(loss_steps):
        if not 1 <= step <= T:
            msg = f"loss step {step} is out of range: steps are 1..T = 1..{T}"
            errors.append(_error(("loss_steps", i), msg, step))
        elif step in seen:
            errors.append(_error(("loss_steps", i), f"loss step {step} is listed twice", step))
        seen.add(step)
    return errors


class _SequenceRequest(BaseModel):
    """Fields shared by every request that runs the model over a sequence."""

    model_config = STRICT_INPUT

    model: ModelSpec = Field(default_factory=ModelSpec, description="the RNN")
    inputs: Annotated[Matrix, Field(min_length=1)] = Field(
        description="T×n_in, x_t for t = 1..T (T ≤ BPTT_MAX_T, 1000)"
    )
    s0: Vector | None = Field(default=None, description="initial state s_0 (zeros if omitted)")
    c0: Vector | None = Field(
        default=None, description="LSTM only: initial cell state c_0 (zeros if omitted)"
    )


class ForwardRequest(_SequenceRequest):
    """Run the forward pass; with targets, also the per-step losses E_t."""

    targets: Matrix | None = Field(default=None, description="T×n_out desired outputs d_t")
    loss_steps: LossSteps = Field(
        default="all", description="steps whose E_t count in the loss (only with targets)"
    )

    @model_validator(mode="after")
    def _check_shapes(self) -> ForwardRequest:
        """Shapes against the model's sizes and T."""
        errors = _sequence_errors(
            self.model, self.inputs, self.targets, self.s0, self.loss_steps, self.c0
        )
        _raise("ForwardRequest", errors)
        return self


class GradcheckRequest(_SequenceRequest):
    """Compare full BPTT against central differences."""

    targets: Matrix = Field(description="T×n_out desired outputs d_t (every row is given)")
    loss_steps: LossSteps = Field(
        default="all", description='"all", "last" or a list of distinct 1-based steps'
    )

    @model_validator(mode="after")
    def _check_shapes(self) -> GradcheckRequest:
        """Shapes against the model's sizes and T."""
        errors = _sequence_errors(
            self.model, self.inputs, self.targets, self.s0, self.loss_steps, self.c0
        )
        _raise(type(self).__name__, errors)
        return self


class BPTTRequest(GradcheckRequest):
    """Backpropagation through time, term by term (detail "full") or as norms only."""

    truncate: int | None = Field(
        default=None, ge=1, description="keep the K most recent terms per loss step; null: full"
    )
    detail: Detail = Field(
        default="full", description='"full": every term; "norms": flow and totals only'
    )
    jacobian: bool = Field(
        default=True,
        description="false: flow.jacobian is left null (no ‖∂s_t/∂s_k‖₂, the costliest part at"
        " large n_hidden); every other number is the same",
    )


# ---------------------------------------------------------------- responses


def _omit_none(value: Any) -> bool:
    return value is None


class WeightsOut(BaseModel):
    """The weights used; send them back as model.weights to reuse them."""

    Wx: Matrix
    Ws: Matrix
    Wy: Matrix
    bx: Vector | None = Field(default=None, exclude_if=_omit_none)
    bs: Vector | None = Field(default=None, exclude_if=_omit_none)
    by: Vector | None = Field(default=None, exclude_if=_omit_none)


class GradsOut(BaseModel):
    """∂E/∂W for each weight (null entries where the value overflowed)."""

    Wx: OutMatrix
    Ws: OutMatrix
    Wy: OutMatrix
    bx: OutVector | None = Field(default=None, exclude_if=_omit_none)
    bs: OutVector | None = Field(default=None, exclude_if=_omit_none)
    by: OutVector | None = Field(default=None, exclude_if=_omit_none)


class StepOut(BaseModel):
    """One time step t: input, pre-activation, state, output, target and its loss E_t."""

    t: int
    x: Vector
    z: OutVector | None = Field(description="the plain RNN's z_t; null for gated cells")
    s: OutVector
    c: OutVector | None = Field(default=None, exclude_if=_omit_none, description="LSTM: c_t")
    gates: dict[str, OutVector] | None = Field(
        default=None,
        exclude_if=_omit_none,
        description='gated cells: {"i","f","g","o"} or {"r","z","n"} after their nonlinearity',
    )
    y: OutVector
    d: Vector | None = Field(default=None, exclude_if=_omit_none)
    E: OutFloat = Field(default=None, description="E_t; null where t is not a loss step")


class FlowOut(BaseModel):
    """T×T norms indexed [t-1][k-1]; null where k > t, t is no loss step, or k was cut."""

    Ws: OutMatrix = Field(description="‖C^Ws_{t,k}‖_F")
    Wx: OutMatrix = Field(description="‖C^Wx_{t,k}‖_F")
    state: OutMatrix = Field(description="‖∂E_t/∂s_k‖")
    cell: OutMatrix | None = Field(
        default=None, exclude_if=_omit_none, description="LSTM: ‖∂E_t/∂c_k‖ = ‖κ_{t,k}‖"
    )
    jacobian: OutMatrix = Field(
        description="‖∂s_t/∂s_k‖₂ (LSTM: of the whole state [s, c]), for every k ≤ t"
    )


class KTermOut(BaseModel):
    """The contribution of step k to ∂E_t/∂W."""

    k: int
    Ws: OutMatrix = Field(description="C^Ws_{t,k} = s_{k-1}^T δ_{t,k}")
    Wx: OutMatrix = Field(description="C^Wx_{t,k} = x_k^T δ_{t,k}")
    dE_ds: OutVector = Field(description="σ_{t,k} = ∂E_t/∂s_k")
    dE_dz: OutVector | None = Field(
        default=None,
        exclude_if=_omit_none,
        description="rnn: δ_{t,k} = ∂E_t/∂z_k (also C^bs_{t,k})",
    )
    dE_da: OutVector | None = Field(
        default=None,
        exclude_if=_omit_none,
        description="gated cells: δ^s_{t,k} = ∂E_t/∂a^s_k (also C^bs_{t,k})",
    )
    dE_dax: OutVector | None = Field(
        default=None, exclude_if=_omit_none, description="GRU: δ^x_{t,k} (also C^bx_{t,k})"
    )
    dE_dc: OutVector | None = Field(
        default=None, exclude_if=_omit_none, description="LSTM: κ_{t,k} = ∂E_t/∂c_k"
    )


class TermOut(BaseModel):
    """All kept terms of one loss step t, k ascending; dE_dWs = Σ_k Ws."""

    t: int
    E: OutFloat
    dE_dWs: OutMatrix
    dE_dWx: OutMatrix
    dE_dWy: OutMatrix
    dE_dbx: OutVector | None = Field(default=None, exclude_if=_omit_none)
    dE_dbs: OutVector | None = Field(default=None, exclude_if=_omit_none)
    dE_dby: OutVector | None = Field(default=None, exclude_if=_omit_none)
    k: list[KTermOut]


class DiagnosticsOut(BaseModel):
    """Whether every number is finite, and the quantities behind vanishing/exploding."""

    finite: bool
    ws_spectral_radius: OutFloat
    ws_spectral_norm: OutFloat
    gamma: OutFloat = Field(description="max Φ'")
    warnings: list[str]
    ws_eigenvalues: list[list[OutFloat]] = Field(
        description="eigenvalues λ of Ws (of every gate's H×H block for gated cells) as "
        "[re, im] pairs, ordered by |λ| descending"
    )
    ws_gate_spectral_radius: dict[str, OutFloat] | None = Field(
        default=None, exclude_if=_omit_none, description="gated cells: ρ of each gate's block"
    )


class ForwardResponse(BaseModel):
    """The forward pass; d, E and loss only when targets were given."""

    weights: WeightsOut
    T: int
    s0: Vector
    c0: Vector | None = Field(default=None, exclude_if=_omit_none, description="LSTM: c_0")
    steps: list[StepOut] = Field(description="d and E only when targets were given")
    loss: OutFloat = Field(default=None, exclude_if=_omit_none)
    finite: bool = Field(description="false when some value overflowed (sent as null)")


class BPTTResponse(BaseModel):
    """Everything BPTT computes; terms only with detail "full"."""

    weights: WeightsOut
    T: int
    s0: Vector
    c0: Vector | None = Field(default=None, exclude_if=_omit_none, description="LSTM: c_0")
    loss_steps: list[int] = Field(description="the loss steps used, 1-based, ascending")
    steps: list[StepOut]
    loss: OutFloat
    grads: GradsOut
    flow: FlowOut
    terms: list[TermOut] | None = Field(default=None, exclude_if=_omit_none)
    diagnostics: DiagnosticsOut


class RelErrorsOut(BaseModel):
    """Largest relative error |a − n| / max(1e-8, |a| + |n|) per weight."""

    Wx: OutFloat
    Ws: OutFloat
    Wy: OutFloat
    bx: OutFloat = Field(default=None, exclude_if=_omit_none)
    bs: OutFloat = Field(default=None, exclude_if=_omit_none)
    by: OutFloat = Field(default=None, exclude_if=_omit_none)


class GradcheckResponse(BaseModel):
    """Central differences against full BPTT."""

    h: float
    max_rel_error: RelErrorsOut
    passed: bool
    analytic: GradsOut = Field(description="∂E/∂W by full BPTT")
    numeric: GradsOut = Field(description="∂E/∂W by central differences of step h")
