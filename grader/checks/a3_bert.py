"""Public checks for assignment 3 (BERT pretraining), declared part by part in
:mod:`grader.checks.bert`: this module loads the parts in lesson order."""
from grader.checks.bert import ASSIGNMENT  # noqa: F401  (the registry reads it here)
from grader.checks.bert import masking, instances, model, training  # noqa: F401  (declare the checks)
