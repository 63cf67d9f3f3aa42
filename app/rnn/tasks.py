"""Built-in tasks: each draws (inputs x (T,n_in), targets d (T,n_out), loss steps) for T and a seed.

Every sample comes from an explicit ``np.random.default_rng(seed)``: the same (T, seed, params)
gives the same numbers on every machine. ``seed`` may also be a tuple of ints, which is how
training derives a fresh, reproducible sample for every step: ``seed=(run_seed, step)``.

Tasks (all with the lecture's default model: no biases, tanh state):

- ``sine``: the lecture's Simple_RNN notebook. x_t = sin(θ_t), d_t = sin(θ_{t+1}) with θ on an
  even grid of ``steps_per_cycle`` steps per period (40: T = 20 covers [0, π] as in the
  notebook); the seed draws the phase (and, with ``freq_jitter`` > 0, the frequency).
  ``windows="consecutive"`` makes a training run's windows follow each other on one wave, as
  the notebook's do: sample n covers the steps start + (n−1)·T .. start + n·T.
- ``echo``: x_t uniform in [-1, 1], d_t = x_{t-delay} (0 before); loss on the steps t > delay.
- ``adding``: x_t = (value_t uniform in [0, 1], marker_t ∈ {0, 1}); one marker in the first
  half, one in the second; the loss is on the last step only, d_T = the sum of the two marked
  values (the targets of the other steps are 0 and outside the loss).
- ``binary_addition``: x_t = (bit t of a, bit t of b), d_t = bit t of a + b, least significant
  bit first, a and b uniform with ``bits`` bits (bits ≤ T - 1 so the final carry fits; steps
  past the sum's bits read 0 + 0 = 0). Targets are 0/1 for a linear output with squared error,
  the lecture's E_t = (d_t - y_t)²: a prediction above 0.5 reads as bit 1.
- ``chars``: next-character prediction on ``text``, read as a cycle (after its last character
  comes its first again, so any T works) from a start chosen by the seed; one-hot inputs and
  targets over the vocabulary = the sorted set of the text's characters, softmax output with
  cross-entropy. ``labels`` lists the vocabulary: labels[j] is the character of column j.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

ParamValue = int | float | str | bool
ParamKind = Literal["int", "float", "str", "bool"]
Seed = int | Sequence[int]

DEFAULT_TEXT = "the state carries the past "
MAX_VOCAB = 64  # one-hot sizes are limited like n_in and n_out


class TaskParamError(ValueError):
    """A task parameter (or T, or the seed) out of its range; ``param`` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


class UnknownTaskError(KeyError):
    """No built-in task has this name."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown task {self.name!r}; the tasks are: {', '.join(TASKS)}"


MAX_EXACT_INT = 2**53  # larger integers are beyond every range and not exact as floats


@dataclass(frozen=True)
class TaskParam:
    """One parameter of a task: its default and its range (for "str": the length range)."""

    name: str
    kind: ParamKind
    default: ParamValue
    description: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()  # "str" parameters: the allowed values (empty: any)

    def check(self, value: object) -> ParamValue:
        """The value if it has the right type and lies in [low, high]; TaskParamError otherwise."""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise TaskParamError(self.name, f"{self.name} must be true or false, got {value!r}")
            return value
        if self.kind == "str":
            if not isinstance(value, str):
                raise TaskParamError(self.name, f"{self.name} must be a string, got {value!r}")
            if self.choices and value not in self.choices:
                allowed = " or ".join(repr(c) for c in self.choices)
                raise TaskParamError(self.name, f"{self.name} must be {allowed}, got {value!r}")
            self._check_range(len(value), f"the length of {self.name}")
            return value
        kind = "an integer" if self.kind == "int" else "a number"
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise TaskParamError(self.name, f"{self.name} must be {kind}, got {value!r}")
        if self.kind == "int" and not isinstance(value, int | np.integer):
            raise TaskParamError(self.name, f"{self.name} must be {kind}, got {value!r}")
        if isinstance(value, int | np.integer) and abs(int(value)) > MAX_EXACT_INT:
            # compared as floats, 10**400 would overflow: refuse it before any conversion
            shown = f"about 10^{int(int(value).bit_length() * math.log10(2))}"
            self._check_range(math.inf if value > 0 else -math.inf, self.name, shown)
            raise TaskParamError(self.name, f"{self.name} must be below 2^53, got {shown}")
        number = int(value) if self.kind == "int" else float(value)
        if not math.isfinite(number):
            raise TaskParamError(self.name, f"{self.name} must be finite, got {value!r}")
        self._check_range(number, self.name)
        return number

    def _check_range(self, number: float, what: str, shown: str | None = None) -> None:
        """Raise unless low <= number <= high (`shown`: how to write a number too big to print)."""
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            got = shown or f"{number:g}"
            raise TaskParamError(
                self.name, f"{what} must be between {self.low:g} and {self.high:g}, got {got}"
            )


@dataclass(frozen=True)
class TaskSample:
    """One drawn sequence: inputs x (T,n_in), targets d (T,n_out), the loss steps, labels."""

    inputs: np.ndarray  # (T, n_in)
    targets: np.ndarray  # (T, n_out)
    loss_steps: Literal["all", "last"] | list[int]  # 1-based steps when a list
    labels: list[str] | None = None  # chars: the character of each one-hot column


Generator = Callable[[int, np.random.Generator, Mapping[str, ParamValue]], TaskSample]
Sizes = Callable[[Mapping[str, ParamValue]], tuple[int, int]]


@dataclass(frozen=True)
class Task:
    """A built-in task: what the model must look like, its parameters, and its sampler."""

    name: str
    title: str
    description: str
    n_in: int  # with the default parameters (chars: the default text's vocabulary)
    n_out: int
    output: Literal["linear", "softmax"]
    loss: Literal["squared_error", "cross_entropy"]
    loss_steps: str  # "all", "last" or a description ("t > delay")
    default_T: int
    params: tuple[TaskParam, ...]
    generate: Generator = field(repr=False, compare=False)
    sizes: Sizes | None = field(default=None, repr=False, compare=False)

    def resolve(self, params: Mapping[str, object]) -> dict[str, ParamValue]:
        """The defaults overridden by ``params``, each checked; unknown names are refused."""
        known = {p.name: p for p in self.params}
        for name in params:
            if name not in known:
                expected = ", ".join(known) or "none"
                raise TaskParamError(
                    name, f"{self.name} has no parameter {name!r} (its parameters: {expected})"
                )
        return {p.name: p.check(params.get(p.name, p.default)) for p in self.params}

    def dims(self, **params: object) -> tuple[int, int]:
        """(n_in, n_out) the model needs for these parameters."""
        if self.sizes is None:
            return self.n_in, self.n_out
        return self.sizes(self.resolve(params))

    def sample(self, T: int, seed: Seed = 0, **params: object) -> TaskSample:
        """Draw one sequence of length T from np.random.default_rng(seed)."""
        rng = np.random.default_rng(_check_seed(seed))
        return self.generate(_check_T(T), rng, self.resolve(params))

    def sampler(self, T: int, seed: int = 0, **params: object) -> Callable[[int], TaskSample]:
        """n ↦ self.sample(T, seed=(seed, n), **params), with the checks done once.

        With windows "consecutive" (sine), sample n is instead the window that starts where
        sample n−1 ended, start + (n−1)·T, on the one wave drawn from the run's seed."""
        T, resolved = _check_T(T), self.resolve(params)
        _check_seed(seed)
        if resolved.get("windows") == "consecutive":
            start = int(resolved["start"])
            return lambda n: self.generate(
                T, np.random.default_rng(seed), {**resolved, "start": start + (n - 1) * T}
            )
        return lambda n: self.generate(T, np.random.default_rng([seed, n]), resolved)


def _check_T(T: int) -> int:
    """T as an int, at least 1."""
    if isinstance(T, bool) or not isinstance(T, int | np.integer) or T < 1:
        raise TaskParamError("T", f"T must be an integer of at least 1, got {T!r}")
    return int(T)


def _check_seed(seed: Seed) -> int | list[int]:
    """A non-negative int, or a sequence of them (e.g. (run seed, step))."""
    parts = [seed] if isinstance(seed, int | np.integer) else list(seed)
    for part in parts:
        if isinstance(part, bool) or not isinstance(part, int | np.integer) or part < 0:
            raise TaskParamError("seed", f"seed must be a non-negative integer, got {seed!r}")
    return int(parts[0]) if isinstance(seed, int | np.integer) else [int(p) for p in parts]


def _sine(T: int, rng: np.random.Generator, p: Mapping[str, ParamValue]) -> TaskSample:
    """x_t = sin(θ_t), d_t = sin(θ_{t+1}), θ_t = phase + 2π f (start + t-1) / steps_per_cycle."""
    phase = rng.uniform(0.0, 2.0 * np.pi) if p["random_phase"] else 0.0
    jitter = float(p["freq_jitter"])
    freq = rng.uniform(1.0 - jitter, 1.0 + jitter) if jitter > 0 else 1.0
    grid = int(p["start"]) + np.arange(T + 1)  # (T+1,) steps of the wave
    theta = phase + 2.0 * np.pi * freq * grid / float(p["steps_per_cycle"])  # (T+1,)
    wave = np.sin(theta)  # (T+1,)
    return TaskSample(wave[:-1, None], wave[1:, None], "all")


def _echo(T: int, rng: np.random.Generator, p: Mapping[str, ParamValue]) -> TaskSample:
    """d_t = x_{t-delay} (0 for t <= delay), loss on t > delay."""
    delay = int(p["delay"])
    if delay >= T:
        raise TaskParamError(
            "delay", f"delay must be below T = {T} (loss on t > delay), got {delay}"
        )
    x = rng.uniform(-1.0, 1.0, size=(T, 1))  # (T, 1)
    d = np.zeros((T, 1))  # (T, 1)
    d[delay:] = x[: T - delay]
    return TaskSample(x, d, list(range(delay + 1, T + 1)))


def _adding(T: int, rng: np.random.Generator, p: Mapping[str, ParamValue]) -> TaskSample:
    """x_t = (value_t, marker_t); d_T = Σ value_t marker_t, loss at t = T only."""
    if T < 2:
        raise TaskParamError("T", f"T must be at least 2 for the adding problem, got {T}")
    values = rng.uniform(0.0, 1.0, size=T)  # (T,)
    half = T // 2
    marked = [int(rng.integers(0, half)), int(rng.integers(half, T))]
    x = np.zeros((T, 2))  # (T, 2): value, marker
    x[:, 0] = values
    x[marked, 1] = 1.0
    d = np.zeros((T, 1))  # (T, 1), only d_T is in the loss
    d[-1, 0] = values[marked].sum()
    return TaskSample(x, d, "last")


def _binary_addition(T: int, rng: np.random.Generator, p: Mapping[str, ParamValue]) -> TaskSample:
    """x_t = (a_t, b_t), d_t = (a + b)_t: bit t-1 of each, least significant first."""
    bits = int(p["bits"])
    if bits > T - 1:
        raise TaskParamError(
            "bits",
            f"bits must be at most T - 1 = {T - 1} (the sum needs bits + 1 steps), got {bits}",
        )
    a, b = (int(v) for v in rng.integers(0, 2**bits, size=2))
    x = np.array([[(a >> t) & 1, (b >> t) & 1] for t in range(T)], dtype=float)  # (T, 2)
    d = np.array([[((a + b) >> t) & 1] for t in range(T)], dtype=float)  # (T, 1)
    return TaskSample(x, d, "all")


def _vocabulary(text: str) -> list[str]:
    """The sorted set of the text's characters, checked to give 2..MAX_VOCAB one-hot columns."""
    vocab = sorted(set(text))
    if not 2 <= len(vocab) <= MAX_VOCAB:
        raise TaskParamError(
            "text",
            f"text must have between 2 and {MAX_VOCAB} distinct characters, has {len(vocab)}",
        )
    return vocab


def _chars(T: int, rng: np.random.Generator, p: Mapping[str, ParamValue]) -> TaskSample:
    """x_t = onehot(c_t), d_t = onehot(c_{t+1}), reading the text as a cycle from a random start."""
    text = str(p["text"])
    vocab = _vocabulary(text)
    codes = np.array([vocab.index(c) for c in text])  # (len(text),)
    start = int(rng.integers(0, len(text)))
    seq = codes[(start + np.arange(T + 1)) % len(text)]  # (T+1,)
    onehot = np.eye(len(vocab))[seq]  # (T+1, V)
    return TaskSample(onehot[:-1], onehot[1:], "all", labels=vocab)


def _chars_sizes(p: Mapping[str, ParamValue]) -> tuple[int, int]:
    """(V, V) for the text's vocabulary of V characters."""
    size = len(_vocabulary(str(p["text"])))
    return size, size


_DEFAULT_VOCAB = len(set(DEFAULT_TEXT))

TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            "sine",
            "Sine wave: next value",
            "Predict the next value of a sine wave, as in the lecture's sample notebook "
            "(20 steps over [0, π]); the seed draws the phase.",
            1,
            1,
            "linear",
            "squared_error",
            "all",
            20,
            (
                TaskParam(
                    "steps_per_cycle",
                    "float",
                    40.0,
                    "time steps per period (40: 20 steps cover [0, π] as in the notebook)",
                    4.0,
                    1000.0,
                ),
                TaskParam(
                    "random_phase",
                    "bool",
                    True,
                    "draw the phase from the seed (false: start at 0, the notebook's first window)",
                ),
                TaskParam(
                    "windows",
                    "str",
                    "independent",
                    'how a training run\'s samples follow each other: "independent" (each its own '
                    'phase from (seed, step)) or "consecutive" (sample n starts where sample n−1 '
                    "ended, on one wave: the notebook's windows [nπ, (n+1)π])",
                    low=1,
                    high=11,
                    choices=("independent", "consecutive"),
                ),
                TaskParam(
                    "start",
                    "int",
                    0,
                    "the wave's step the (first) window starts at: θ_1 = phase + 2π·start / "
                    "steps_per_cycle",
                    0,
                    1e9,
                ),
                TaskParam(
                    "freq_jitter",
                    "float",
                    0.0,
                    "the frequency is scaled by a factor "
                    "drawn uniformly from [1 - jitter, 1 + jitter]",
                    0.0,
                    0.9,
                ),
            ),
            _sine,
        ),
        Task(
            "echo",
            "Echo: remember the input from `delay` steps ago",
            "Reproduce the input from `delay` steps ago (uniform in [-1, 1]); the loss is on "
            "the steps t > delay. A longer delay needs a longer memory.",
            1,
            1,
            "linear",
            "squared_error",
            "t > delay",
            10,
            (TaskParam("delay", "int", 2, "how many steps back to echo", 1, 999),),
            _echo,
        ),
        Task(
            "adding",
            "Adding problem (many-to-one)",
            "Inputs are (value, marker) pairs; at the last step output the sum of the two "
            "marked values (one marker in each half of the sequence).",
            2,
            1,
            "linear",
            "squared_error",
            "last",
            10,
            (),
            _adding,
        ),
        Task(
            "binary_addition",
            "Binary addition, least significant bit first",
            "Add two random binary numbers bit by bit: inputs are the two bits of step t, "
            "the target is bit t of the sum (0 or 1, linear output, squared error).",
            2,
            1,
            "linear",
            "squared_error",
            "all",
            9,
            (TaskParam("bits", "int", 8, "bits of each addend (at most T - 1)", 1, 62),),
            _binary_addition,
        ),
        Task(
            "chars",
            "Characters: next character of a text",
            "Predict the next character of a short text read in a cycle: one-hot inputs, "
            "softmax output, cross-entropy; the seed picks the starting character.",
            _DEFAULT_VOCAB,
            _DEFAULT_VOCAB,
            "softmax",
            "cross_entropy",
            "all",
            24,
            (
                TaskParam(
                    "text", "str", DEFAULT_TEXT, "the text (2 to 64 distinct characters)", 2, 2000
                ),
            ),
            _chars,
            _chars_sizes,
        ),
    )
}


def get_task(name: str) -> Task:
    """The built-in task called ``name``; UnknownTaskError lists the known ones."""
    try:
        return TASKS[name]
    except KeyError:
        raise UnknownTaskError(name) from None
