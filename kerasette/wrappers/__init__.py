"""scikit-learn estimators around kerasette models, as ``keras.wrappers``: ``SKLearnClassifier``,
``SKLearnRegressor``, ``SKLearnTransformer``. They need scikit-learn: ``pip install "kerasette[sklearn]"``."""

from kerasette.wrappers.sklearn_wrapper import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]
