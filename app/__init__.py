"""BPTT Explorer: backpropagation through time for a simple RNN, exact and explorable.

The math lives in :mod:`app.rnn` (pure NumPy, importable from a notebook); the web service
(:mod:`app.main`) serves it as a REST API and an interactive page.
"""

__version__ = "0.1.0"
