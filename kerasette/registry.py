"""The registry of serializable objects: how a name or a config turns back into an object.

Every kind of object that compile, layers and saving look up by name (``'layer'``,
``'loss'``, ``'metric'``, ``'optimizer'``, ``'activation'``, ``'initializer'``) has a
table here. The module that defines built-in classes or functions registers them with
:func:`register_builtins` or the :func:`builtin` decorator; user classes are registered as in Keras, with
:func:`register_keras_serializable` or, for one load, ``custom_objects=``. Lookups then
go through :func:`deserialize` alone, so no module imports another only to find a class
(a layer never imports models, saving or callbacks).

The public names are re-exported by :mod:`kerasette.saving`, where Keras has them.
"""

from __future__ import annotations

import threading

from kerasette.validation import unknown_name_error

# kind -> Keras short names ('mse', 'relu', 'adam') -> object
_aliases: dict[str, dict[str, object]] = {}
# kind -> class or function names ('MeanSquaredError', 'Dense') -> object
_classes: dict[str, dict[str, object]] = {}
# 'package>Name' -> object, and back, for user objects (Keras's GLOBAL_CUSTOM_OBJECTS)
_custom_objects: dict[str, object] = {}
_custom_names: dict[object, str] = {}
_scopes = threading.local()


def builtin(kind: str, *aliases: str):
    """Decorator registering a built-in class or function of ``kind`` under its name and ``aliases``."""

    def register(obj):
        register_builtins(kind, {alias: obj for alias in aliases})
        _classes.setdefault(kind, {})[obj.__name__] = obj
        return obj

    return register


def register_builtins(kind: str, by_alias: dict) -> None:
    """Register built-ins of ``kind`` from a table of Keras short names to objects.

    Classes and functions are also found by their own names; instances (activations)
    by their short names only.
    """
    for alias, obj in by_alias.items():
        _aliases.setdefault(kind, {})[alias] = obj
        if hasattr(obj, "__name__"):
            _classes.setdefault(kind, {})[obj.__name__] = obj


def builtin_object(kind: str, name: str):
    """The built-in of ``kind`` registered under the class or function name ``name``."""
    return _classes[kind][name]


def builtin_table(kind: str) -> dict:
    """The built-ins of ``kind`` by every name they are found under (short and class names)."""
    return {**_aliases.get(kind, {}), **_classes.get(kind, {})}


def builtin_names(kind: str) -> list[str]:
    """The names a user may give for ``kind``: the short names, else the class names."""
    return sorted(_aliases.get(kind) or _classes.get(kind, {}))


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Register a user class or function so that saved models find it by name, as in Keras.

    It is registered as ``'package>name'`` (``name`` defaults to the class's name) and
    is found again by that name or by its plain name when a model is loaded.

    Example:
    >>> from kerasette import layers
    >>> @register_keras_serializable(package='Doc')
    ... class Halve(layers.Layer):
    ...     def forward(self, inputs, training=False):
    ...         return inputs / 2
    >>> get_registered_name(Halve), get_registered_object('Doc>Halve') is Halve
    ('Doc>Halve', True)
    """
    if not isinstance(package, str) or not package:
        raise TypeError(f"package: expected a non-empty string; received {package!r}")

    def register(obj):
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"register_keras_serializable: {obj.__name__} has no get_config() method")
        registered_name = f"{package}>{name or obj.__name__}"
        if registered_name in _custom_objects and _custom_objects[registered_name] is not obj:
            raise ValueError(
                f"register_keras_serializable: {registered_name!r} is already registered to "
                f"{_custom_objects[registered_name]!r}"
            )
        _custom_objects[registered_name] = obj
        _custom_names[obj] = registered_name
        return obj

    return register


def get_registered_name(obj) -> str:
    """The name ``obj`` is saved under: ``'package>Name'`` if registered, else its own name."""
    return _custom_names.get(obj, getattr(obj, "__name__", type(obj).__name__))


class CustomObjectScope:
    """Within ``with CustomObjectScope({'Name': cls}):`` those names resolve to those objects.

    Example:
    >>> class Mine: pass
    >>> with CustomObjectScope({'Mine': Mine}):
    ...     get_registered_object('Mine') is Mine
    True
    """

    def __init__(self, custom_objects: dict | None):
        _check_custom_objects(custom_objects)
        # None is an empty scope, as Keras takes it.
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        stack = getattr(_scopes, "stack", None)
        if stack is None:
            stack = _scopes.stack = []
        stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc_info):
        _scopes.stack.pop()


custom_object_scope = CustomObjectScope


def _check_custom_objects(custom_objects) -> None:
    if custom_objects is not None and (
        not isinstance(custom_objects, dict) or not all(isinstance(key, str) for key in custom_objects)
    ):
        raise TypeError(
            f"custom_objects: expected a dict of names to classes or functions; received {custom_objects!r}"
        )


def get_registered_object(name: str, custom_objects: dict | None = None, module_objects: dict | None = None):
    """The object registered under ``name``, or None, as Keras looks it up.

    Searched in order: the active :class:`CustomObjectScope`\\ s (innermost first), the
    objects registered with :func:`register_keras_serializable` by ``'package>Name'``,
    ``custom_objects``, ``module_objects`` (the built-ins), and last the registered
    objects by their plain name.
    """
    for scope in reversed(getattr(_scopes, "stack", None) or []):
        if name in scope:
            return scope[name]
    if name in _custom_objects:
        return _custom_objects[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    # A registered object by its plain name, after the built-ins so that it never shadows one.
    plain = [obj for registered, obj in _custom_objects.items() if registered.partition(">")[2] == name]
    return plain[0] if len(plain) == 1 else None


def _from_config(argument: str, cls, identifier: dict):
    config = identifier.get("config", {})
    if not isinstance(config, dict):
        raise TypeError(f"{argument}: 'config' of {identifier.get('class_name')} must be a dict; received {config!r}")
    try:
        return cls.from_config(config)
    except TypeError as error:
        raise TypeError(
            f"{argument}: cannot build {identifier['class_name']} from config {config!r}: {error}"
        ) from None


def deserialize(
    kind: str,
    argument: str,
    identifier,
    base: type,
    custom_objects: dict | None = None,
    case_sensitive: bool = True,
    special_names: tuple[str, ...] = (),
):
    """An object of class ``base`` from itself, a name or a ``{'class_name', 'config'}`` dict.

    Args:
        kind: Which table to search (``'loss'``, ``'layer'``, ...).
        argument: Name of the argument, for messages (``'loss'``, ``'optimizer'``).
        identifier: An instance of ``base``; a short name (``'mse'``); a class name
            (``'MeanSquaredError'``) or registered name; or a config dict.
        base: The class every result is an instance of.
        custom_objects: Extra names to search, as ``load_model(custom_objects=...)``.
        case_sensitive: False to also accept short names in any case (``'RMSprop'``), also
            as the ``class_name`` of a config dict (``{'class_name': 'adam', ...}``).
        special_names: Names the caller handles itself (``'accuracy'``), listed in errors.

    A class found by name is instantiated with its defaults; a registered instance
    (an activation) is returned as it is.

    >>> from kerasette import losses
    >>> deserialize('loss', 'loss', 'mse', losses.Loss).name
    'mean_squared_error'
    """
    if isinstance(identifier, base):
        return identifier
    _check_custom_objects(custom_objects)
    found = None
    if isinstance(identifier, str):
        aliases = _aliases.get(kind, {})
        found = aliases.get(identifier if case_sensitive else identifier.lower())
        if found is None:
            found = get_registered_object(identifier, custom_objects, _classes.get(kind))
        if isinstance(found, type) and issubclass(found, base):
            return found()
        if isinstance(found, base):
            return found
    elif isinstance(identifier, dict) and isinstance(identifier.get("class_name"), str):
        class_name = identifier["class_name"]
        found = get_registered_object(class_name, custom_objects, _classes.get(kind))
        if found is None and not case_sensitive:
            # Keras resolves a short name as a class name too: {'class_name': 'adam', ...}.
            found = _aliases.get(kind, {}).get(class_name.lower())
        if isinstance(found, type) and issubclass(found, base):
            return _from_config(argument, found, identifier)
        error = unknown_name_error(argument, class_name, [*special_names, *builtin_names(kind)])
        raise ValueError(
            f"{error}; a class of your own must be registered with register_keras_serializable "
            "or passed as custom_objects={name: class}"
        )
    raise unknown_name_error(argument, identifier, [*special_names, *builtin_names(kind)])


def serialize(instance) -> dict:
    """``{'class_name': ..., 'config': ...}``, which :func:`deserialize` turns back into an equal object."""
    return {"class_name": get_registered_name(type(instance)), "config": instance.get_config()}


def get_callable_object(kind: str, identifier, base: type):
    """A ``base`` (a regularizer, a constraint) from None, a name, a config, an object, a class
    or a plain function (a user's own, or one registered with :func:`register_keras_serializable`)."""
    if identifier is None:
        return None
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if isinstance(identifier, str):
        found = get_registered_object(identifier)
        if callable(found) and not isinstance(found, type):
            return found
    if isinstance(identifier, (str, dict)):
        return deserialize(kind, kind, identifier, base)
    if callable(identifier):
        return identifier
    raise unknown_name_error(kind, identifier, builtin_names(kind))


def serialize_callable_object(obj):
    """None, a registered function's name, or ``{'class_name', 'config'}`` for an object."""
    if obj is None:
        return None
    if not hasattr(obj, "get_config"):
        return get_registered_name(obj)
    return serialize(obj)
