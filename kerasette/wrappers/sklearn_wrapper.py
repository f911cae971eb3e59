"""scikit-learn estimators around a compiled kerasette model, with Keras 3's names and arguments.

``fit(X, y)`` builds the model (a callable's ``model(X=X, y=y, **model_kwargs)``, or a
compiled copy of a given model), then trains it with ``fit_kwargs`` updated by the keyword
arguments of ``fit``. Classifiers one-hot encode the labels, so the model ends in one unit
per class; ``predict`` returns the labels (the argmax of the model's output).

Stricter than Keras 3, and said so in docs/KERAS_COMPATIBILITY.md: ``warm_start=True``
trains the model fitted before (Keras accepts the flag and ignores it), ``fit_kwargs`` is
not changed by the keyword arguments of ``fit`` (Keras updates it in place), and a model
given as an object is copied *compiled* with the same optimizer, loss and metrics.
"""

from __future__ import annotations

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # the classes exist without scikit-learn; making one says what to install
    sklearn = None
    BaseEstimator = ClassifierMixin = RegressorMixin = TransformerMixin = object


def _require_sklearn(name: str) -> None:
    if sklearn is None:
        raise ImportError(f'{name} needs scikit-learn: pip install "kerasette[sklearn]"')


def _compiled_copy(model):
    """A new model of the same architecture, compiled as ``model`` is (new optimizer state)."""
    from kerasette import metrics, optimizers
    from kerasette.models import clone_model

    copy = clone_model(model)
    optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
    identifiers = [metrics.compile_identifier(metric) for metric in model.compiled_metrics]
    copy.compile(optimizer=optimizers.get(optimizer), loss=model.loss, metrics=identifiers or None)
    return copy


def _check_compiled(model, source: str):
    from kerasette.models import Model

    if not isinstance(model, Model):
        raise TypeError(f"model: {source} must be a kerasette Model; received {type(model).__name__}")
    if model.optimizer is None or (model.loss is None and model.compiled_outputs is None):
        raise RuntimeError(
            f"model: {source} must be compiled with a loss and an optimizer, e.g. "
            "model.compile(optimizer='rmsprop', loss='categorical_crossentropy')"
        )
    return model


class SKLBase(BaseEstimator):
    """What the three estimators share: building the model, ``fit``, ``predict``.

    Args:
        model: A compiled kerasette ``Model`` (copied with ``clone_model`` and compiled the
            same way before each fit, unless ``warm_start=True``), or a callable that takes
            ``X=`` and ``y=`` (and ``model_kwargs``) and returns a compiled model.
        warm_start: Keep training the model of the previous ``fit`` (or the given model
            itself) instead of starting from new weights.
        model_kwargs: Keyword arguments for ``model`` when it is a callable.
        fit_kwargs: Keyword arguments for ``model.fit``; those given to ``fit`` win.

    Attributes:
        model_: The fitted model. history_: ``history.history`` of the last fit.
    """

    def __init__(self, model, warm_start: bool = False, model_kwargs: dict | None = None, fit_kwargs=None):
        _require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True  # weights start random, and batches are shuffled
        return tags

    @property
    def epoch_(self) -> int:
        """Epochs trained by the last fit."""
        return len(getattr(self, "history_", {}).get("loss", []))

    def _check_arguments(self) -> None:
        from kerasette.models import Model

        if not (isinstance(self.model, Model) or callable(self.model)):
            raise TypeError(f"model: expected a compiled Model or a callable; received {self.model!r}")
        if not isinstance(self.warm_start, (bool, np.bool_)):
            raise TypeError(f"warm_start: expected True or False; received {self.warm_start!r}")
        for name in ("model_kwargs", "fit_kwargs"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), dict):
                raise TypeError(f"{name}: expected a dict or None; received {getattr(self, name)!r}")

    def _get_model(self, X, y):
        from kerasette.models import Model

        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            model = _check_compiled(self.model, "the given model")
            return model if self.warm_start else _compiled_copy(model)
        return _check_compiled(self.model(X=X, y=y, **(self.model_kwargs or {})), "what the model callable returned")

    def fit(self, X, y, **kwargs):
        """Build the model and train it on ``X`` (n_samples, n_features) and ``y``.

        Args:
            X: array-like of shape (n_samples, n_features).
            y: array-like of shape (n_samples,) or (n_samples, n_outputs).
            **kwargs: Keyword arguments for ``model.fit`` (over ``fit_kwargs``).
        """
        from sklearn.utils.validation import validate_data

        self._check_arguments()
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=not isinstance(self, ClassifierMixin))
        targets = self._encode_targets(y, reset=True)
        model = self._get_model(X, targets)
        history = model.fit(X, targets, **{"verbose": 0, **(self.fit_kwargs or {}), **kwargs})
        self.history_ = history.history
        self.model_ = model
        return self

    def _raw_predict(self, X) -> np.ndarray:
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return np.asarray(self.model_.predict(X, verbose=0))

    def predict(self, X) -> np.ndarray:
        """The model's predictions for ``X``, as labels for a classifier."""
        return self._decode_outputs(self._raw_predict(X))

    # Regressors and transformers train on y as given (made 2-D) and return 1-D predictions
    # when y was 1-D.
    def _encode_targets(self, y, reset: bool) -> np.ndarray:
        if reset:
            self._target_ndim = y.ndim
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _decode_outputs(self, outputs: np.ndarray) -> np.ndarray:
        if self._target_ndim == 1 and outputs.ndim == 2 and outputs.shape[1] == 1:
            return outputs[:, 0]
        return outputs


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier around a kerasette model, as ``keras.wrappers.SKLearnClassifier``.

    The labels (binary or multiclass, of any type) are one-hot encoded for training, so
    the model's last layer has one unit per class, e.g. ``Dense(n, activation='softmax')``
    with ``categorical_crossentropy``; ``predict`` gives back labels, ``decision_function``
    the model's raw outputs, ``classes_`` the labels seen by ``fit``.

    Args: as :class:`SKLBase` (``model``, ``warm_start``, ``model_kwargs``, ``fit_kwargs``).

    Example:
    >>> import kerasette as keras
    >>> def make_model(X, y, hidden=8):
    ...     inputs = keras.Input((X.shape[1],))
    ...     hidden_layer = keras.layers.Dense(hidden, activation='relu')(inputs)
    ...     model = keras.Model(inputs, keras.layers.Dense(y.shape[1], activation='softmax')(hidden_layer))
    ...     model.compile(optimizer='adam', loss='categorical_crossentropy')
    ...     return model
    >>> X = np.random.default_rng(0).normal(size=(40, 3)); y = np.where(X[:, 0] > 0, 'yes', 'no')
    >>> classifier = SKLearnClassifier(make_model, model_kwargs={'hidden': 4}, fit_kwargs={'epochs': 2})
    >>> classifier.fit(X, y).predict(X[:3]).shape, classifier.classes_.tolist()
    ((3,), ['no', 'yes'])
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True  # a few epochs of a small network
        return tags

    def _encode_targets(self, y, reset: bool) -> np.ndarray:
        from sklearn.utils.multiclass import type_of_target

        kind = type_of_target(y, input_name="y")
        if kind == "unknown":  # scikit-learn's checks look for its wording
            raise ValueError(f"y: Unknown label type; expected binary or multiclass labels; received {y!r}")
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"y: expected binary or multiclass labels; received {kind} targets")
        if reset:
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise ValueError(f"y: holds the one class {self.classes_[0]!r}; a classifier needs at least two")
        return (np.asarray(y).reshape(-1, 1) == self.classes_[None, :]).astype(np.float32)

    def _decode_outputs(self, outputs: np.ndarray) -> np.ndarray:
        return self.classes_[np.argmax(outputs.reshape(len(outputs), -1), axis=1)]

    def decision_function(self, X) -> np.ndarray:
        """The model's raw outputs for ``X`` (one column per class)."""
        return self._raw_predict(X)


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor around a kerasette model, as ``keras.wrappers.SKLearnRegressor``.

    Args: as :class:`SKLBase` (``model``, ``warm_start``, ``model_kwargs``, ``fit_kwargs``).
    ``score`` is R², as for every scikit-learn regressor.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer whose ``transform`` is the model's prediction, as
    ``keras.wrappers.SKLearnTransformer`` (an embedding step in a ``Pipeline``).

    Args: as :class:`SKLBase` (``model``, ``warm_start``, ``model_kwargs``, ``fit_kwargs``).
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # the output is float32 whatever comes in
        return tags

    def transform(self, X) -> np.ndarray:
        """The model's outputs for ``X``."""
        return self._raw_predict(X)
