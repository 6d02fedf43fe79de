"""The generator's own check that every example earns the statuses its expected.json promises.

A probe cell, run in the example's kernel after its cells (and never stored), calls the
student functions on the cases of the assignment; the results are judged here against float64
NumPy references. The static checks (narrative, placeholders, execution) are simple stand-ins
for the engine's, strict enough that a promised status cannot be an accident.
"""
from __future__ import annotations

import json
import re
from typing import Callable

import nbformat
import numpy as np

from nbkit import ANSWER_PLACEHOLDER, RunResult
from spec import Assignment, Case, Example

PROBE_MARKER = "@@SELF-CHECK@@"
# Tolerances a float32 computation meets: the course accepts float32 answers.
RTOL = 1e-4
ATOL = 1e-6
# Chi-square critical values at significance 0.001, by degrees of freedom.
CHI2_CRITICAL_0_001 = {5: 20.515}

PROBE_TEMPLATE = '''\
import json as _json
import numpy as _np
_CALLS = _json.loads({calls!r})
_TENSORS = {tensors!r}

def _arg(kind, value):
    if kind == "scalar":
        return value
    array = _np.array(value, dtype=_np.float64 if kind == "float" else _np.int64)
    if _TENSORS:
        import torch as _torch
        return _torch.from_numpy(array)
    return array

_results = []
for _call in _CALLS:
    try:
        _out = globals()[_call["fn"]](*[_arg(kind, value) for kind, value in _call["args"]])
        if hasattr(_out, "detach"):
            _out = _out.detach().cpu().numpy()
        _results.append({{"ok": True, "value": _np.asarray(_out, dtype=_np.float64).tolist()}})
    except Exception as _error:
        _results.append({{"ok": False, "error": type(_error).__name__ + ": " + str(_error)}})
print({marker!r} + _json.dumps(_results))
'''


def probe_source(assignment: Assignment) -> str:
    calls = [{"fn": case.fn, "args": [arg.to_json() for arg in case.args]} for case in assignment.cases]
    return PROBE_TEMPLATE.format(calls=json.dumps(calls), tensors=assignment.tensor_inputs, marker=PROBE_MARKER)


# --- judges ---------------------------------------------------------------------------------


def close(expected) -> Callable[[np.ndarray], bool]:
    expected = np.asarray(expected, dtype=np.float64)

    def judge(value: np.ndarray) -> bool:
        return value.shape == expected.shape and bool(np.all(np.isfinite(value))) and np.allclose(value, expected, rtol=RTOL, atol=ATOL)

    return judge


def distribution(expected) -> Callable[[np.ndarray], bool]:
    """Finite, rows summing to 1, and equal to the reference."""
    agree = close(expected)

    def judge(value: np.ndarray) -> bool:
        return agree(value) and np.allclose(value.sum(axis=-1), 1.0, atol=ATOL)

    return judge


def exact_indices(expected) -> Callable[[np.ndarray], bool]:
    expected = np.asarray(expected, dtype=np.int64)

    def judge(value: np.ndarray) -> bool:
        return value.shape == expected.shape and bool(np.all(value == expected))

    return judge


def chi_square(probabilities, n: int) -> Callable[[np.ndarray], bool]:
    """n draws whose counts fit the probabilities (chi-square test at significance 0.001)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    critical = CHI2_CRITICAL_0_001[len(probabilities) - 1]
    if np.min(probabilities) * n < 5:
        raise ValueError("chi-square case needs at least 5 expected draws per token")

    def judge(value: np.ndarray) -> bool:
        if value.shape != (n,) or not np.all(value == np.round(value)):
            return False
        if np.min(value) < 0 or np.max(value) >= len(probabilities):
            return False
        counts = np.bincount(value.astype(np.int64), minlength=len(probabilities))
        expected = probabilities * n
        return float(np.sum((counts - expected) ** 2 / expected)) < critical

    return judge


# --- statuses -------------------------------------------------------------------------------


def function_outcomes(assignment: Assignment, run: RunResult) -> dict[str, list[bool]]:
    """Per function check, whether each of its cases passed."""
    if run.probe_stdout is None or PROBE_MARKER not in run.probe_stdout:
        raise AssertionError(f"{assignment.id}: the self-check probe printed nothing")
    payload = run.probe_stdout.split(PROBE_MARKER, 1)[1].strip()
    results = json.loads(payload)
    outcomes: dict[str, list[bool]] = {}
    for case, result in zip(assignment.cases, results, strict=True):
        ok = bool(result["ok"]) and _judged(case, result["value"])
        outcomes.setdefault(case.check, []).append(ok)
    return outcomes


def _judged(case: Case, value) -> bool:
    try:
        return case.judge(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError):
        return False


def status_of(outcomes: list[bool]) -> str:
    if all(outcomes):
        return "passed"
    if not any(outcomes):
        return "failed"
    return "partial"


_ELLIPSIS_VALUE = re.compile(r"(?<![\w\[\].])\.\.\.(?![\w\]])")
_YOUR_CODE_HERE = re.compile(r"#\s*your code here", re.IGNORECASE)


def placeholder_cells(nb: nbformat.NotebookNode) -> list[str]:
    """Ids of code cells with a code placeholder left in."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        code_lines = [line.split("#", 1)[0] for line in lines]
        marker_at = [i for i, line in enumerate(lines) if _YOUR_CODE_HERE.search(line)]
        # A marker counts when no real code follows it (the course leaves markers above answers).
        marker_left = any(not any(c.strip() and c.strip() != "pass" for c in code_lines[i + 1:]) for i in marker_at)
        ellipsis = any(_ELLIPSIS_VALUE.search(c) for c in code_lines)
        other = any(re.search(r"NotImplementedError|\bFIXME\b|\bXXX\b", line) for line in lines)
        if marker_left or ellipsis or other:
            found.append(cell.get("id"))
    return found


def narrative_status(assignment: Assignment, nb: nbformat.NotebookNode) -> str:
    answers = {cell.get("id"): cell for cell in nb.cells if cell.cell_type == "markdown"}
    ids = assignment.answer_ids()
    left = [i for i in ids if answers.get(i) is not None and answers[i].source.strip() == ANSWER_PLACEHOLDER]
    if len(left) == len(ids):
        return "failed"
    good = all(
        i in answers
        and answers[i].source.startswith("**Answer**:")
        and ANSWER_PLACEHOLDER not in answers[i].source
        and len(answers[i].source.split()) >= 8
        for i in ids
    )
    return "passed" if good and longest_code_run(nb) <= 4 else "partial"


def longest_code_run(nb: nbformat.NotebookNode) -> int:
    longest = run = 0
    for cell in nb.cells:
        run = run + 1 if cell.cell_type == "code" and cell.source.strip() else (run if cell.cell_type == "code" else 0)
        longest = max(longest, run)
    return longest


def execution_status(nb: nbformat.NotebookNode, run: RunResult) -> str:
    if not run.clean:
        return "failed"
    counts = [cell.execution_count for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]
    increasing = all(c is not None for c in counts) and counts == sorted(counts) and len(set(counts)) == len(counts)
    return "passed" if increasing and not errors else "failed"


def seed_mentions(assignment: Assignment, nb: nbformat.NotebookNode) -> list[str]:
    found = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for seed in assignment.seeds:
            if re.search(rf"(?<![\w.,])0*{seed}(?![\w]|[.,]\d)", cell.source):
                found.append(f"{cell.get('id')}: {seed}")
    return found


def verify_example(assignment: Assignment, example: Example, nb: nbformat.NotebookNode, run: RunResult, starter_placeholders: list[str]) -> None:
    """Raises AssertionError when the example would not earn a status it promises."""
    outcomes = function_outcomes(assignment, run)
    actual: dict[str, str] = {check: status_of(results) for check, results in outcomes.items()}
    actual["execution"] = execution_status(nb, run)
    actual["narrative"] = narrative_status(assignment, nb)
    left = placeholder_cells(nb)
    actual["placeholders"] = "passed" if not left else ("failed" if set(starter_placeholders) <= set(left) else "partial")
    where = f"{assignment.id}/{example.file}"
    for check, promised in example.checks.items():
        if check not in assignment.check_ids:
            raise AssertionError(f"{where}: unknown check {check}")
        if actual[check] != promised:
            detail = outcomes.get(check, "")
            raise AssertionError(f"{where}: {check} promised {promised}, self-check got {actual[check]} {detail}")
    mentions = seed_mentions(assignment, nb)
    if mentions:
        raise AssertionError(f"{where}: seed value in Markdown: {mentions}")
