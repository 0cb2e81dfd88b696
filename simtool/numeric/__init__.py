"""Floating-point engine (torch, numpy, scipy). Never imports rich.

Public names (see each module's docstring for the full API):

* :mod:`~simtool.numeric.models`: ``Model`` (protocol), ``model_for``, ``register_model``
* :mod:`~simtool.numeric.model`: ``TwoLayerModel``; :mod:`~simtool.numeric.deep_model`:
  ``DeepModel``; :mod:`~simtool.numeric.func_model`: ``FuncModel`` (torch.func oracle)
* :mod:`~simtool.numeric.fields`: ``BatchField``, ``MinibatchField``, ``Metric``
* :mod:`~simtool.numeric.losses`: ``Loss``, ``LOSSES``, ``get_loss``
* :mod:`~simtool.numeric.flow`: ``GradientFlowField``, ``FlowResult``, ``Status``
* :mod:`~simtool.numeric.integrators`: ``integrate``, ``Integrator``, ``INTEGRATORS``,
  ``get_integrator``
* :mod:`~simtool.numeric.data`: ``Dataset``, ``DATASETS``, ``make_dataset``, ``load_arrays``
* :mod:`~simtool.numeric.checks`: ``CheckResult``, ``ElementReport``, ``check_element``,
  ``check_elements``, ``CHECKS``
* :mod:`~simtool.numeric.classifier`: ``MLPClassifier``, ``SoftmaxCrossEntropy`` (vector output)
* :mod:`~simtool.numeric.training`: ``train``, ``TrainResult``, ``OPTIMIZERS``, ``log_spaced_steps``
* :mod:`simtool.bridge` (sympy → torch): ``TorchActivation``, ``torch_activation``
"""

from ..bridge import TorchActivation, torch_activation
from .checks import CHECKS, CheckResult, ElementReport, check_element, check_elements
from .classifier import MLPClassifier, SoftmaxCrossEntropy
from .data import DATASETS, Dataset, load_arrays, make_dataset
from .deep_model import DeepModel
from .fields import BatchField, Metric, MinibatchField
from .flow import FlowResult, GradientFlowField, Status
from .func_model import FuncModel
from .integrators import INTEGRATORS, Integrator, get_integrator, integrate
from .losses import LOSSES, Loss, get_loss
from .model import TwoLayerModel
from .models import Model, model_for, register_model
from .training import OPTIMIZERS, TrainResult, log_spaced_steps, train

__all__ = [
    "Model",
    "model_for",
    "register_model",
    "TwoLayerModel",
    "MLPClassifier",
    "SoftmaxCrossEntropy",
    "train",
    "TrainResult",
    "OPTIMIZERS",
    "log_spaced_steps",
    "DeepModel",
    "FuncModel",
    "BatchField",
    "MinibatchField",
    "Metric",
    "Loss",
    "LOSSES",
    "get_loss",
    "GradientFlowField",
    "FlowResult",
    "Status",
    "integrate",
    "Integrator",
    "INTEGRATORS",
    "get_integrator",
    "TorchActivation",
    "torch_activation",
    "Dataset",
    "DATASETS",
    "make_dataset",
    "load_arrays",
    "CheckResult",
    "ElementReport",
    "check_element",
    "check_elements",
    "CHECKS",
]
