"""Walkthrough notebooks that run before their exercises are done, and without their data.

A notebook's first cell loads this module as an IPython extension::

    %reload_ext course.notebook

(``reload``: re-running the cell is silent.) It turns on autoreload, so an edit of the
student's module reaches the next cell run, and from then on a cell that reaches an
unfinished exercise (a stub's ``raise NotImplementedError("scan")``) stops there and
prints one line,

    fill in `scan` in gru_lm.py, then re-run this cell

instead of a traceback, and the figure it had started is dropped. A cell that needs a
course dataset that is not there prints one line saying which and how to get it (once per
dataset; later cells that need it say they wait for it). A later cell that needs a value
such a cell never computed prints what it is waiting for. The cell still counts as run,
so "Run All" goes on to the independent parts below. Every other error — including one
in code you have written — keeps its traceback.

How: an IPython AST transformer (the documented hook for rewriting cells) runs each
cell's statements inside :class:`CellGuard`; a cell's last expression is still
displayed.
"""
import ast
import importlib.util
import linecache
import sys
import warnings
from pathlib import Path

#: Names a skipped cell did not define -> what it was waiting for ("fill in `scan` in
#: gru_lm.py", "get dataset gmb-ner (see above)").
WAITING = {}
#: Datasets whose absence a cell has announced (each is announced once).
ANNOUNCED = set()

_GUARD, _VALUE = "__course_cell__", "value"


def unfinished_exercise(exc):
    """"`name` in module.py" when ``exc`` comes from a generated stub's
    ``raise NotImplementedError("name")`` (also behind Trax's ``LayerError``), else None."""
    while type(exc).__name__ == "LayerError" and exc.__context__ is not None:
        exc = exc.__context__
    if not isinstance(exc, NotImplementedError) or exc.__traceback__ is None:
        return None
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
    if line != f'raise NotImplementedError("{code.co_name}")':
        return None
    return f"`{code.co_qualname}` in {Path(code.co_filename).name}"


def missing_dataset(exc):
    """The name of the course dataset whose absence raised ``exc`` (``data.DataMissing``),
    else None."""
    files = sys.modules.get("data.files")  # loaded by whatever raised DataMissing
    if files is None or not isinstance(exc, files.DataMissing):
        return None
    return exc.dataset or "?"


def _announce_missing(dataset, exc):
    """The one line for a missing dataset: what and how to get it the first time, then a
    reminder."""
    if dataset in ANNOUNCED:
        return f"this cell needs dataset {dataset}, which is missing (see above)"
    ANNOUNCED.add(dataset)
    return (f"dataset {dataset} is missing, so the cells that need it are skipped: {exc} "
            f"(then re-run from this cell)")


def _innermost_file(tb):
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename


def _same_origin(filename, cell_filename):
    """True when ``filename`` is notebook code (a cell), judged by the cell's own name:
    ipykernel names cells ``<tmp>/ipykernel_<pid>/<hash>.py``, IPython ``<ipython-input-…>``."""
    if cell_filename.startswith("<"):
        return filename.startswith("<")
    return Path(filename).parent == Path(cell_filename).parent


class CellGuard:
    """Context manager around one cell's statements; ``names`` are the names it binds.

    ``value`` receives the cell's last expression, displayed after the block."""

    def __init__(self, names):
        self.names = names
        self.value = None
        self._figures = set()

    def __enter__(self):
        pyplot = sys.modules.get("matplotlib.pyplot")
        self._figures = set(pyplot.get_fignums()) if pyplot else set()
        return self

    def __exit__(self, exc_type, exc, tb):
        namespace = tb.tb_frame.f_globals if tb is not None else {}
        if exc is None:
            for name in self.names:
                WAITING.pop(name, None)
            return False
        message, waits_for = self._explain(exc, tb)
        if message is None:
            return False  # a real error: the usual traceback
        for name in self.names:
            if name not in namespace:
                WAITING[name] = waits_for
        self._drop_new_figures()
        print(message)
        return True

    def _explain(self, exc, tb):
        """(one-line message, what the cell waits for) for an unfinished exercise, a missing
        dataset or a name such a cell did not define; else (None, None)."""
        exercise = unfinished_exercise(exc)
        if exercise is not None:
            return f"fill in {exercise}, then re-run this cell", f"fill in {exercise}"
        dataset = missing_dataset(exc)
        if dataset is not None:
            return _announce_missing(dataset, exc), f"get dataset {dataset} (see above)"
        if (isinstance(exc, NameError) and getattr(exc, "name", None) in WAITING
                and _same_origin(_innermost_file(tb), tb.tb_frame.f_code.co_filename)):
            waits_for = WAITING[exc.name]
            return (f"this cell needs `{exc.name}` from an earlier cell: {waits_for}, "
                    f"then re-run from that cell"), waits_for
        return None, None

    def _drop_new_figures(self):
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot:
            for number in set(pyplot.get_fignums()) - self._figures:
                pyplot.close(number)


def bound_names(statements):
    """Names that top-level ``statements`` bind (assignments, imports, defs, for/with targets)."""
    names = set()

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            return  # their bodies are other scopes
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    for statement in statements:
        visit(statement)
    return sorted(names)


class GuardCells(ast.NodeTransformer):
    """Rewrite a cell ``body; last_expr`` into::

        with course.notebook.CellGuard([...names...]) as __course_cell__:
            body
            __course_cell__.value = last_expr
        __course_cell__.value
    """

    def visit_Module(self, node):
        body = list(node.body)
        if not body or any(isinstance(s, ast.ImportFrom) and s.module == "__future__" for s in body):
            return node
        tail = []
        if isinstance(body[-1], ast.Expr):
            last = body.pop()
            body.append(ast.Assign(targets=[_attribute(ast.Store())], value=last.value))
            tail = [ast.Expr(value=_attribute(ast.Load()))]
        guard = ast.Call(func=ast.Attribute(value=_module(), attr="CellGuard", ctx=ast.Load()),
                         args=[ast.List(elts=[ast.Constant(n) for n in bound_names(node.body)],
                                        ctx=ast.Load())], keywords=[])
        wrapped = ast.With(items=[ast.withitem(context_expr=guard,
                                               optional_vars=ast.Name(_GUARD, ast.Store()))],
                           body=body)
        node.body = [_import_self(), wrapped] + tail
        return ast.fix_missing_locations(node)


def _module():
    return ast.Name("__course_notebook__", ast.Load())


def _import_self():
    return ast.Import(names=[ast.alias(name=__name__, asname="__course_notebook__")])


def _attribute(ctx):
    return ast.Attribute(value=ast.Name(_GUARD, ast.Load()), attr=_VALUE, ctx=ctx)


def plain_progress_bars_without_widgets():
    """Make ``tqdm.auto`` (used by TensorFlow Datasets, imported with Trax) the plain text bar
    when ipywidgets is missing: in a kernel it would otherwise warn "IProgress not found"
    at import and then fall back to that bar anyway. With ipywidgets it keeps the widget bar."""
    if "tqdm.auto" in sys.modules or importlib.util.find_spec("ipywidgets") is not None:
        return
    from tqdm import TqdmWarning
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found", category=TqdmWarning)
        import tqdm.auto  # noqa: F401  (cached: later imports get the plain bar silently)


def autoreload_modules(shell):
    """``%autoreload 2`` (every module is reloaded before a cell runs when its file changed),
    loading IPython's autoreload extension first unless it is loaded (silently either way)."""
    shell.extension_manager.load_extension("autoreload")
    shell.run_line_magic("autoreload", "2")


def load_ipython_extension(shell):
    """``%reload_ext course.notebook``: autoreload, and guard every later cell (idempotent)."""
    plain_progress_bars_without_widgets()
    autoreload_modules(shell)
    if not any(type(t).__name__ == "GuardCells" for t in shell.ast_transformers):
        shell.ast_transformers.append(GuardCells())


def unload_ipython_extension(shell):
    shell.ast_transformers[:] = [t for t in shell.ast_transformers
                                 if type(t).__name__ != "GuardCells"]
