"""Each exercise graded on its own: a check gets the reference's results from the student
functions of *other* exercises that it must call.

A check grades one exercise. When its student side has to go through a student function of
another exercise (``generate`` samples with the student's ``gumbel_sample``; ``rms_errors``
averages the student's ``integrate_uniform``), a mistake there would cost points here too.
Declared on the check, ``replay=("gumbel_sample",)`` stands in for that function during the
check with what the reference solution returned on the same call:

* **Recorded by** ``python -m grader expect``: running the check on the reference solution,
  every call of a replayed function is stored with its arguments, the state of the random
  generators it may draw from (generators passed to it, Python's ``random``, NumPy's global
  generator), what it returned and how it left those generators, in
  ``grader/checks/<check module>.json`` beside the check module (not in ``grader/expected/``:
  the sandboxed student side of batch grading runs without expectations but needs these).
* **Replayed when grading**: a call whose arguments and generator states match a recorded call
  (numbers within :data:`RTOL` / :data:`ATOL`, computed another way in floating point still
  match) returns the recorded result and leaves the generators as the reference left them,
  so the rest of the check sees exactly what the reference saw.
* **Any other call runs the student's own function.** A correct collaborator gives correct
  results whatever the arguments, so a correct submission never loses points through this
  fallback; only a call that already differs from the reference (the checked exercise passes
  other arguments) can meet a mistake of the collaborator. Failing instead would charge a
  correct submission that calls its helper differently (another but valid argument form).

What a replay file reveals: the collaborator's reference results on the arguments the check
passes. The public files ship with the public checks; a student can see the same values by
printing inside their own function during that check, so nothing is revealed beyond what the
check already shows; and ``tests/test_isolation.py`` proves that no recorded call is one that
a check of the collaborator's own exercise makes, so a replay never holds another check's answer.
Hidden checks' replays live in ``*_hidden.json`` and never ship to students; the sandboxed
student side of batch grading can read them, so their records are *sealed* (:func:`seal`): no
arguments are stored, and a result opens only for a call with exactly the recorded arguments
(no tolerance there: a call that differs in the last bit runs the student's function).

A check that must call another exercise's class or layer (no plain function to replay) keeps
``depends_on``; see the README for those that remain.
"""
import contextlib
import dataclasses
import hashlib
import functools
import inspect
import random
import types

import numpy as np

from grader import plain
from grader.registry import CHECKS_DIR
from grader.tracing import substituted, untraced

#: Next to the check modules (``grader/checks/<check module>.json``): wherever a copy of the
#: grader carries an assignment's check modules (student bundle: the public ones; Gradescope:
#: that assignment's; batch grading's sandboxed student side: all), it carries their replays.
REPLAY_DIR = CHECKS_DIR
#: Tolerance for matching floating-point arguments with the recorded ones.
RTOL, ATOL = 1e-5, 1e-7
#: Most MT19937 words a recorded call may draw (counted to restore the state after a replay).
MAX_DRAWS = 10_000_000


def replay_path(check_module_name):
    """The replay file of the checks declared in ``check_module_name``."""
    return REPLAY_DIR / f"{check_module_name.rsplit('.', 1)[-1]}.json"


# --- arguments as comparable data --------------------------------------------------------

def digest(state):
    """A short fingerprint of a random generator's state (any nesting of ints and arrays)."""
    return hashlib.sha256(plain.dumps(state).encode()).hexdigest()[:16]


def fingerprint(value, probes=(), own=frozenset()):
    """Plain data that identifies an argument: numbers, strings and arrays as they are, a
    NumPy ``Generator`` or ``random.Random`` by its state, a function of the grader or a
    library by its qualified name, any other object by its type.

    A function defined in the submission itself (modules ``own``: the density ``p`` that
    ``integrate_uniform`` passes on) has no name the reference shares; it is identified by
    its values on each array among the call's arguments (``probes``), broadcast to the
    array's shape: two functions that agree there give the collaborator the same result."""
    again = lambda v: fingerprint(v, probes, own)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.random.Generator):
        return {"Generator": value.bit_generator.state}
    if isinstance(value, random.Random):
        return {"Random": digest(value.getstate())}
    if isinstance(value, (list, tuple)):
        return [again(v) for v in value]
    if isinstance(value, dict):
        return {str(k): again(v) for k, v in value.items()}
    if isinstance(value, np.ndarray) or hasattr(value, "__array__") and hasattr(value, "dtype"):
        return np.asarray(value)
    if callable(value) and getattr(value, "__module__", None) in own:
        return {"values": [_probe(value, x) for x in probes]}
    if callable(value) and hasattr(value, "__name__"):
        name = getattr(value, "__qualname__", value.__name__)
        return {"callable": f"{getattr(value, '__module__', None) or 'numpy'}.{name}"}
    return {"object": type(value).__qualname__}


def _probe(function, x):
    """``function(x)`` broadcast to x's shape, as float64 (None when that fails)."""
    try:
        return np.broadcast_to(np.asarray(function(x.copy()), dtype=np.float64), x.shape).copy()
    except Exception:  # a function not meant for this argument: it identifies nothing
        return None


def same(got, recorded):
    """True when two fingerprints agree (floating-point arrays within RTOL / ATOL)."""
    if isinstance(recorded, dict):
        return (isinstance(got, dict) and got.keys() == recorded.keys()
                and all(same(got[k], recorded[k]) for k in recorded))
    if isinstance(recorded, list):
        return (isinstance(got, list) and len(got) == len(recorded)
                and all(same(g, r) for g, r in zip(got, recorded)))
    if isinstance(recorded, np.ndarray) or isinstance(got, np.ndarray):
        got, recorded = np.asarray(got), np.asarray(recorded)
        if got.shape != recorded.shape or got.dtype.kind != recorded.dtype.kind:
            return False
        if recorded.dtype.kind in "fc":
            return bool(np.allclose(got, recorded, rtol=RTOL, atol=ATOL, equal_nan=True))
        return bool(np.array_equal(got, recorded))
    if isinstance(recorded, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return bool(np.isclose(got, recorded, rtol=RTOL, atol=ATOL))
    return type(got) is type(recorded) and got == recorded


# --- results with their Python types -------------------------------------------------------

def freeze(value):
    """Plain data for a collaborator's result that keeps tuples, NumPy scalars and dataclass
    instances (by class name and fields) apart."""
    if isinstance(value, tuple):
        return {"__tuple__": [freeze(v) for v in value]}
    if isinstance(value, list):
        return [freeze(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[freeze(k), freeze(v)] for k, v in value.items()]}
    if isinstance(value, np.generic):
        return {"__scalar__": value.item(), "dtype": str(value.dtype)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__dataclass__": type(value).__name__,
                "fields": [[f.name, freeze(getattr(value, f.name))] for f in dataclasses.fields(value)]}
    return plain.to_plain(value)


def thaw(value, namespace=None):
    """The result :func:`freeze` stored, as the collaborator returned it; a dataclass instance
    is rebuilt from the class of that name in ``namespace`` (the student module's globals),
    else as a ``types.SimpleNamespace`` with the same fields."""
    again = lambda v: thaw(v, namespace)
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(again(v) for v in value["__tuple__"])
    if isinstance(value, dict) and "__dict__" in value:
        return {again(k): again(v) for k, v in value["__dict__"]}
    if isinstance(value, dict) and "__scalar__" in value:
        return np.dtype(value["dtype"]).type(value["__scalar__"])
    if isinstance(value, dict) and "__dataclass__" in value:
        fields = {name: again(v) for name, v in value["fields"]}
        cls = (namespace or {}).get(value["__dataclass__"])
        try:
            return cls(**fields)
        except Exception:  # not there, or not built from these fields
            return types.SimpleNamespace(**fields)
    if isinstance(value, list):
        return [again(v) for v in value]
    return value.copy() if isinstance(value, np.ndarray) else value


# --- the global generators: compared by digest, restored by counting draws -----------------

def _mt_words(state):
    """(key words, position) of an MT19937 state of Python's ``random`` or NumPy's legacy one."""
    if state[0] == "MT19937":
        return tuple(int(k) for k in state[1]), int(state[2])
    return tuple(state[1][:-1]), state[1][-1]


def _draws_between(before, after, advance):
    """How many 32-bit words take MT19937 state ``before`` to ``after`` (``advance(state, n)``
    returns the state ``n`` words on), or None when it cannot be found within MAX_DRAWS."""
    key_after, pos_after = _mt_words(after)
    state, count = before, 0
    while count <= MAX_DRAWS:
        key, pos = _mt_words(state)
        if key == key_after and pos <= pos_after:
            return count + pos_after - pos
        step = 624 - pos + 1 if pos < 624 else 1  # through the next twist of the key
        state, count = advance(state, step), count + step
    return None


def _advance_python(state, n):
    gen = random.Random()
    gen.setstate(state)
    for _ in range(n):
        gen.getrandbits(32)
    return gen.getstate()


def _advance_numpy(state, n):
    gen = np.random.RandomState()
    gen.set_state(state)
    gen._bit_generator.random_raw(n)  # one 32-bit word per output for MT19937
    return gen.get_state()


GLOBALS = {  # name: (read the state, set it, advance a state by n words)
    "random": (random.getstate, random.setstate, _advance_python),
    "np.random": (np.random.get_state, np.random.set_state, _advance_numpy),
}


def _generators(args):
    """``[(path, Generator)]`` of the NumPy generators among ``args`` (a list of arguments)."""
    return [(i, a) for i, a in enumerate(args) if isinstance(a, np.random.Generator)]


def global_effect(name, before, after):
    """How a call changed a global generator: None, a number of words drawn (then the normal
    cache, which Box-Muller fills, as it was after), or the whole state when uncountable."""
    if digest(before) == digest(after):
        return None
    draws = _draws_between(before, after, GLOBALS[name][2])
    if draws is None:
        return {"state": after}
    extra = list(after[3:]) if name == "np.random" else [after[2]]
    if plain.to_plain(_advance_tail(name, before, draws)) != plain.to_plain(extra):
        return {"draws": draws, "tail": extra}
    return {"draws": draws}


def _advance_tail(name, state, draws):
    advanced = GLOBALS[name][2](state, draws)
    return list(advanced[3:]) if name == "np.random" else [advanced[2]]


def restore_global(name, effect, generator=None):
    """Leave global generator ``name`` as a recorded call left it (see :func:`global_effect`);
    or, given a ``random.Random`` ``generator`` (then ``name`` is ``"random"``), that one."""
    if effect is None:
        return
    get, put, advance = GLOBALS[name]
    if generator is not None:
        get, put = generator.getstate, generator.setstate
    if "state" in effect:
        put(_as_state(name, effect["state"]))
        return
    state = advance(get(), effect["draws"])
    if "tail" in effect:
        tail = tuple(effect["tail"])
        state = state[:3] + tail if name == "np.random" else state[:2] + tail
    put(state)


def _as_state(name, stored):
    """A stored (plain) state back in the form ``random.setstate`` / ``np.random.set_state`` take."""
    if name == "random":
        return (stored[0], tuple(int(w) for w in stored[1]), stored[2])
    return (stored[0], np.asarray(stored[1], dtype=np.uint32), *stored[2:])


# --- recording and replaying calls ---------------------------------------------------------

def arguments_key(args, kwargs, own=frozenset()):
    """``{"args", "kwargs"}`` fingerprinted (``own``: the names of the submission's modules,
    see :func:`fingerprint`)."""
    probes = [np.asarray(a) for a in [*args, *kwargs.values()] if isinstance(a, np.ndarray)]
    return {"args": fingerprint(list(args), probes, own), "kwargs": fingerprint(dict(kwargs), probes, own)}


def call_key(args, kwargs, own=frozenset()):
    """What identifies a call: its arguments and the global generators' states."""
    return {**arguments_key(args, kwargs, own),
            "globals": {name: digest(get()) for name, (get, _, _) in GLOBALS.items()}}


def recorded_call(function, args, kwargs, own=frozenset()):
    """Call ``function`` and return ``(result, record)`` where ``record`` is plain data:
    ``{"key", "result", "effects"}``."""
    key = call_key(args, kwargs, own)
    before = {name: get() for name, (get, _, _) in GLOBALS.items()}
    randoms = [(i, g, g.getstate()) for i, g in enumerate(args) if isinstance(g, random.Random)]
    lists = [(i, a, freeze(a)) for i, a in enumerate(args) if isinstance(a, list)]
    result = function(*args, **kwargs)
    effects = {"generators": [[i, g.bit_generator.state] for i, g in _generators(list(args))],
               "globals": {name: global_effect(name, before[name], GLOBALS[name][0]())
                           for name in GLOBALS},
               # a random.Random passed in: how far the call advanced it
               "randoms": [[i, global_effect("random", state, g.getstate())] for i, g, state in randoms],
               # a list argument changed in place (e.g. shortened): its content afterwards
               "lists": [[i, after] for i, a, was in lists if (after := freeze(a)) != was]}
    return result, {"key": key, "result": freeze(result), "effects": effects}


def replayed_call(record, args, namespace=None):
    """The recorded result of a matching call, with its effects on the generators and on list
    arguments made (``namespace``: where the result's classes are looked up, see :func:`thaw`)."""
    effects = record["effects"]
    for index, state in effects["generators"]:
        args[index].bit_generator.state = state
    for name, effect in effects["globals"].items():
        restore_global(name, effect)
    for index, effect in effects.get("randoms", []):
        restore_global("random", effect, generator=args[index])
    for index, content in effects.get("lists", []):
        args[index][:] = thaw(content, namespace)
    return thaw(record["result"], namespace)


# --- a hidden check's records: sealed by the call itself ----------------------------------

def _secret(key):
    """32 bytes only the exact call (arguments to the last bit) yields."""
    return hashlib.sha256(plain.dumps(key, compact=True).encode()).digest()


def _keystream(secret, n):
    blocks = (hashlib.sha256(secret + i.to_bytes(8, "big")).digest() for i in range((n + 31) // 32))
    return b"".join(blocks)[:n]


def _lock(secret):
    return hashlib.sha256(b"lock" + secret).hexdigest()


def seal(record):
    """A hidden check's record, unreadable without the call it answers: it keeps no arguments,
    and its result and effects open only with the exact arguments of that call. The student
    side of batch grading can read the replay files; a sealed record answers only code that
    has already computed the call's arguments (done the checked exercise's work), and never
    shows a hidden check's inputs or answer otherwise."""
    secret = _secret(record["key"])
    body = plain.dumps({"result": record["result"], "effects": record["effects"]}, compact=True).encode()
    return {"lock": _lock(secret), "sealed": bytes(a ^ b for a, b in zip(body, _keystream(secret, len(body)))).hex()}


def unseal(record, key):
    """The record sealed for a call with ``key``, or None when it is another call's."""
    secret = _secret(key)
    if record["lock"] != _lock(secret):
        return None
    body = bytes.fromhex(record["sealed"])
    return plain.loads(bytes(a ^ b for a, b in zip(body, _keystream(secret, len(body)))).decode())


def comparable(replays):
    """``replays`` with each sealed record as ``"sealed"`` (its bytes follow the arguments' last
    bits, which XLA rounds differently on 1 and 2 CPUs): for comparing recordings."""
    return {check: {f: ["sealed" if "lock" in r else r for r in records] for f, records in calls.items()}
            for check, calls in replays.items()}


def find(records, args, kwargs, own=frozenset()):
    """The first recorded call with the same key as this one (a sealed record: the exact same
    key), else None."""
    key = call_key(args, kwargs, own)
    for record in records:
        if "lock" in record:
            opened = unseal(record, plain.loads(plain.dumps(key)))
            if opened is not None:
                return opened
        elif same(key, record["key"]):
            return record
    return None


# --- standing in for the student's functions during one check ------------------------------

_recording = []  # the active recorder: [{check id: {function: [records]}}] while ``expect`` runs
_tables = {}     # {path: {check key: {function: [records]}}}, read once per process


@contextlib.contextmanager
def recording(into):
    """Record the calls of replayed functions into ``into`` (``{check: {function: [records]}}``,
    by check) while the reference solution runs the checks in the block."""
    _recording.append(into)
    try:
        yield into
    finally:
        _recording.pop()


def stored_of(check_module_name):
    """``{check key: {function: [records]}}`` stored for a check module ({} when nothing is)."""
    path = replay_path(check_module_name)
    if path not in _tables:
        _tables[path] = plain.loads(path.read_text()) if path.is_file() else {}
    return _tables[path]


def stored(check):
    """``{function: [records]}`` stored for ``check`` ({} when nothing is)."""
    return stored_of(check.defined_in).get(check.expectation_key, {})


def forget_stored():
    """Read the replay files again on next use (after ``expect`` rewrote them)."""
    _tables.clear()


def _owner(modules, name):
    """The student module that defines ``name``, or None."""
    return next((m for m in modules.values() if isinstance(getattr(m, name, None), types.FunctionType)), None)


def _standing_in_for(function, stand_in):
    """``stand_in`` dressed as ``function`` (name, docstring, signature: e.g. ``tl.Fn`` reads it)."""
    stand_in = functools.wraps(function)(stand_in)
    stand_in.__signature__ = inspect.signature(function)
    return stand_in


def _recorder(function, records, own, hidden):
    def stand_in(*args, **kwargs):
        with untraced():  # the collaborator will not run when grading: its calls are not the check's
            result, record = recorded_call(function, args, kwargs, own)
        records.append(seal(plain.loads(plain.dumps(record))) if hidden else record)
        return result
    return _standing_in_for(function, stand_in)


def _replayer(function, records, own, hidden):
    def stand_in(*args, **kwargs):
        record = find(records, args, kwargs, own)
        if record is None:  # a call the reference never made: the student's own function answers
            return function(*args, **kwargs)
        return replayed_call(record, list(args), function.__globals__)
    return _standing_in_for(function, stand_in)


@contextlib.contextmanager
def standing_in(check, modules):
    """During the block, the functions ``check.replay`` names (in the student ``modules``,
    ``{name: module}``) are recorded (inside :func:`recording`) or replayed."""
    if not check.replay:
        yield
        return
    table = (_recording[-1].setdefault(check.expectation_key, {}) if _recording
             else stored(check))
    make = _recorder if _recording else _replayer
    patches = []
    for name in check.replay:
        owner = _owner(modules, name)
        if owner is None:
            continue  # missing in the submission: the check reports it when it calls it
        records = table.setdefault(name, []) if _recording else table.get(name, [])
        patches.append((owner, name, make(getattr(owner, name), records, frozenset(modules), check.hidden)))
    with substituted(patches):
        yield
