"""What an assignment's notebooks are made of: starter cells, solution code, example submissions
and the cases the generator's self-check calls the functions on."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import yaml

from nbkit import ANSWER_PLACEHOLDER, Cell

GRADERS = Path(__file__).resolve().parent.parent
NOTEBOOK_CHECKS = ("narrative", "placeholders", "execution")


def spec_check_ids(assignment_id: str) -> list[str]:
    """The check ids of graders/<id>/assignment.yaml, in order, by the rules of src/assignments/metadata.ts:
    the notebook checks it gives points, then per function `<fn>.reference` (and `<fn>.stability`),
    and for another kind its `id`, else `<function>.<kind>`, else the kind."""
    spec = yaml.safe_load((GRADERS / assignment_id / "assignment.yaml").read_text(encoding="utf-8"))
    ids = [name for name in NOTEBOOK_CHECKS if name in (spec.get("notebook") or {})]
    for entry in spec.get("checks") or []:
        kind = entry.get("kind", "function")
        if kind == "function":
            ids.append(f"{entry['function']}.reference")
            if "stability" in entry:
                ids.append(f"{entry['function']}.stability")
        else:
            ids.append(entry.get("id") or (f"{entry['function']}.{kind}" if "function" in entry else kind))
    return ids

STARTER_UNCHANGED = "starter-unchanged.ipynb"


@dataclass(frozen=True)
class Arg:
    """One argument of a probe call: a float64 or int64 array, or a plain Python scalar."""

    kind: str  # "float", "int" or "scalar"
    value: object

    def to_json(self) -> list:
        value = np.asarray(self.value).tolist() if self.kind in ("float", "int") else self.value
        return [self.kind, value]


@dataclass(frozen=True)
class Case:
    """One call of a student function and how to judge what it returned (as a float64 array)."""

    check: str
    fn: str
    args: tuple[Arg, ...]
    judge: Callable[[np.ndarray], bool]


@dataclass
class Example:
    file: str
    description: str
    # Check id -> "passed" | "partial" | "failed": only the statuses the example is certain to get.
    checks: dict[str, str]
    # Cell id -> source, applied over the solution's code (the starter's stubs are replaced by it).
    code: dict[str, str] = field(default_factory=dict)
    # Answer cell id -> Markdown; None leaves the starter's placeholders.
    answers: dict[str, str] | None = None
    # New cells (after which existing cell id), for submissions that add cells.
    insert_after: tuple[tuple[str, Cell], ...] = ()
    # A cell that never finishes: the stored run stops before it, as a student's interrupted run.
    stop_before: str | None = None
    # The notebook writes into the temp folder: give its kernel a private one.
    private_tmpdir: bool = False
    min_score_fraction: float | None = None
    max_score_fraction: float | None = None


@dataclass
class Assignment:
    id: str
    # The course's u05 notebooks hand functions PyTorch tensors; the later units NumPy arrays.
    tensor_inputs: bool
    cells: list[Cell]
    solution: dict[str, str]
    check_ids: list[str]
    cases: list[Case]
    # Seed values set in code; none may appear in any Markdown cell.
    seeds: list[str]
    examples: list[Example]

    def answer_ids(self) -> list[str]:
        return [cell.id for cell in self.cells if cell.kind == "markdown" and cell.source == ANSWER_PLACEHOLDER]
