"""Callbacks: hooks into training, with Keras's method names, one per file.

:class:`Callback` is the protocol; the trainer dispatches through :class:`CallbackList`,
records :class:`History` and draws :class:`ProgbarLogger`. The rest are Keras 3's stock
callbacks, and :class:`SummaryWriter` writes TensorBoard scalars outside ``fit``.
"""

from kerasette.callbacks.callback import Callback
from kerasette.callbacks.callback_list import CallbackList
from kerasette.callbacks.csv_logger import CSVLogger
from kerasette.callbacks.early_stopping import EarlyStopping
from kerasette.callbacks.history import History
from kerasette.callbacks.lambda_callback import LambdaCallback
from kerasette.callbacks.lazy_logs import LazyLogs
from kerasette.callbacks.learning_rate_scheduler import LearningRateScheduler
from kerasette.callbacks.model_checkpoint import ModelCheckpoint
from kerasette.callbacks.progbar_logger import ProgbarLogger
from kerasette.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from kerasette.callbacks.summary_writer import SummaryWriter
from kerasette.callbacks.tensorboard import TensorBoard
from kerasette.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LazyLogs",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "SummaryWriter",
    "TensorBoard",
    "TerminateOnNaN",
]
