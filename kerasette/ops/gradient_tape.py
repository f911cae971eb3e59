"""GradientTape: the public way to take gradients of one's own code, in TensorFlow's spelling.

Inside ``with GradientTape() as tape:`` the ops, the layers and the models record what
they compute; ``tape.gradient(target, sources)`` then differentiates ``target`` with
respect to each source (a variable, a watched tensor, or a list or dict of them), as
``tf.GradientTape`` does. Trainable variables are watched as soon as they are read;
``tape.watch(x)`` adds a tensor or a frozen variable. The same engine trains every model:
``Model.fit``'s step records the same way (``kerasette/ops/tape.py``).

Example, a custom training step:
>>> from kerasette import layers, optimizers, ops
>>> dense = layers.Dense(1, kernel_initializer='ones')
>>> x = np.array([[1.0, 2.0]])
>>> with GradientTape() as tape:
...     loss = ops.sum(dense(x) ** 2)
>>> grads = tape.gradient(loss, dense.trainable_weights)
>>> [g.tolist() for g in grads]
[[[6.0], [12.0]], [6.0]]
>>> optimizers.SGD(0.1).apply(grads, dense.trainable_weights)
>>> dense.kernel.numpy().tolist()
[[0.4], [-0.2]]
"""

from __future__ import annotations

from kerasette.graph.structure import flatten, pack_as
from kerasette.ops import tape


class GradientTape:
    """Records operations so that their gradients can be taken (``tf.GradientTape``).

    Args:
        persistent: Whether :meth:`gradient` may be called more than once.
        watch_accessed_variables: Whether trainable variables read inside the block are
            watched automatically; when False only :meth:`watch` decides.

    Tapes nest (a GAN's generator and discriminator tapes): while any is open, ops record,
    and a variable is watched if some open tape watches it.
    """

    _open: list = []

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._watched: dict[int, object] = {}
        self._recording = None
        self._used = False

    def _watches(self, variable) -> bool:
        return (self.watch_accessed_variables and variable.trainable) or id(variable) in self._watched

    def __enter__(self) -> GradientTape:
        tapes = [*GradientTape._open, self]
        self._recording = tape.recording(True, watch=lambda v: any(t._watches(v) for t in tapes))
        self._recording.__enter__()
        GradientTape._open.append(self)
        return self

    def __exit__(self, *exc_info) -> None:
        GradientTape._open.remove(self)
        self._recording.__exit__(*exc_info)

    def watch(self, tensor) -> None:
        """Watch a variable (frozen ones too) or a tensor; a list or dict watches each."""
        for item in flatten(tensor):
            if not isinstance(item, tape.Tensor):
                raise TypeError(
                    f"watch: expected a kerasette Variable or a recorded tensor; received {type(item).__name__}. "
                    "An array cannot be watched: make it a keras.Variable (or a layer input) first"
                )
            self._watched[id(item)] = item

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients: str = "none"):
        """The gradient of ``target`` (a tensor, or a list of them, summed) with respect
        to ``sources``, in the structure of ``sources``.

        Args:
            target: What to differentiate.
            sources: A variable or tensor, or a list, tuple or dict of them.
            output_gradients: The gradient of each target (ones when None).
            unconnected_gradients: ``'none'`` (None for a source the target does not
                depend on) or ``'zero'`` (zeros of its shape).
        """
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"unconnected_gradients: expected 'none' or 'zero'; received {unconnected_gradients!r}")
        if self._used and not self.persistent:
            raise RuntimeError(
                "gradient: a non-persistent GradientTape can compute gradients only once; "
                "create it with GradientTape(persistent=True) to call gradient several times"
            )
        self._used = True
        flat_sources = flatten(sources)
        for index, source in enumerate(flat_sources):
            if not isinstance(source, tape.Tensor):
                raise TypeError(
                    f"gradient: sources[{index}] is a {type(source).__name__}; expected a Variable or a tensor "
                    "recorded on this tape (e.g. model.trainable_weights)"
                )
        targets = flatten(target)
        seeds = None if output_gradients is None else flatten(output_gradients)
        if seeds is not None and len(seeds) != len(targets):
            raise ValueError(f"output_gradients: expected one per target ({len(targets)}); received {len(seeds)}")
        grads = tape.gradients(targets, flat_sources, seeds)
        if unconnected_gradients == "zero":
            from kerasette.backend import xp

            grads = [xp.zeros_like(s.data) if g is None else g for s, g in zip(flat_sources, grads)]
        return pack_as(sources, grads)
