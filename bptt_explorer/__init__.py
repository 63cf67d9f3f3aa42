"""BPTT Explorer from a notebook: the RNN, LSTM and GRU engine, exact BPTT terms and training.

    import bptt_explorer as bx
    config = bx.RNNConfig(n_in=1, n_hidden=3, n_out=1)        # cell="lstm" or "gru" for gates
    params = bx.init_params(config, seed=0)
    sample = bx.tasks.get_task("sine").sample(20)
    result = bx.bptt(config, params, sample.inputs, sample.targets)
    result.grads.Ws, result.flow.state, result.terms

A PyTorch model comes in with ``bx.from_torch(rnn, head)`` (and goes back with ``to_torch``);
``bx.show(config, params, x, d)`` draws BPTT term by term in Jupyter (needs anywidget).
The same engine serves the web app (``bptt-explorer`` starts it); every name here is also
importable from ``app.rnn``.
"""

from app import __version__
from app.rnn import (
    CELL_GATES,
    BPTTResult,
    FixedData,
    Forward,
    GradCheck,
    Optimizer,
    OptimizerState,
    Problem,
    RNNConfig,
    RNNParams,
    TaskData,
    TrainResult,
    Weights,
    backprop,
    bptt,
    check,
    forward,
    get_task,
    gradcheck,
    gradients,
    init_params,
    loss_and_grads,
    tasks,
    train,
)
from app.rnn.tasks import TASKS

from .torch_io import from_torch, to_torch
from .widget import show

__all__ = [
    "CELL_GATES",
    "TASKS",
    "BPTTResult",
    "FixedData",
    "Forward",
    "GradCheck",
    "Optimizer",
    "OptimizerState",
    "Problem",
    "RNNConfig",
    "RNNParams",
    "TaskData",
    "TrainResult",
    "Weights",
    "__version__",
    "backprop",
    "bptt",
    "check",
    "from_torch",
    "forward",
    "get_task",
    "gradcheck",
    "gradients",
    "init_params",
    "loss_and_grads",
    "show",
    "tasks",
    "to_torch",
    "train",
]
