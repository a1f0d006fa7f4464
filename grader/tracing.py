"""Which student functions a check calls: the basis of exercise isolation.

A check grades one exercise. When grading the reference solution,
:func:`grader.expectations.calls_of_checks` records (with :func:`calls_into`), for every check,
the top-level functions and classes of the student module that its student side called (a
method counts as its class). A mistake confined to functions that a check never calls cannot
change that check's result; :func:`edited_definitions` says where a mistake's edits lie.
"""
import ast
import contextlib
import functools
import inspect


_paused = []  # non-empty while calls are not recorded (see :func:`untraced`)


def _recorded(function, name, into):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if not _paused:
            into.add(name)
        return function(*args, **kwargs)
    wrapper.__signature__ = inspect.signature(function)  # e.g. tl.Fn reads it
    return wrapper


@contextlib.contextmanager
def untraced():
    """Record no calls inside the block (a replayed collaborator's own calls: when grading,
    the replay answers for it and they do not happen)."""
    _paused.append(True)
    try:
        yield
    finally:
        _paused.pop()


@contextlib.contextmanager
def substituted(patches):
    """Inside the block, ``owner.attribute`` is ``replacement`` for each ``(owner, attribute,
    replacement)`` of ``patches``; a module function's default argument bound to a replaced
    function (``line_to_tensor=line_to_tensor``, bound at definition) is replaced too."""
    originals = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in patches]
    replacing = {original: new for (_, _, original), (_, _, new) in zip(originals, patches)}
    modules = {owner for owner, _, _ in patches if inspect.ismodule(owner)}
    with_defaults = [fn for module in modules for fn in vars(module).values()
                     if inspect.isfunction(fn) and fn.__defaults__
                     and any(inspect.isfunction(d) and d in replacing for d in fn.__defaults__)]
    defaults = {fn: fn.__defaults__ for fn in with_defaults}
    for owner, attr, new in patches:
        setattr(owner, attr, new)
    for fn in with_defaults:
        fn.__defaults__ = tuple(replacing.get(d, d) if inspect.isfunction(d) else d
                                for d in fn.__defaults__)
    try:
        yield
    finally:
        for owner, attr, original in originals:
            setattr(owner, attr, original)
        for fn, saved in defaults.items():
            fn.__defaults__ = saved


@contextlib.contextmanager
def recording_calls(module, into):
    """Add to the set ``into`` the name of every top-level function or class of ``module``
    called (a class: any of its methods) inside the block. Calls between the module's own
    functions go through its globals, so they are recorded too."""
    patched = []  # (owner, attribute, original)
    for name, obj in list(vars(module).items()):
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            patched.append((module, name, obj))
        elif inspect.isclass(obj):
            patched.extend((obj, attr, fn) for attr, fn in vars(obj).items() if inspect.isfunction(fn))
    with substituted([(owner, attr, _recorded(fn, owner.__name__ if inspect.isclass(owner) else attr, into))
                      for owner, attr, fn in patched]):
        yield into


@contextlib.contextmanager
def calls_into(modules):
    """The set of names of ``modules``' (``{name: module}``) top-level functions and classes
    called inside the block."""
    called = set()
    with contextlib.ExitStack() as stack:
        for module in modules.values():
            stack.enter_context(recording_calls(module, called))
        yield called


def top_level_spans(source):
    """``[(name, first line, last line)]`` of the top-level functions and classes of ``source``."""
    return [(node.name, node.lineno, node.end_lineno) for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))]


def edited_definitions(source, edits):
    """Names of the top-level definitions of ``source`` that the ``(old, new)`` edits touch
    (an edit outside every definition is reported as ``"<module>"``)."""
    spans, touched = top_level_spans(source), set()
    for old, _ in edits:
        start = source.index(old)
        first = source.count("\n", 0, start) + 1
        last = first + old.rstrip("\n").count("\n")
        inside = [name for name, lo, hi in spans if lo <= first and last <= hi]
        touched.add(inside[0] if inside else "<module>")
    return touched
