"""The gradient check itself: it must catch a wrong gradient."""

import numpy as np

from app.rnn.gradcheck import max_relative_error


def test_relative_error_formula():
    a = np.array([1.0, 0.0, 2.0])
    n = np.array([1.0, 0.0, 2.2])
    assert max_relative_error(a, n) == abs(2.0 - 2.2) / 4.2
    assert max_relative_error(np.zeros(2), np.full(2, 1e-12)) == 1e-12 / 1e-8
