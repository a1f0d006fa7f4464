"""Trax and JAX imported on first use: ``from course.lazy import trax, tl, training, jax``.

``import trax`` costs tens of seconds (it brings TensorFlow and JAX). A module that uses
Trax only inside its functions can import these names instead of
``course.trax_compat``'s: importing the module — and running or grading its NumPy
exercises — then costs nothing extra, and the first use of a name (``tl.Serial``,
``trax.shapes``, ``training.Loop``, ``jax.jit``) imports :mod:`course.trax_compat`, with
its fixes, and forwards to the real module from then on.

A module that needs Trax at import time (e.g. ``class MyLayer(tl.Layer)`` at module level)
loads it there, exactly as an ordinary import would.
"""
import importlib
import types


class LazyModule(types.ModuleType):
    """Stands for the module ``name``; the first attribute access imports it (after
    :mod:`course.trax_compat`, so Trax's fixes are in place) and every access forwards to it."""

    def __init__(self, name):
        super().__init__(name)
        self.__dict__["_lazy_name"] = name

    def _module(self):
        importlib.import_module("course.trax_compat")
        return importlib.import_module(self.__dict__["_lazy_name"])

    def __getattr__(self, attr):
        return getattr(self._module(), attr)

    def __setattr__(self, attr, value):
        setattr(self._module(), attr, value)

    def __dir__(self):
        return dir(self._module())

    def __repr__(self):
        return f"<module {self.__dict__['_lazy_name']!r}, imported on first use>"


trax = LazyModule("trax")
tl = LazyModule("trax.layers")
training = LazyModule("trax.supervised.training")
jax = LazyModule("jax")
