"""The feedback benchmark reads a held-out set of mistakes as the catalogue is read."""
import json

from benchmarks.feedback_precision import load_mutants


def test_a_mistake_in_a_helper_counts_for_the_exercise_that_owns_it(tmp_path):
    """A set written without the grader names the function it edits; a helper such as
    ``nsp_loss`` belongs to the graded exercise ``pretraining_loss``, a class to itself."""
    path = tmp_path / "set.json"
    edit = [["old", "new"]]
    path.write_text(json.dumps([
        {"name": "sum", "exercise": "nsp_loss", "kind": "slip", "why": "", "edits": edit},
        {"name": "bias", "exercise": "TiedOutput", "kind": "slip", "why": "", "edits": edit},
        {"name": "pooler", "exercise": "Pooler", "kind": "slip", "why": "", "edits": edit}]))
    mistakes = load_mutants(path, "a3_bert")
    assert [m.exercise for m in mistakes] == ["pretraining_loss", "MLMHead", "Pooler"]
    assert [m.edits for m in mistakes] == [(("old", "new"),)] * 3 and not any(m.hint for m in mistakes)
