"""Build, execute and write course notebooks: nbformat 4.5 with fixed cell ids.

Execution mirrors a student's "Restart and Run All" in Jupyter: a fresh kernel runs the code
cells top to bottom and stops at the first error, leaving the cells after it unexecuted.
"""
from __future__ import annotations

import copy
import os
import re
import shutil
import tempfile
import textwrap
import time
from dataclasses import dataclass

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ANSWER_PLACEHOLDER = "*your answer here*"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
CELL_TIMEOUT_S = 120
PROBE_ATTEMPTS = 3
# ipykernel names the files of cell code /tmp/ipykernel_<pid>/<hash>.py, and warnings and
# tracebacks quote that path: pin the pid so a re-run writes the same bytes.
KERNEL_PID_PATH = re.compile(r"ipykernel_\d+")
PINNED_KERNEL_PID_PATH = "ipykernel_4242"


@dataclass(frozen=True)
class Cell:
    id: str
    kind: str  # "markdown" or "code"
    source: str


def tidy(source: str) -> str:
    """A triple-quoted source, dedented and without its first and last newline."""
    return textwrap.dedent(source).strip("\n")


def md(cell_id: str, source: str) -> Cell:
    return Cell(cell_id, "markdown", tidy(source))


def code(cell_id: str, source: str) -> Cell:
    return Cell(cell_id, "code", tidy(source))


def new_notebook(cells: list[Cell]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.cells = [new_cell(cell) for cell in cells]
    return nb


def new_cell(cell: Cell) -> nbformat.NotebookNode:
    if cell.kind == "markdown":
        return nbformat.v4.new_markdown_cell(cell.source, id=cell.id)
    if cell.kind == "code":
        return nbformat.v4.new_code_cell(cell.source, id=cell.id)
    raise ValueError(f"cell {cell.id}: unknown kind {cell.kind!r}")


def cell_by_id(nb: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.get("id") == cell_id:
            return cell
    raise KeyError(f"no cell with id {cell_id!r}")


def clear_outputs(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None


@dataclass
class RunResult:
    """How a Run All went, plus what the self-check cell printed (never stored)."""

    error_cell: str | None
    stopped_before: str | None
    probe_stdout: str | None

    @property
    def clean(self) -> bool:
        return self.error_cell is None and self.stopped_before is None


def run_all(
    nb: nbformat.NotebookNode,
    *,
    stop_before: str | None = None,
    probe_source: str | None = None,
    private_tmpdir: bool = False,
) -> RunResult:
    """Runs the notebook in place in a fresh kernel, in a scratch working directory.

    stop_before: a cell id where the run stops without executing it (a cell that never
    finishes). probe_source: code run in the same kernel after the notebook, whose stdout is
    returned; its cell is removed again. private_tmpdir: point TMPDIR at the scratch folder,
    for notebooks that write files into the temp folder.
    """
    workdir = tempfile.mkdtemp(prefix="make-notebooks-")
    env = dict(os.environ)
    if private_tmpdir:
        env["TMPDIR"] = workdir
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        allow_errors=False,
        record_timing=False,
        resources={"metadata": {"path": workdir}},
    )
    error_cell = None
    stopped_before = None
    probe_stdout = None
    try:
        with client.setup_kernel(env=env):
            info = client.wait_for_reply(client.kc.kernel_info())
            nb.metadata["language_info"] = info["content"]["language_info"]
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                if cell.get("id") == stop_before:
                    stopped_before = stop_before
                    break
                try:
                    client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
                except CellExecutionError:
                    error_cell = cell.get("id")
                    break
            if probe_source is not None:
                probe_stdout = _run_probe(client, nb, probe_source)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    _pin_kernel_paths(nb)
    return RunResult(error_cell, stopped_before, probe_stdout)


def _run_probe(client: NotebookClient, nb: nbformat.NotebookNode, source: str) -> str:
    """Runs source after the notebook and returns its stdout; the cell is not kept."""
    probe = nbformat.v4.new_code_cell(source, id="self-check-probe")
    nb.cells.append(probe)
    try:
        # After an error the kernel aborts requests that arrive in the next moment: retry.
        for _ in range(PROBE_ATTEMPTS):
            client.execute_cell(probe, len(nb.cells) - 1)
            text = "".join(out.get("text", "") for out in probe.outputs if out.output_type == "stream" and out.name == "stdout")
            if text:
                return text
            time.sleep(0.5)
        return ""
    finally:
        nb.cells.pop()


def _pin_kernel_paths(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            if out.output_type == "stream":
                out.text = KERNEL_PID_PATH.sub(PINNED_KERNEL_PID_PATH, out.text)
            elif out.output_type == "error":
                out.traceback = [KERNEL_PID_PATH.sub(PINNED_KERNEL_PID_PATH, line) for line in out.traceback]
                out.evalue = KERNEL_PID_PATH.sub(PINNED_KERNEL_PID_PATH, out.evalue)


def copy_outputs(source: nbformat.NotebookNode, target: nbformat.NotebookNode) -> None:
    """Gives target's code cells the outputs and counts of source's cells with the same id."""
    by_id = {cell.get("id"): cell for cell in source.cells}
    for cell in target.cells:
        if cell.cell_type != "code":
            continue
        origin = by_id[cell.get("id")]
        cell.outputs = copy.deepcopy(origin.outputs)
        cell.execution_count = origin.execution_count
    target.metadata = copy.deepcopy(source.metadata)


def to_bytes(nb: nbformat.NotebookNode) -> bytes:
    nbformat.validate(nb)
    text = nbformat.writes(nb, version=4)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")
