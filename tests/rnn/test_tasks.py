"""Built-in tasks: shapes, labels, loss steps, determinism per seed, and parameter checks."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from app.rnn import loss_step_mask
from app.rnn.tasks import DEFAULT_TEXT, TASKS, TaskParamError, UnknownTaskError, get_task

NAMES = sorted(TASKS)


def test_the_five_tasks_exist():
    assert set(TASKS) == {"sine", "echo", "adding", "binary_addition", "chars"}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("T", [None, 13])
def test_shapes_fit_the_task(name, T):
    task = get_task(name)
    T = task.default_T if T is None else T
    sample = task.sample(T, seed=5)
    n_in, n_out = task.dims()
    assert sample.inputs.shape == (T, n_in) == (T, task.n_in)
    assert sample.targets.shape == (T, n_out) == (T, task.n_out)
    assert sample.inputs.dtype == sample.targets.dtype == np.float64
    assert np.isfinite(sample.inputs).all() and np.isfinite(sample.targets).all()
    assert loss_step_mask(T, sample.loss_steps).any()  # valid for the engine, at least one step


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_sample_other_seed_other_sample(name):
    task = get_task(name)
    a, b = task.sample(task.default_T, seed=3), task.sample(task.default_T, seed=3)
    assert_array_equal(a.inputs, b.inputs)
    assert_array_equal(a.targets, b.targets)
    assert a.loss_steps == b.loss_steps and a.labels == b.labels
    others = [task.sample(task.default_T, seed=s) for s in (4, 5, 6)]
    assert any(not np.array_equal(a.inputs, o.inputs) for o in others)


@pytest.mark.parametrize("name", NAMES)
def test_a_tuple_seed_is_deterministic_and_distinct(name):
    task = get_task(name)
    a = task.sample(task.default_T, seed=(7, 1))
    assert_array_equal(a.inputs, task.sample(task.default_T, seed=(7, 1)).inputs)
    steps = [task.sample(task.default_T, seed=(7, n)).inputs for n in range(2, 6)]
    assert any(not np.array_equal(a.inputs, s) for s in steps)


def test_sine_without_random_phase_is_the_notebook_window():
    """Simple_RNN.ipynb: 20 steps over [0, π], x = sin(θ)[:-1], d = sin(θ)[1:]."""
    sample = get_task("sine").sample(20, seed=123, random_phase=False)
    wave = np.sin(np.linspace(0, np.pi, 21))
    assert_allclose(sample.inputs[:, 0], wave[:-1], atol=1e-15)
    assert_allclose(sample.targets[:, 0], wave[1:], atol=1e-15)
    assert sample.loss_steps == "all" and sample.labels is None


def test_sine_targets_are_the_next_inputs():
    sample = get_task("sine").sample(30, seed=2, freq_jitter=0.5)
    assert_array_equal(sample.targets[:-1], sample.inputs[1:])


def test_echo_targets_are_the_delayed_inputs():
    sample = get_task("echo").sample(10, seed=0, delay=3)
    assert_array_equal(sample.targets[3:], sample.inputs[:-3])
    assert not sample.targets[:3].any()
    assert sample.loss_steps == [4, 5, 6, 7, 8, 9, 10]
    assert (np.abs(sample.inputs) <= 1).all()


@pytest.mark.parametrize("T", [2, 3, 10, 51])
def test_adding_marks_one_value_in_each_half_and_targets_their_sum(T):
    for seed in range(5):
        sample = get_task("adding").sample(T, seed=seed)
        markers = np.flatnonzero(sample.inputs[:, 1])
        assert len(markers) == 2 and markers[0] < T // 2 <= markers[1]
        assert_allclose(sample.targets[-1, 0], sample.inputs[markers, 0].sum())
        assert not sample.targets[:-1].any()
        assert sample.loss_steps == "last"


def _number(bits: np.ndarray) -> int:
    """The integer of 0/1 bits, least significant first."""
    return sum(int(b) << i for i, b in enumerate(bits))


@pytest.mark.parametrize("bits, T", [(8, 9), (3, 10), (1, 2), (62, 63)])
def test_binary_addition_targets_are_the_sum_lsb_first(bits, T):
    for seed in range(5):
        sample = get_task("binary_addition").sample(T, seed=seed, bits=bits)
        a, b = _number(sample.inputs[:, 0]), _number(sample.inputs[:, 1])
        assert a < 2**bits and b < 2**bits
        assert _number(sample.targets[:, 0]) == a + b
        assert set(np.unique(sample.targets)) <= {0.0, 1.0}


def test_chars_is_one_hot_next_character_with_the_vocabulary_as_labels():
    text = "abcab"
    sample = get_task("chars").sample(12, seed=1, text=text)  # longer than the text: wraps
    assert sample.labels == ["a", "b", "c"]
    assert_array_equal(sample.inputs.sum(axis=1), 1.0)
    assert_array_equal(sample.targets[:-1], sample.inputs[1:])
    read = "".join(sample.labels[i] for i in sample.inputs.argmax(axis=1))
    assert read in (text * 4)  # a window of the text read as a cycle


def test_chars_default_text_sizes_the_model():
    task = get_task("chars")
    vocab = sorted(set(DEFAULT_TEXT))
    assert task.dims() == (len(vocab), len(vocab)) == (task.n_in, task.n_out)
    assert task.dims(text="xyz") == (3, 3)
    assert task.sample(5, seed=0).labels == vocab
    assert (task.output, task.loss) == ("softmax", "cross_entropy")


@pytest.mark.parametrize(
    "name, T, params, param, match",
    [
        ("echo", 10, {"delay": 0}, "delay", "between 1 and 999"),
        ("echo", 3, {"delay": 3}, "delay", "below T = 3"),
        ("echo", 10, {"delay": 2.5}, "delay", "integer"),
        ("binary_addition", 5, {"bits": 8}, "bits", "at most T - 1 = 4"),
        ("chars", 5, {"text": "aaaa"}, "text", "distinct characters"),
        ("chars", 5, {"text": "a"}, "text", "length of text"),
        ("chars", 5, {"text": 3}, "text", "string"),
        ("sine", 5, {"steps_per_cycle": 1.0}, "steps_per_cycle", "between 4 and 1000"),
        ("sine", 5, {"random_phase": 1}, "random_phase", "true or false"),
        ("sine", 5, {"freq_jitter": float("nan")}, "freq_jitter", "finite"),
        ("sine", 5, {"delay": 2}, "delay", "sine has no parameter 'delay'"),
        ("adding", 1, {}, "T", "at least 2"),
        ("sine", 0, {}, "T", "at least 1"),
    ],
)
def test_bad_parameters_are_named(name, T, params, param, match):
    with pytest.raises(TaskParamError, match=match) as info:
        get_task(name).sample(T, seed=0, **params)
    assert info.value.param == param


def test_negative_seed_is_refused():
    with pytest.raises(TaskParamError, match="seed") as info:
        get_task("sine").sample(5, seed=-1)
    assert info.value.param == "seed"


def test_unknown_task_lists_the_known_ones():
    with pytest.raises(UnknownTaskError) as info:
        get_task("tetris")
    assert "tetris" in str(info.value) and "binary_addition" in str(info.value)


@pytest.mark.parametrize("name", NAMES)
def test_defaults_lie_in_their_ranges(name):
    task = get_task(name)
    assert task.resolve({}) == {p.name: p.default for p in task.params}
    assert task.default_T >= 1 and task.title and task.description


@pytest.mark.parametrize("name", NAMES)
def test_sampler_draws_the_sample_of_seed_and_step(name):
    task = get_task(name)
    draw = task.sampler(task.default_T, 9)
    for n in (1, 2, 50):
        expected = task.sample(task.default_T, seed=(9, n))
        assert_array_equal(draw(n).inputs, expected.inputs)
        assert_array_equal(draw(n).targets, expected.targets)


def test_consecutive_sine_windows_are_the_notebooks() -> None:
    """Sample n covers [(n−1)π, nπ]: np.linspace(step·π, (step+1)·π, 21) with step = n − 1."""
    sample_at = get_task("sine").sampler(20, seed=3, random_phase=False, windows="consecutive")
    for n in (1, 2, 7, 75):
        wave = np.sin(np.linspace((n - 1) * np.pi, n * np.pi, 21))  # (T+1,)
        sample = sample_at(n)
        np.testing.assert_allclose(sample.inputs[:, 0], wave[:-1], rtol=0, atol=1e-13)
        np.testing.assert_allclose(sample.targets[:, 0], wave[1:], rtol=0, atol=1e-13)


def test_consecutive_windows_follow_each_other_on_one_random_wave() -> None:
    sample_at = get_task("sine").sampler(8, seed=4, windows="consecutive", start=5)
    one = get_task("sine").sample(24, seed=4, start=5)  # the same phase: the run's seed alone
    joined = np.concatenate([sample_at(n).inputs for n in (1, 2, 3)])  # (24, 1)
    np.testing.assert_allclose(joined, one.inputs, rtol=0, atol=1e-13)
    assert sample_at(2).targets[-1, 0] == pytest.approx(sample_at(3).inputs[0, 0], abs=1e-13)


def test_windows_must_be_independent_or_consecutive() -> None:
    with pytest.raises(TaskParamError, match="windows must be 'independent' or 'consecutive'"):
        get_task("sine").sample(5, windows="sliding")
