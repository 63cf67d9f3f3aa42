"""The lecture's simple RNN, the LSTM and the GRU, and backpropagation through time, in NumPy.

Importable without the server:

    from app.rnn import RNNConfig, init_params, bptt
    config = RNNConfig(n_in=1, n_hidden=2, n_out=1)          # cell="lstm" or "gru" for gates
    params = init_params(config, seed=0)
    result = bptt(config, params, x, d, loss_steps="last")   # x (T, 1), d (T, 1)
    result.grads.Ws, result.flow.jacobian, result.delta
"""

from .activations import ACTIVATIONS, GAMMA
from .bptt import (
    BPTTResult,
    Flow,
    Grads,
    Terms,
    backprop,
    bptt,
    gradients,
    loss_and_grads,
    total_deltas,
)
from .cells import Cell, get_cell
from .diagnostics import Diagnostics, JacobianBudget, forward_is_finite, jacobian_work
from .gradcheck import GradCheck, central_differences, check, gradcheck, numeric_grads
from .jacobian import jacobian_norms, spectral_norms, step_jacobian_norms
from .losses import LOSSES, OUTPUTS
from .model import (
    CELL_GATES,
    Forward,
    RNNConfig,
    RNNParams,
    forward,
    init_params,
    spectral_radius,
    step_losses,
)
from .optimizers import Optimizer, OptimizerState, clip_by_global_norm, global_norm, init_state
from .problem import Problem, loss_step_mask
from .tasks import TASKS, Task, TaskParam, TaskParamError, TaskSample, UnknownTaskError, get_task
from .train import FixedData, HistoryEntry, TaskData, TrainResult, task_mismatch, train
from .weights import Weights

__all__ = [
    "CELL_GATES",
    "central_differences",
    "check",
    "forward_is_finite",
    "Cell",
    "JacobianBudget",
    "Problem",
    "Terms",
    "Weights",
    "backprop",
    "get_cell",
    "gradients",
    "jacobian_work",
    "step_jacobian_norms",
    "ACTIVATIONS",
    "GAMMA",
    "LOSSES",
    "OUTPUTS",
    "BPTTResult",
    "Diagnostics",
    "Flow",
    "Forward",
    "GradCheck",
    "Grads",
    "RNNConfig",
    "RNNParams",
    "bptt",
    "forward",
    "gradcheck",
    "init_params",
    "jacobian_norms",
    "loss_and_grads",
    "loss_step_mask",
    "numeric_grads",
    "spectral_norms",
    "spectral_radius",
    "step_losses",
    "total_deltas",
    "Optimizer",
    "OptimizerState",
    "clip_by_global_norm",
    "global_norm",
    "init_state",
    "TASKS",
    "Task",
    "TaskParam",
    "TaskParamError",
    "TaskSample",
    "UnknownTaskError",
    "get_task",
    "FixedData",
    "HistoryEntry",
    "TaskData",
    "TrainResult",
    "task_mismatch",
    "train",
]
