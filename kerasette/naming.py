"""Keras's automatic names: ``dense``, ``dense_1``, ``auc_1``, ``adam_1`` (``keras.src.utils.naming``).

One counter per name, shared by layers, metrics and optimizers as in Keras, kept by
:func:`kerasette.backend.get_uid` and so reset by :func:`kerasette.backend.clear_session`.
"""

from __future__ import annotations

import re

from kerasette.backend import config


def snake_case(name: str) -> str:
    """Keras's ``to_snake_case``: ``'TopKCategoricalAccuracy'`` -> ``'top_k_categorical_accuracy'``.

    >>> snake_case('ZeroPadding2D'), snake_case('ReLU'), snake_case('RMSprop'), snake_case('SGD')
    ('zero_padding2d', 're_lu', 'rm_sprop', 'sgd')
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", name))
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    """``prefix``, then ``prefix_1``, ``prefix_2``, ... on later calls (Keras's ``uniquify``).

    >>> config.clear_session(free_memory=False); unique_name('doc_name'), unique_name('doc_name')
    ('doc_name', 'doc_name_1')
    """
    index = config.get_uid(prefix) - 1
    return prefix if index == 0 else f"{prefix}_{index}"


def auto_name(class_name: str) -> str:
    """The name of an object given none: its class name in snake case, made unique (Keras's ``auto_name``).

    >>> config.clear_session(free_memory=False); auto_name('AUC'), auto_name('AUC')
    ('auc', 'auc_1')
    """
    return unique_name(snake_case(class_name))
