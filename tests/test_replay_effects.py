"""Replay of collaborators that act on their arguments (grader/replay.py), as assignment 3's
pipeline does: a ``random.Random`` passed in is left as the reference's call left it, a list
shortened in place is shortened the same way, and a dataclass result comes back as the
submission's own class."""
import random

from grader import replay
from grader.api import Assignment
from grader.runner import Status, run_student_side
from test_replay import module

REFERENCE = '''
from dataclasses import dataclass

@dataclass
class Pair:
    a: list
    b: list

def shorten(a, b, limit, rng):
    while len(a) + len(b) > limit:
        longer = a if len(a) > len(b) else b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()

def pairs(docs, limit, rng):
    out = []
    for doc in docs:
        a, b = list(doc[0]), list(doc[1])
        shorten(a, b, limit, rng)
        out.append(Pair(a, b))
    return out

def batches(groups, limit, rng):
    return [pairs(docs, limit, rng) for docs in groups]
'''
BROKEN = REFERENCE.replace("if rng.random() < 0.5:", "if rng.random() < 0.5 and False:").replace(
    "longer = a if len(a) > len(b) else b", "longer = b if len(a) > len(b) else a")


def the_check():
    spec = Assignment("t", module="student", title="t", exercises=["shorten", "pairs"])

    @spec.check("pairs", replay=["shorten"])
    def pairs_check(mod):
        "pairs"
        rng = random.Random(4)
        out = mod.pairs([[list(range(9)), list(range(50, 54))], [list(range(3)), list(range(60, 70))]], 7, rng)
        return {"pairs": [[p.a, p.b] for p in out], "classes": sorted({type(p).__name__ for p in out}),
                "after": rng.random()}
    return spec.checks()[0]


def test_a_replay_shortens_list_arguments_and_advances_the_rng_as_the_reference(tmp_path, monkeypatch):
    check, table = the_check(), {}
    with replay.recording(table):
        reference = run_student_side(check, module(tmp_path, "ref", REFERENCE), roots=[tmp_path])
    records = table[check.expectation_key]["shorten"]
    assert reference.status == Status.DATA and len(records) == 2
    assert all(r["effects"]["randoms"][0][1] for r in records)  # each call drew from the rng
    monkeypatch.setattr(replay, "stored", lambda c: table[check.expectation_key])
    broken = module(tmp_path, "broken", BROKEN)
    got = run_student_side(check, broken, roots=[tmp_path])
    assert got.status == Status.DATA and got.value == reference.value
    assert got.value["classes"] == ["Pair"]
    monkeypatch.setattr(replay, "stored", lambda c: {})  # without the replay the mistake shows
    assert run_student_side(check, broken, roots=[tmp_path]).value != reference.value


def test_a_replayed_dataclass_result_is_an_instance_of_the_submissions_class(tmp_path, monkeypatch):
    spec = Assignment("t", module="student", title="t", exercises=["pairs", "batches"])

    @spec.check("batches", replay=["pairs"])
    def batches_check(mod):
        "batches"
        out = mod.batches([[[[1, 2, 3], [4, 5]]], [[[6], [7, 8, 9, 10]]]], 3, random.Random(2))
        return [[[type(p).__module__, p.a, p.b] for p in group] for group in out]
    check, table = spec.checks()[0], {}
    with replay.recording(table):
        reference = run_student_side(check, module(tmp_path, "ref", REFERENCE), roots=[tmp_path])
    monkeypatch.setattr(replay, "stored", lambda c: table[check.expectation_key])
    broken = BROKEN.replace("out.append(Pair(a, b))", "out.append(Pair(b, a))")
    got = run_student_side(check, module(tmp_path, "broken", broken), roots=[tmp_path])
    assert reference.status == got.status == Status.DATA and got.value == reference.value
    assert got.value[0][0][0] == "student"
