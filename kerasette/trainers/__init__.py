"""Training apart from structure, as in Keras 3: the Trainer (compile, fit, evaluate,
predict), the data it trains on (checked arrays, batches) and the plan of a training step."""

from kerasette.trainers.data import Arrays
from kerasette.trainers.epoch_iterator import EpochIterator
from kerasette.trainers.trainer import Trainer
from kerasette.trainers.training_plan import TrainingPlan

__all__ = ["Arrays", "EpochIterator", "Trainer", "TrainingPlan"]
