#!/usr/bin/python3
"""Generates the notebooks of the unit assignments: graders/<id>/starter.ipynb and the example
submissions graders/<id>/examples/*.ipynb with examples/expected.json.

    /usr/bin/python3 graders/tools/make_notebooks.py            # write the files
    /usr/bin/python3 graders/tools/make_notebooks.py --check    # exit 1 if a file would change
    /usr/bin/python3 graders/tools/make_notebooks.py u06-heads  # only some assignments

Needs the Debian interpreter (nbformat, nbclient, ipykernel, numpy, torch). The starter is
the instructor's solution run once, with the stubs put back: its outputs are stale on purpose,
as in the course's starters. Each example is the starter with cells edited, run top to bottom
in a fresh kernel; a probe run after it in the same kernel checks that the example earns the
statuses expected.json promises. The output is byte-for-byte the same on every run.
"""
from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the repository

import argparse
import copy
import json
import time
from pathlib import Path

import nbformat

import nbkit
import selfcheck
from assignments import u05_softmax, u06_heads, u07_embeddings, u08_sampling
from spec import STARTER_UNCHANGED, Assignment, Example

GRADERS = Path(__file__).resolve().parent.parent
ASSIGNMENTS = [u05_softmax.assignment, u06_heads.assignment, u07_embeddings.assignment, u08_sampling.assignment]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def generate(assignment: Assignment) -> dict[str, bytes]:
    """The assignment's files, by path relative to graders/<id>/."""
    files: dict[str, bytes] = {}
    probe = selfcheck.probe_source(assignment)

    stubs = nbkit.new_notebook(assignment.cells)
    solution = with_code(stubs, assignment.solution)
    run = nbkit.run_all(solution)
    if not run.clean:
        raise AssertionError(f"{assignment.id}: the solution does not run cleanly (stopped at {run.error_cell})")
    starter = copy.deepcopy(stubs)
    nbkit.copy_outputs(solution, starter)
    files["starter.ipynb"] = nbkit.to_bytes(starter)
    starter_placeholders = selfcheck.placeholder_cells(starter)
    if set(starter_placeholders) != set(assignment.solution):
        raise AssertionError(f"{assignment.id}: placeholders in {starter_placeholders}, stubs are {sorted(assignment.solution)}")

    expected: dict[str, dict] = {}
    for example in assignment.examples:
        started = time.monotonic()
        if example.file == STARTER_UNCHANGED:
            content = files["starter.ipynb"]
            checked = nbformat.reads(content.decode("utf-8"), as_version=4)
            nbkit.clear_outputs(checked)
            run = nbkit.run_all(checked, probe_source=probe)
        else:
            checked = derive(starter, assignment, example)
            run = nbkit.run_all(checked, stop_before=example.stop_before, probe_source=probe, private_tmpdir=example.private_tmpdir)
            content = nbkit.to_bytes(checked)
        if example.file == "correct.ipynb" and not run.clean:
            raise AssertionError(f"{assignment.id}: correct.ipynb stopped at {run.error_cell}")
        selfcheck.verify_example(assignment, example, checked, run, starter_placeholders)
        files[f"examples/{example.file}"] = content
        expected[example.file] = expected_entry(example)
        log(f"  {assignment.id}/{example.file}: {time.monotonic() - started:.1f}s")
    files["examples/expected.json"] = (json.dumps(expected, indent=2) + "\n").encode("utf-8")
    return files


def with_code(nb: nbformat.NotebookNode, sources: dict[str, str]) -> nbformat.NotebookNode:
    result = copy.deepcopy(nb)
    for cell_id, source in sources.items():
        cell = nbkit.cell_by_id(result, cell_id)
        if cell.cell_type != "code":
            raise AssertionError(f"cell {cell_id} is not a code cell")
        cell.source = source
    return result


def derive(starter: nbformat.NotebookNode, assignment: Assignment, example: Example) -> nbformat.NotebookNode:
    """The starter as the student edited it, outputs cleared for a fresh run."""
    nb = with_code(starter, {**assignment.solution, **example.code})
    for cell_id, text in (example.answers or {}).items():
        cell = nbkit.cell_by_id(nb, cell_id)
        if cell.cell_type != "markdown" or cell.source != nbkit.ANSWER_PLACEHOLDER:
            raise AssertionError(f"{example.file}: {cell_id} is not an answer cell")
        cell.source = text
    for after_id, new in example.insert_after:
        index = nb.cells.index(nbkit.cell_by_id(nb, after_id))
        nb.cells.insert(index + 1, nbkit.new_cell(new))
    kept = [c.get("id") for c in nb.cells if c.get("id") in {s.get("id") for s in starter.cells}]
    if kept != [c.get("id") for c in starter.cells]:
        raise AssertionError(f"{example.file}: the starter's cells must all stay, in order")
    nbkit.clear_outputs(nb)
    return nb


def expected_entry(example: Example) -> dict:
    entry: dict = {"description": example.description, "checks": example.checks}
    if example.min_score_fraction is not None:
        entry["minScoreFraction"] = example.min_score_fraction
    if example.max_score_fraction is not None:
        entry["maxScoreFraction"] = example.max_score_fraction
    return entry


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ids", nargs="*", help="assignment ids (default: all)")
    parser.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    args = parser.parse_args()
    selected = [make() for make in ASSIGNMENTS]
    unknown = set(args.ids) - {a.id for a in selected}
    if unknown:
        parser.error(f"unknown assignment ids: {', '.join(sorted(unknown))}")
    if args.ids:
        selected = [a for a in selected if a.id in args.ids]

    differing: list[str] = []
    for assignment in selected:
        log(f"{assignment.id}:")
        for relative, content in generate(assignment).items():
            path = GRADERS / assignment.id / relative
            if args.check:
                if not path.exists() or path.read_bytes() != content:
                    differing.append(str(path.relative_to(GRADERS.parent)))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
    if differing:
        log("would change:\n  " + "\n  ".join(differing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
