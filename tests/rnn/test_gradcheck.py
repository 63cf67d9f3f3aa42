"""The gradient check itself: it must catch a wrong gradient."""

import numpy as np

from app.rnn.gradcheck import max_relative_error


def test_relative_error_formula():
    a = np.array([1.0, 0.0, 2.0])
    n = np.array([1.0, 0.0, 2.2])
    assert max_relative_error(a, n) == abs(2.0 - 2.2) / 4.2
    assert max_relative_error(np.zeros(2), np.full(2, 1e-12)) == 1e-12 / 1e-8


def test_the_entry_hook_sees_every_weight_entry_and_changes_nothing():
    from app.rnn import RNNConfig, gradcheck, init_params

    config = RNNConfig(n_in=2, n_hidden=3, n_out=1, bias=True)
    params = init_params(config, seed=2)
    x = np.linspace(-1.0, 1.0, 8).reshape(4, 2)  # (T, n_in)
    d = np.linspace(0.5, -0.5, 4).reshape(4, 1)  # (T, n_out)
    seen: list[int] = []
    hooked = gradcheck(config, params, x, d, on_step=seen.append)
    n_weights = sum(w.size for w in params.as_dict().values())
    assert seen == list(range(n_weights))
    assert hooked.max_rel_error == gradcheck(config, params, x, d).max_rel_error
