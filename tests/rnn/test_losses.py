"""Each output/loss derivative against central differences on o."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.rnn.losses import dE_do, output_layer, per_step_loss


@pytest.mark.parametrize(
    "output,loss",
    [("linear", "squared_error"), ("softmax", "squared_error"), ("softmax", "cross_entropy")],
)
def test_dE_do_matches_central_differences(rng, output, loss):
    o = rng.normal(size=(3, 4))
    d = rng.dirichlet(np.ones(4), size=3)

    def E(o_):
        return per_step_loss(output, loss, o_, output_layer(output, o_), d)

    h = 1e-6
    numeric = np.zeros_like(o)
    for idx in np.ndindex(o.shape):
        plus, minus = o.copy(), o.copy()
        plus[idx] += h
        minus[idx] -= h
        numeric[idx] = (E(plus)[idx[0]] - E(minus)[idx[0]]) / (2 * h)
    assert_allclose(dE_do(output, loss, output_layer(output, o), d), numeric, rtol=1e-6, atol=1e-9)


def test_cross_entropy_gradient_is_y_minus_d_for_one_hot(rng):
    o = rng.normal(size=(2, 3))
    d = np.eye(3)[[2, 0]]
    y = output_layer("softmax", o)
    assert_allclose(dE_do("softmax", "cross_entropy", y, d), y - d, rtol=1e-14)
