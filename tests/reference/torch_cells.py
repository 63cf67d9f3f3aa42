"""Independent reference for gated cells: torch autograd with one leaf copy of the weights per step.

C^W_{t,k} = ∂E_t/∂(step k's copy of W) comes straight from autograd, σ_{t,k} = ∂E_t/∂s_k,
κ_{t,k} = ∂E_t/∂c_k and δ = ∂E_t/∂a_k from gradients of the per-step tensors (total
derivatives: every path counts). Nothing here uses the engine in app/rnn; the recurrence is
checked against torch.nn.LSTM / torch.nn.GRU on the same weights (cells.md's conventions).
float64 throughout. Arrays in and out are NumPy; time on axis 0, 1-based t in the answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

F64 = torch.float64
GATES = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}


@dataclass(frozen=True)
class Problem:
    """One /api/bptt request as arrays: model, sequence, loss steps (1-based), truncation."""

    cell: str  # "lstm" | "gru"
    output: str  # "linear" | "softmax"
    loss: str  # "squared_error" | "cross_entropy"
    weights: dict[str, np.ndarray]  # Wx (n_in, G·H), Ws (H, G·H), Wy (H, n_out)[, bx, bs, by]
    x: np.ndarray  # (T, n_in)
    d: np.ndarray  # (T, n_out)
    s0: np.ndarray  # (H,)
    c0: np.ndarray  # (H,), zeros for the GRU
    loss_steps: tuple[int, ...]  # ascending, 1-based
    truncate: int | None

    @property
    def T(self) -> int:
        return int(self.x.shape[0])

    @property
    def H(self) -> int:
        return int(self.weights["Ws"].shape[0])

    @property
    def bias(self) -> bool:
        return "bx" in self.weights


def problem_from_request(request: dict[str, Any]) -> Problem:
    """Read a /api/bptt request body (explicit weights) into arrays."""
    model = request["model"]
    weights = {
        name: np.asarray(value, dtype=np.float64) for name, value in model["weights"].items()
    }
    x = np.asarray(request["inputs"], dtype=np.float64)  # (T, n_in)
    T, H = x.shape[0], int(model["n_hidden"])
    steps = request.get("loss_steps", "all")
    if steps == "all":
        loss_steps = tuple(range(1, T + 1))
    elif steps == "last":
        loss_steps = (T,)
    else:
        loss_steps = tuple(sorted(int(t) for t in steps))
    return Problem(
        cell=model["cell"],
        output=model.get("output", "linear"),
        loss=model.get("loss", "squared_error"),
        weights=weights,
        x=x,
        d=np.asarray(request["targets"], dtype=np.float64),  # (T, n_out)
        s0=np.asarray(request.get("s0") or np.zeros(H), dtype=np.float64),  # (H,)
        c0=np.asarray(request.get("c0") or np.zeros(H), dtype=np.float64),  # (H,)
        loss_steps=loss_steps,
        truncate=request.get("truncate"),
    )


# ---------------------------------------------------------------- one step of each cell


def lstm_step(
    x: torch.Tensor, s: torch.Tensor, c: torch.Tensor, W: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
    """a = x Wx + s Ws (+ bx + bs); c' = f⊙c + i⊙g; s' = o⊙tanh(c'). Returns s', c', parts."""
    H = s.shape[0]
    a = x @ W["Wx"] + s @ W["Ws"]  # (4H,)
    if "bx" in W:
        a = a + W["bx"] + W["bs"]
    i, f = torch.sigmoid(a[:H]), torch.sigmoid(a[H : 2 * H])
    g, o = torch.tanh(a[2 * H : 3 * H]), torch.sigmoid(a[3 * H :])
    c_next = f * c + i * g  # (H,)
    s_next = o * torch.tanh(c_next)  # (H,)
    return s_next, c_next, {"a": a, "i": i, "f": f, "g": g, "o": o}


def gru_step(
    x: torch.Tensor, s: torch.Tensor, W: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """a^x = x Wx (+bx), a^s = s Ws (+bs); n = tanh(a^x_n + r⊙a^s_n); s' = (1−z)⊙n + z⊙s."""
    H = s.shape[0]
    ax = x @ W["Wx"]  # (3H,)
    as_ = s @ W["Ws"]  # (3H,)
    if "bx" in W:
        ax, as_ = ax + W["bx"], as_ + W["bs"]
    r = torch.sigmoid(ax[:H] + as_[:H])
    z = torch.sigmoid(ax[H : 2 * H] + as_[H : 2 * H])
    n = torch.tanh(ax[2 * H :] + r * as_[2 * H :])
    s_next = (1 - z) * n + z * s  # (H,)
    return s_next, {"ax": ax, "as": as_, "r": r, "z": z, "n": n}


def head(p: Problem, s: torch.Tensor, Wy: torch.Tensor, by: torch.Tensor | None) -> torch.Tensor:
    """v = s Wy (+ by): the output layer's pre-activation."""
    v = s @ Wy
    return v if by is None else v + by


def step_loss(p: Problem, v: torch.Tensor, d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """y = v or softmax(v); E = Σ(d − y)² or −Σ d·log y. Returns y, E."""
    if p.output == "softmax":
        log_y = torch.log_softmax(v, dim=-1)
        y = torch.exp(log_y)
        if p.loss == "cross_entropy":
            return y, -(d * log_y).sum(-1)
    else:
        y = v
    return y, ((d - y) ** 2).sum(-1)


# ---------------------------------------------------------------- the per-step-copy model


@dataclass(frozen=True)
class Reference:
    """Every number of the answer, from autograd over per-step copies (full BPTT, all k ≤ t)."""

    s: np.ndarray  # (T+1, H), s[0] is s_0
    c: np.ndarray  # (T+1, H), c[0] is c_0 (LSTM; zeros for the GRU)
    gates: dict[str, np.ndarray]  # each (T, H), after its nonlinearity
    y: np.ndarray  # (T, n_out)
    E: np.ndarray  # (T,), E_t at every step (loss steps or not)
    C: dict[str, np.ndarray]  # "Wx" (T, T, n_in, G·H), "Ws" (T, T, H, G·H), "bx", "bs" (T, T, G·H)
    sigma: np.ndarray  # (T, T, H): [t-1, k-1] = ∂E_t/∂s_k
    kappa: np.ndarray  # (T, T, H): [t-1, k-1] = ∂E_t/∂c_k (LSTM)
    delta_s: np.ndarray  # (T, T, G·H): ∂E_t/∂a_k (LSTM) or ∂E_t/∂a^s_k (GRU)
    delta_x: np.ndarray  # (T, T, G·H): equals delta_s for the LSTM; ∂E_t/∂a^x_k (GRU)
    dE_dWy: np.ndarray  # (T, H, n_out): ∂E_t/∂Wy
    dE_dby: np.ndarray  # (T, n_out)
    jacobian: np.ndarray  # (T, T): ‖∂h_t/∂h_k‖₂, h = [s, c] (LSTM) or s (GRU); nan where k > t


def tensors(p: Problem) -> dict[str, torch.Tensor]:
    """The shared weights as float64 tensors (constants)."""
    return {name: torch.tensor(value, dtype=F64) for name, value in p.weights.items()}


def run_copies(
    p: Problem,
    per_step: dict[str, list[np.ndarray]] | None = None,
    nudge: tuple[int, np.ndarray] | None = None,
) -> tuple[dict[str, list[torch.Tensor]], dict[str, Any]]:
    """Forward pass where step k uses its own leaf copies of Wx, Ws (bx, bs).

    For finite-difference checks: `per_step` gives each step's copy explicitly, and
    `nudge = (k, Δh)` adds Δh to the state h_k = [s_k, c_k] (or s_k) right after step k.
    """
    shared = tensors(p)
    recurrent = [name for name in ("Wx", "Ws", "bx", "bs") if name in shared]
    given = per_step or {}
    copies = {
        name: [
            torch.tensor(given[name][k], dtype=F64).requires_grad_(True)
            if name in given
            else shared[name].clone().requires_grad_(True)
            for k in range(p.T)
        ]
        for name in recurrent
    }
    Wy = shared["Wy"].clone().requires_grad_(True)
    by = shared["by"].clone().requires_grad_(True) if p.bias else None
    x, d = torch.tensor(p.x, dtype=F64), torch.tensor(p.d, dtype=F64)
    s, c = torch.tensor(p.s0, dtype=F64), torch.tensor(p.c0, dtype=F64)
    trace: dict[str, Any] = {"s": [], "c": [], "parts": [], "y": [], "E": [], "Wy": Wy, "by": by}
    for k in range(p.T):
        W = {name: copies[name][k] for name in recurrent}
        if p.cell == "lstm":
            s, c, parts = lstm_step(x[k], s, c, W)
        else:
            s, parts = gru_step(x[k], s, W)
        if nudge is not None and nudge[0] == k + 1:
            dh = torch.tensor(nudge[1], dtype=F64)  # (D,)
            s = s + dh[: p.H]
            c = c + dh[p.H :] if p.cell == "lstm" else c
        y, E = step_loss(p, head(p, s, Wy, by), d[k])
        for key, value in (("s", s), ("c", c), ("parts", parts), ("y", y), ("E", E)):
            trace[key].append(value)
    return copies, trace


def grads_of(E: torch.Tensor, inputs: Sequence[torch.Tensor]) -> list[np.ndarray]:
    """∂E/∂input for each input (zeros where E does not depend on it)."""
    found = torch.autograd.grad(E, list(inputs), retain_graph=True, allow_unused=True)
    return [
        np.zeros(tuple(inp.shape)) if g is None else g.detach().numpy().copy()
        for g, inp in zip(found, inputs, strict=True)
    ]


def jacobians(
    p: Problem, W: dict[str, torch.Tensor], x: torch.Tensor, k: int, h_k: torch.Tensor
) -> torch.Tensor:
    """∂h_t/∂h_k for t = k..T with shared weights, h = [s, c] (LSTM) or s (GRU); (T-k+1, D, D)."""
    H = p.H

    def roll(h: torch.Tensor) -> torch.Tensor:
        """h_k ↦ (h_k, h_{k+1}, …, h_T), stacked."""
        out = [h]
        for j in range(k, p.T):  # step j+1 reads x[j]
            if p.cell == "lstm":
                s_next, c_next, _ = lstm_step(x[j], h[:H], h[H:], W)
                h = torch.cat([s_next, c_next])
            else:
                h, _ = gru_step(x[j], h, W)
            out.append(h)
        return torch.stack(out)

    J = torch.autograd.functional.jacobian(roll, h_k)
    assert isinstance(J, torch.Tensor)
    return J


def state_jacobian_norms(p: Problem) -> np.ndarray:
    """‖∂h_t/∂h_k‖₂ for k ≤ t with shared weights, h = [s, c] (LSTM) or s (GRU); (T, T)."""
    W, T = tensors(p), p.T
    x = torch.tensor(p.x, dtype=F64)
    norms = np.full((T, T), np.nan)  # [t-1, k-1]
    with torch.no_grad():
        s, c = torch.tensor(p.s0, dtype=F64), torch.tensor(p.c0, dtype=F64)
        h_at = []  # h_k for k = 1..T, each (D,)
        for k in range(T):
            if p.cell == "lstm":
                s, c, _ = lstm_step(x[k], s, c, W)
                h_at.append(torch.cat([s, c]))
            else:
                s, _ = gru_step(x[k], s, W)
                h_at.append(s)

    for k in range(1, T + 1):
        J = jacobians(p, W, x, k, h_at[k - 1])  # (T-k+1, D, D)
        for t in range(k, T + 1):
            norms[t - 1, k - 1] = np.linalg.norm(J[t - k].numpy(), 2)
    return norms


def reference(p: Problem) -> Reference:
    """All per-(t,k) numbers by autograd, one gradient call per step t (every t, for checks)."""
    copies, trace = run_copies(p)
    T, H, G = p.T, p.H, len(GATES[p.cell])
    recurrent = list(copies)
    C = {name: np.zeros((T, T, *copies[name][0].shape)) for name in recurrent}
    sigma, kappa = np.zeros((T, T, H)), np.zeros((T, T, H))
    delta_s, delta_x = np.zeros((T, T, G * H)), np.zeros((T, T, G * H))
    n_out = p.weights["Wy"].shape[1]
    dE_dWy, dE_dby = np.zeros((T, H, n_out)), np.zeros((T, n_out))
    a_s = "a" if p.cell == "lstm" else "as"
    a_x = "a" if p.cell == "lstm" else "ax"
    for t in range(T):
        inputs: list[torch.Tensor] = [trace["Wy"]]
        inputs += [trace["by"]] if p.bias else []
        for name in recurrent:
            inputs += copies[name]
        inputs += trace["s"] + [part[a_s] for part in trace["parts"]]
        inputs += [part[a_x] for part in trace["parts"]]
        inputs += trace["c"] if p.cell == "lstm" else []
        found = iter(grads_of(trace["E"][t], inputs))
        dE_dWy[t] = next(found)
        if p.bias:
            dE_dby[t] = next(found)
        for name in recurrent:
            C[name][t] = np.stack([next(found) for _ in range(T)])
        sigma[t] = np.stack([next(found) for _ in range(T)])
        delta_s[t] = np.stack([next(found) for _ in range(T)])
        delta_x[t] = np.stack([next(found) for _ in range(T)])
        if p.cell == "lstm":
            kappa[t] = np.stack([next(found) for _ in range(T)])

    def stacked(values: list[torch.Tensor]) -> np.ndarray:
        return torch.stack(values).detach().numpy().copy()

    s = np.vstack([p.s0[None, :], stacked(trace["s"])])  # (T+1, H)
    c = np.vstack([p.c0[None, :], stacked(trace["c"])])  # (T+1, H)
    gates = {g: stacked([part[g] for part in trace["parts"]]) for g in GATES[p.cell]}
    return Reference(
        s=s,
        c=c,
        gates=gates,
        y=stacked(trace["y"]),
        E=stacked(trace["E"]),
        C=C,
        sigma=sigma,
        kappa=kappa,
        delta_s=delta_s,
        delta_x=delta_x,
        dE_dWy=dE_dWy,
        dE_dby=dE_dby,
        jacobian=state_jacobian_norms(p),
    )


def kept(p: Problem, t: int) -> range:
    """The 1-based steps k whose terms count for loss step t (truncation keeps the last K)."""
    first = 1 if p.truncate is None else max(1, t - p.truncate + 1)
    return range(first, t + 1)


def totals(p: Problem, ref: Reference) -> dict[str, np.ndarray]:
    """∂E/∂W = Σ_{t ∈ L} Σ_{kept k} C^W_{t,k}; Wy and by from their one-step terms."""
    grads = {name: np.zeros(ref.C[name].shape[2:]) for name in ref.C}
    grads["Wy"] = np.zeros(ref.dE_dWy.shape[1:])
    if p.bias:
        grads["by"] = np.zeros(ref.dE_dby.shape[1:])
    for t in p.loss_steps:
        for name in ref.C:
            grads[name] += sum(ref.C[name][t - 1, k - 1] for k in kept(p, t))
        grads["Wy"] += ref.dE_dWy[t - 1]
        if p.bias:
            grads["by"] += ref.dE_dby[t - 1]
    return grads


# ---------------------------------------------------------------- torch.nn on the same weights


@dataclass(frozen=True)
class TorchNN:
    """torch.nn.LSTM / GRU + Linear on the same weights: states, loss and ∂E/∂W (full BPTT)."""

    s: np.ndarray  # (T, H)
    c: np.ndarray  # (T, H), from runs on each prefix (LSTM; zeros for the GRU)
    y: np.ndarray  # (T, n_out)
    loss: float
    grads: dict[str, np.ndarray]  # lecture layout


def torch_nn(p: Problem) -> TorchNN:
    """Run torch.nn's own cell: weight_ih_l0 = Wxᵀ, weight_hh_l0 = Wsᵀ, bias_ih_l0 = bx, …"""
    n_in, n_out, H = p.x.shape[1], p.d.shape[1], p.H
    Module = torch.nn.LSTM if p.cell == "lstm" else torch.nn.GRU
    rnn = Module(n_in, H, num_layers=1, bias=p.bias, dtype=F64)
    linear = torch.nn.Linear(H, n_out, bias=p.bias, dtype=F64)
    W = tensors(p)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(W["Wx"].T)
        rnn.weight_hh_l0.copy_(W["Ws"].T)
        linear.weight.copy_(W["Wy"].T)
        if p.bias:
            rnn.bias_ih_l0.copy_(W["bx"])
            rnn.bias_hh_l0.copy_(W["bs"])
            linear.bias.copy_(W["by"])
    x, d = torch.tensor(p.x, dtype=F64), torch.tensor(p.d, dtype=F64)
    s0 = torch.tensor(p.s0, dtype=F64)[None, :]  # (1, H): one layer, unbatched
    c0 = torch.tensor(p.c0, dtype=F64)[None, :]  # (1, H)

    def run(x_prefix: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if p.cell == "lstm":
            out, (_, c_n) = rnn(x_prefix, (s0, c0))
            return out, c_n[0]
        out, _ = rnn(x_prefix, s0)
        return out, torch.zeros(H, dtype=F64)

    s, _ = run(x)  # (T, H)
    y, E = step_loss(p, linear(s), d)  # (T, n_out), (T,)
    loss = E[[t - 1 for t in p.loss_steps]].sum()
    loss.backward()
    grads = {
        "Wx": rnn.weight_ih_l0.grad.T,
        "Ws": rnn.weight_hh_l0.grad.T,
        "Wy": linear.weight.grad.T,
    }
    if p.bias:
        grads |= {"bx": rnn.bias_ih_l0.grad, "bs": rnn.bias_hh_l0.grad, "by": linear.bias.grad}
    with torch.no_grad():
        c = torch.stack([run(x[:t])[1] for t in range(1, p.T + 1)])  # (T, H)
    return TorchNN(
        s=s.detach().numpy().copy(),
        c=c.numpy().copy(),
        y=y.detach().numpy().copy(),
        loss=loss.item(),
        grads={name: g.detach().numpy().copy() for name, g in grads.items()},
    )


def deviation(a: np.ndarray, b: np.ndarray) -> float:
    """max |a − b| / max(1, max |b|): absolute for O(1) values, relative for large ones."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b), initial=0.0) / max(1.0, np.max(np.abs(b), initial=0.0)))


def check(p: Problem, ref: Reference) -> dict[str, float]:
    """Largest deviations of the per-step model from torch.nn and from its own identities.

    forward: s, c, y and E against nn.LSTM/nn.GRU; sum: Σ_{t∈L} Σ_{k≤t} C_{t,k} against
    autograd's total through nn; outer: C^Wx = x_kᵀ δ^x, C^Ws = s_{k-1}ᵀ δ^s, C^b = δ;
    chain: ∂E_t/∂s_k = ([σ_{t,t}, 0] ∂h_t/∂h_k)[:H] ties σ to the Jacobian's layout.
    """
    nn = torch_nn(p)
    T, H = p.T, p.H
    lost = [t - 1 for t in p.loss_steps]
    forward = max(
        deviation(ref.s[1:], nn.s),
        deviation(ref.c[1:], nn.c),
        deviation(ref.y, nn.y),
        deviation(ref.E[lost].sum(), nn.loss),
    )
    full = totals(Problem(**{**p.__dict__, "truncate": None}), ref)
    summed = max(deviation(full[name], nn.grads[name]) for name in nn.grads)
    outer = 0.0
    for t in range(T):
        for k in range(t + 1):
            outer = max(
                outer,
                deviation(ref.C["Wx"][t, k], np.outer(p.x[k], ref.delta_x[t, k])),
                deviation(ref.C["Ws"][t, k], np.outer(ref.s[k], ref.delta_s[t, k])),
            )
            if p.bias:
                outer = max(
                    outer,
                    deviation(ref.C["bx"][t, k], ref.delta_x[t, k]),
                    deviation(ref.C["bs"][t, k], ref.delta_s[t, k]),
                )
    chain = chain_rule_deviation(p, ref)
    return {"forward": forward, "sum": summed, "outer": outer, "chain": chain, "H": H}


def chain_rule_deviation(p: Problem, ref: Reference) -> float:
    """σ_{t,k} from the full Jacobian ∂h_t/∂h_k (h = [s, c]) against autograd's σ_{t,k}."""
    W, T, H = tensors(p), p.T, p.H
    x = torch.tensor(p.x, dtype=F64)
    worst = 0.0
    for k in range(1, T + 1):
        h_k = torch.tensor(
            np.concatenate([ref.s[k], ref.c[k]]) if p.cell == "lstm" else ref.s[k], dtype=F64
        )

        J = jacobians(p, W, x, k, h_k).numpy()  # (T-k+1, D, D)
        for t in range(k, T + 1):
            # σ_{t,t} is the only direct use of h_t by E_t (c_t reaches E_t through s_t only).
            upstream = np.zeros(J.shape[1])  # (D,)
            upstream[:H] = ref.sigma[t - 1, t - 1]
            through = upstream @ J[t - k]  # ∂E_t/∂h_k with s_k and c_k independent, (D,)
            worst = max(worst, deviation(through[:H], ref.sigma[t - 1, k - 1]))
            if p.cell == "lstm":  # κ adds the path c_k → s_k = o_k ⊙ tanh(c_k)
                o_k = ref.gates["o"][k - 1]
                via_s = ref.sigma[t - 1, k - 1] * o_k * (1 - np.tanh(ref.c[k]) ** 2)
                worst = max(worst, deviation(through[H:] + via_s, ref.kappa[t - 1, k - 1]))
    return worst


# ---------------------------------------------------------------- the /api/bptt answer


def as_json(value: np.ndarray | float) -> Any:
    """NumPy → nested lists of Python floats (row-major)."""
    return np.asarray(value, dtype=np.float64).tolist()


def answer(p: Problem, ref: Reference) -> dict[str, Any]:
    """The response fields of /api/bptt (detail "full") that the reference determines."""
    T, lstm = p.T, p.cell == "lstm"
    in_loss = set(p.loss_steps)
    steps = []
    for t in range(1, T + 1):
        step: dict[str, Any] = {"t": t, "z": None, "s": as_json(ref.s[t])}
        if lstm:
            step["c"] = as_json(ref.c[t])
        step["gates"] = {g: as_json(ref.gates[g][t - 1]) for g in GATES[p.cell]}
        step["y"] = as_json(ref.y[t - 1])
        step["E"] = float(ref.E[t - 1]) if t in in_loss else None
        steps.append(step)

    names = ["Ws", "Wx", "state"] + (["cell"] if lstm else [])
    flow: dict[str, list[list[float | None]]] = {
        name: [[None] * T for _ in range(T)] for name in names
    }
    flow["jacobian"] = [
        [float(ref.jacobian[t - 1, k - 1]) if k <= t else None for k in range(1, T + 1)]
        for t in range(1, T + 1)
    ]
    terms = []
    for t in p.loss_steps:
        entries = []
        for k in kept(p, t):
            C_Ws, C_Wx = ref.C["Ws"][t - 1, k - 1], ref.C["Wx"][t - 1, k - 1]
            sigma, kappa = ref.sigma[t - 1, k - 1], ref.kappa[t - 1, k - 1]
            flow["Ws"][t - 1][k - 1] = float(np.linalg.norm(C_Ws))
            flow["Wx"][t - 1][k - 1] = float(np.linalg.norm(C_Wx))
            flow["state"][t - 1][k - 1] = float(np.linalg.norm(sigma))
            entry: dict[str, Any] = {"k": k, "Ws": as_json(C_Ws), "Wx": as_json(C_Wx)}
            entry["dE_ds"] = as_json(sigma)
            if lstm:
                flow["cell"][t - 1][k - 1] = float(np.linalg.norm(kappa))
                entry["dE_dc"] = as_json(kappa)
            entry["dE_da"] = as_json(ref.delta_s[t - 1, k - 1])
            if not lstm:
                entry["dE_dax"] = as_json(ref.delta_x[t - 1, k - 1])
            entries.append(entry)
        terms.append(
            {
                "t": t,
                "dE_dWs": as_json(sum(ref.C["Ws"][t - 1, k - 1] for k in kept(p, t))),
                "dE_dWx": as_json(sum(ref.C["Wx"][t - 1, k - 1] for k in kept(p, t))),
                "dE_dWy": as_json(ref.dE_dWy[t - 1]),
                "k": entries,
            }
        )
    order = ["Wx", "Ws", "Wy", "bx", "bs", "by"]
    grads = totals(p, ref)
    return {
        "steps": steps,
        "loss": float(sum(ref.E[t - 1] for t in p.loss_steps)),
        "grads": {name: as_json(grads[name]) for name in order if name in grads},
        "flow": flow,
        "terms": terms,
    }


def expected_for(request: dict[str, Any]) -> dict[str, Any]:
    """The expected /api/bptt answer for a request with explicit weights."""
    p = problem_from_request(request)
    return answer(p, reference(p))


def differences(expected: Any, actual: Any, rtol: float, atol: float, path: str = "") -> list[str]:
    """Every place where two answers differ (keys, nulls, lengths exactly; numbers to rtol/atol)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or expected.keys() != actual.keys():
            keys = sorted(actual) if isinstance(actual, dict) else actual
            return [f"{path}: expected keys {sorted(expected)}, got {keys!r}"]
        return [
            problem
            for key in expected
            for problem in differences(expected[key], actual[key], rtol, atol, f"{path}.{key}")
        ]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected a list of {len(expected)}, got {actual!r}"]
        return [
            problem
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for problem in differences(e, a, rtol, atol, f"{path}[{i}]")
        ]
    if expected is None or isinstance(expected, (bool, str)) or isinstance(actual, (bool, str)):
        same = type(actual) is type(expected) and actual == expected
        return [] if same else [f"{path}: expected {expected!r}, got {actual!r}"]
    if actual is None or abs(actual - expected) > atol + rtol * abs(expected):
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []
