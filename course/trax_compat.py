"""Trax 1.4.1 on current JAX: the few fixes it needs, applied once on import.

Import Trax through this module (``from course.trax_compat import trax``) so that
every part of the course runs with the same fixes and without start-up noise.

Fixes (each tested in ``tests/test_trax_compat.py``):

1. ``fastmath.tree_unflatten`` tests ``tree in copy_from_tree``, i.e. ``==`` between a
   JAX array and ``()``, which JAX now refuses (TypeError). It breaks resuming a
   ``training.Loop`` from a checkpoint. Fixed by comparing only non-array leaves.
2. ``Layer.init_from_file(..., weights_only=True)`` reads ``'flat_state'``, which
   ``save_to_file(..., weights_only=True)`` does not write (KeyError). Fixed by
   treating a missing state as empty when only weights are restored.
3. ``layers.for_n_devices`` calls ``jax.device_put_replicated``, removed from JAX,
   so data-parallel training on several devices fails. Fixed by broadcasting to a
   leading device axis sharded one slice per local device.
4. ``jax.pmap`` now refuses arguments committed to one device when it maps over
   several (trax keeps optimizer slots and RNGs on device 0 via ``tl.on_cpu``), so
   a multi-device train step fails. Fixed by handing such arguments to the mapped
   function as host arrays, which it places itself, as the old ``pmap`` did.
5. ``import trax`` spends most of its time in ``inspect.stack()``, which the
   ``assert_shape`` decorator calls to learn its caller's file and line: it reads the
   source of every frame of the (deep) import stack. A stack without source context
   gives the same file and line; it is used during the import and by ``assert_shape``.
6. ``trax.jaxboard`` calls ``matplotlib.use('Agg')`` at import, which silently turns
   off inline plots in notebooks. The import keeps the backend the user had.
7. Each Loop warns that ``jax.host_count`` was renamed and each checkpoint that
   ``GzipFile`` will change its default mode: both are silenced by exact filters.
8. ``import trax`` imports TensorFlow (about 300 MB that a container's memory limit cannot page
   out) although JAX runs the models: TensorFlow is imported only when first used (a ``Loop``'s
   files and summaries, checkpoints, TensorFlow datasets); see :mod:`course.lazy_tensorflow`.
"""
import contextlib
import functools
import gzip
import importlib
import inspect
import pickle
import sys
import warnings

import numpy as np

from course import lazy_tensorflow
from course.quiet import filtered_stderr


def stack_without_source(context=1):
    """``inspect.stack()`` minus the source lines: same frames, files, lines, names."""
    frames, frame = [], sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        frames.append(inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name,
                                        None, None))
        frame = frame.f_back
    return frames


class _InspectWithCheapStack:
    """The ``inspect`` module as ``trax.layers.assert_shape`` sees it after the fix."""
    stack = staticmethod(stack_without_source)

    def __getattr__(self, name):
        return getattr(inspect, name)


import matplotlib  # noqa: E402  (before trax, so its backend choice can be kept)


@contextlib.contextmanager
def importing_trax():
    """While Trax modules are imported (here, and later any TensorFlow-dependent ones, see fix
    8): a cheap ``inspect.stack`` (fix 5), matplotlib's backend kept (fix 6), no start-up chatter."""
    full_stack, inspect.stack = inspect.stack, stack_without_source
    matplotlib_use, matplotlib.use = matplotlib.use, lambda *args, **kwargs: None
    try:
        with filtered_stderr():
            yield
    finally:
        inspect.stack = full_stack
        matplotlib.use = matplotlib_use


lazy_tensorflow.install(while_loading=importing_trax)
with importing_trax():
    import jax
    import jax.numpy as jnp
    import trax
    from trax import fastmath
    from trax import layers as tl
    from trax.layers import acceleration as _acceleration
    from trax.layers import base as _base
    from trax.supervised import training as _training
    import tensorflow as tf  # a placeholder until first used (fix 8)
    if lazy_tensorflow.loaded():  # imported before: its CUDA probe logs "failed call to cuInit"
        tf.config.list_physical_devices("GPU")

_fastmath_numpy = importlib.import_module("trax.fastmath.numpy")  # the module, not the backend proxy
_fastmath_jax = importlib.import_module("trax.fastmath.jax")
_assert_shape = importlib.import_module("trax.layers.assert_shape")

#: The unpatched functions, kept so tests can show each failure.
ORIGINALS = {
    "tree_unflatten": _fastmath_numpy.tree_unflatten,
    "init_from_file": _base.Layer.init_from_file,
    "for_n_devices": _acceleration.for_n_devices,
    "pmap": _fastmath_jax.JAX_BACKEND["pmap"],
}
#: Functions trax decorated with ``pmap`` at import time, before the fix could apply.
_PMAPPED_AT_IMPORT = (
    (_base, "_axis_index"), (_base, "_all_gather"),
    (_training, "_make_weights_and_state_same_across_hosts"),
)

_ARRAY_TYPES = (np.ndarray, jax.Array)


def _is_copied_leaf(tree, copy_from_tree):
    """``tree in copy_from_tree`` without ever comparing an array with ``==``."""
    if copy_from_tree is None or isinstance(tree, _ARRAY_TYPES):
        return False
    return any(type(tree) is type(c) and tree == c for c in copy_from_tree)


def tree_unflatten(flat, tree, copy_from_tree=None):
    """Same contract as ``trax.fastmath.tree_unflatten``; safe for array leaves."""
    if _is_copied_leaf(tree, copy_from_tree):
        return tree, flat
    if isinstance(tree, (list, tuple)):
        new_tree, rest = [], flat
        for t in tree:
            new_t, rest = tree_unflatten(rest, t, copy_from_tree=copy_from_tree)
            new_tree.append(new_t)
        return (tuple(new_tree) if isinstance(tree, tuple) else new_tree), rest
    if isinstance(tree, dict):
        new_tree, rest = {}, flat
        for k in tree:
            new_tree[k], rest = tree_unflatten(rest, tree[k], copy_from_tree=copy_from_tree)
        return new_tree, rest
    return flat[0], flat[1:]


def init_from_file(self, file_name, weights_only=False, input_signature=None):
    """``Layer.init_from_file`` that accepts weights-only files (no ``'flat_state'``)."""
    if not weights_only:
        return ORIGINALS["init_from_file"](self, file_name, weights_only, input_signature)
    with tf.io.gfile.GFile(file_name, "rb") as f, gzip.GzipFile(fileobj=f, mode="rb") as gz:
        dictionary = pickle.load(gz)
    if input_signature is None:
        input_signature = dictionary.get("input_signature")
    if input_signature is not None:
        self.init(input_signature)
    signature = self.weights_and_state_signature(input_signature)
    weights, _ = _base.unflatten_weights_and_state(
        dictionary["flat_weights"], dictionary.get("flat_state", []), signature,
        weights_only=True)
    self.weights = weights
    return self.weights, self.state


def for_n_devices(x, n_devices):
    """Replicate every leaf of ``x`` to shape (n_devices, ...) over the local devices."""
    if n_devices <= 1:
        return x
    mesh = jax.sharding.Mesh(np.array(jax.local_devices()[:n_devices]), ("devices",))
    sharding = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("devices"))

    def replicate(leaf):
        stacked = np.broadcast_to(np.asarray(leaf), (n_devices,) + np.shape(leaf))
        return jax.device_put(stacked, sharding)

    return fastmath.nested_map(replicate, x)


def _host_copy_if_single_device(x):
    """A committed single-device array as a host array, so ``pmap`` may place it."""
    if isinstance(x, jax.Array) and len(x.sharding.device_set) == 1:
        return np.asarray(x)
    return x


def accept_committed_args(mapped):
    """Wrap a ``pmap``-ed function to accept arguments committed to a single device."""
    if getattr(mapped, "_accepts_committed_args", False):
        return mapped

    @functools.wraps(mapped)
    def call(*args, **kwargs):
        if jax.local_device_count() > 1:
            args, kwargs = jax.tree.map(_host_copy_if_single_device, (args, kwargs))
        return mapped(*args, **kwargs)

    call._accepts_committed_args = True
    return call


def pmap(fun, *args, **kwargs):
    """``jax.pmap`` whose result accepts single-device arguments (see fix 4)."""
    return accept_committed_args(ORIGINALS["pmap"](fun, *args, **kwargs))


def _silence_known_warnings():
    warnings.filterwarnings(
        "ignore", message=r"jax\.(host_count|process_count) has been renamed")
    warnings.filterwarnings(
        "ignore", message=r"GzipFile was opened for writing", category=FutureWarning)


def _patches():
    """(owner, attribute, fixed value) for every place a fix is installed."""
    patches = [
        (_fastmath_numpy, "tree_unflatten", tree_unflatten),
        (fastmath, "tree_unflatten", tree_unflatten),
        (_base.Layer, "init_from_file", init_from_file),
        (_acceleration, "for_n_devices", for_n_devices),
        (tl, "for_n_devices", for_n_devices),
        (_fastmath_jax.JAX_BACKEND, "pmap", pmap),
        (_assert_shape, "inspect", _InspectWithCheapStack()),
    ]
    for module, name in _PMAPPED_AT_IMPORT:
        patches.append((module, name, accept_committed_args(_UNFIXED[(module, name)])))
    return patches


def _set(owner, name, value):
    if isinstance(owner, dict):
        owner[name] = value
    else:
        setattr(owner, name, value)


def _get(owner, name):
    return owner[name] if isinstance(owner, dict) else getattr(owner, name)


_UNFIXED = {(module, name): getattr(module, name) for module, name in _PMAPPED_AT_IMPORT}
_ORIGINAL_VALUES = {}


def apply():
    """Install the fixes (idempotent)."""
    for owner, name, fixed in _patches():
        _ORIGINAL_VALUES.setdefault((id(owner), name), _get(owner, name))
        _set(owner, name, fixed)
    _silence_known_warnings()


def remove():
    """Restore trax's original functions (tests use this to show each failure)."""
    for owner, name, _ in _patches():
        _set(owner, name, _ORIGINAL_VALUES[(id(owner), name)])


apply()

__all__ = ["trax", "tl", "jax", "jnp", "apply", "remove", "ORIGINALS"]
