#!/usr/bin/python3
"""Writes u05-classifier's data, starter and examples (run from anywhere, Debian's python3):

    /usr/bin/python3 graders/u05-classifier/make_notebooks.py

- spiral_train.csv  the training split students get with the starter (x0, x1, label)
- hidden/spiral_test.csv  the hidden test split; only its inputs ever enter the sandbox
- starter.ipynb  the solution run once with its answers put back to placeholders (stale outputs, as the course's starters)
- examples/*.ipynb  the solution with cells edited, each run top to bottom in a fresh kernel

The spiral is the classic 3-arm one (CS231n): a linear classifier cannot separate it, a small MLP can.
"""
from __future__ import annotations

import copy
import csv
import io
import shutil
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True
import nbformat
import numpy as np
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
TRAIN_SEED, TEST_SEED = 5_2021, 5_2022
PER_CLASS_TRAIN, PER_CLASS_TEST = 100, 200
NOISE = 0.2


def spiral(seed: int, per_class: int, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for k in range(classes):
        r = np.linspace(0.05, 1.0, per_class)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, per_class) + rng.normal(0.0, NOISE, per_class)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(per_class, k))
    x, y = np.concatenate(xs), np.concatenate(ys)
    order = rng.permutation(len(y))
    return x[order].round(4), y[order]


def write_csv(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\n')
    w.writerow(['x0', 'x1', 'label'])
    for (a, b), label in zip(x, y):
        w.writerow([f'{a:.4f}', f'{b:.4f}', int(label)])
    path.write_text(out.getvalue())


def md(cell_id, text):
    return nbformat.v4.new_markdown_cell(text.strip('\n'), id=cell_id)


def code(cell_id, text):
    return nbformat.v4.new_code_cell(text.strip('\n'), id=cell_id)


SETUP = '''
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

torch.manual_seed(0)
data = np.loadtxt('spiral_train.csv', delimiter=',', skiprows=1)
x_all = torch.tensor(data[:, :2], dtype=torch.float32)
y_all = torch.tensor(data[:, 2], dtype=torch.int64)
# The last 60 points are held out for validation.
x_train, y_train = x_all[:240], y_all[:240]
x_valid, y_valid = x_all[240:], y_all[240:]
print(x_train.shape, x_valid.shape)
'''

TRAIN = '''
def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()

def train(model, epochs, lr):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        loss = F.cross_entropy(model(x_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (epoch + 1) % (epochs // 4) == 0:
            print(f"Epoch {epoch + 1:4d}: loss={loss.item():.3f}, valid accuracy {accuracy(model, x_valid, y_valid):.3f}")
'''

LOGREG = '''
logreg = nn.Linear(2, 3)
train(logreg, epochs=200, lr=0.1)
'''
LOGREG_STUB = '''
# logreg = ...
logreg = ...
train(logreg, epochs=200, lr=0.1)
'''
MLP = '''
mlp = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 3))
train(mlp, epochs=400, lr=0.02)
'''
MLP_STUB = '''
# mlp = ...
mlp = ...
train(mlp, epochs=400, lr=0.02)
'''

def cells(answers: dict[str, str], logreg: str = LOGREG, mlp: str = MLP, extra: list | None = None):
    out = [
        md('intro', '''
# Unit 5: logistic regression and an MLP on the spiral

Three classes of points wind around each other in a spiral. `spiral_train.csv` holds 300 labelled
points (columns `x0`, `x1`, `label`). You will train two PyTorch models on them, `logreg` and `mlp`,
each mapping a `(n, 2)` float32 tensor to `(n, 3)` logits. The grader evaluates both on points it
keeps hidden.
'''),
        code('setup', SETUP),
        md('train-md', '''
The training loop is given: full-batch Adam on `F.cross_entropy`, printing the validation accuracy as it goes.
'''),
        code('train', TRAIN),
        md('logreg-task', '''
**Task**: logistic regression is a single linear layer from the 2 inputs to the 3 class logits. Define it as `logreg` and train it.
'''),
        code('logreg', logreg),
        md('mlp-task', '''
**Task**: an MLP with one hidden layer of 64 ReLU units. Define it as `mlp` and train it.
'''),
        code('mlp', mlp),
        md('q-logreg', '''
**Question**: What accuracy does logistic regression reach on the validation split? Why can a linear model not do better on this data?
'''),
        md('a-logreg', answers['a-logreg']),
        md('q-mlp', '''
**Question**: What accuracy does the MLP reach on the validation split? What does the hidden layer add?
'''),
        md('a-mlp', answers['a-mlp']),
        md('q-why', '''
**Question**: How would the accuracies change with twice as much training data, and why?
'''),
        md('a-why', answers['a-why']),
    ]
    return out + (extra or [])


PLACEHOLDERS = {'a-logreg': '*your answer here*', 'a-mlp': '*your answer here*', 'a-why': '*your answer here*'}


def notebook(cell_list):
    nb = nbformat.v4.new_notebook()
    nb.metadata['kernelspec'] = {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}
    nb.cells = cell_list
    return nb


def run(nb, allow_errors=False):
    workdir = tempfile.mkdtemp(prefix='u05-classifier-')
    shutil.copy(HERE / 'spiral_train.csv', workdir)
    try:
        client = NotebookClient(nb, kernel_name='python3', timeout=120, allow_errors=allow_errors,
                                record_timing=False, resources={'metadata': {'path': workdir}})
        client.execute()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    nb.metadata.pop('widgets', None)
    return nb


def valid_accuracy(nb, cell_id):
    for cell in nb.cells:
        if cell.get('id') == cell_id:
            text = ''.join(o.get('text', '') for o in cell.outputs if o.output_type == 'stream')
            return float(text.strip().split('\n')[-1].rsplit(' ', 1)[-1])
    raise KeyError(cell_id)


def write(nb, path: Path):
    path.write_text(nbformat.writes(nb) + '\n')


def main():
    x, y = spiral(TRAIN_SEED, PER_CLASS_TRAIN)
    write_csv(HERE / 'spiral_train.csv', x, y)
    x, y = spiral(TEST_SEED, PER_CLASS_TEST)
    write_csv(HERE / 'hidden' / 'spiral_test.csv', x, y)

    # The solution, run once: its printed validation accuracies go into its answers.
    probe = run(notebook(cells(PLACEHOLDERS)))
    lr_acc, mlp_acc = valid_accuracy(probe, 'logreg'), valid_accuracy(probe, 'mlp')
    print(f'solution: logreg valid {lr_acc:.3f}, mlp valid {mlp_acc:.3f}', file=sys.stderr)
    honest = {
        'a-logreg': f'**accuracy**: logistic regression reaches an accuracy of {100 * lr_acc:.0f}% on the validation split. '
                    'Its decision boundaries are straight lines, and no straight line separates arms that wind around each other.',
        'a-mlp': f'**accuracy**: the MLP reaches an accuracy of {100 * mlp_acc:.0f}% on the validation split. '
                 'The hidden ReLU layer bends the boundaries piece by piece, so they can follow the arms.',
        'a-why': '**Answer**: logistic regression would stay where it is: its limit is the straight boundary, not the data. '
                 'The MLP would gain a little where the arms are closest, near the centre, where the few points leave the boundary uncertain.',
    }

    starter = run(notebook(cells(PLACEHOLDERS, logreg=LOGREG_STUB, mlp=MLP_STUB)), allow_errors=True)
    solved = run(notebook(cells(PLACEHOLDERS)))
    for a, b in zip(starter.cells, solved.cells):  # stale outputs from the instructor's run
        if a.cell_type == 'code':
            a.outputs, a.execution_count = b.outputs, b.execution_count
    write(starter, HERE / 'starter.ipynb')

    examples = {
        'good-mlp.ipynb': cells(honest),
        'linear-only.ipynb': cells({**honest, 'a-mlp': '**accuracy**: I used logistic regression for the MLP too; it reaches an accuracy of '
                                   f'{100 * lr_acc:.0f}% on the validation split.'},
                                   mlp='# A linear model again, under the name the grader expects.\nmlp = nn.Linear(2, 3)\ntrain(mlp, epochs=200, lr=0.1)'),
        'probabilities.ipynb': cells(honest, extra=[
            md('probs-md', '**Task**: the grader should get probabilities, so the softmax goes into the model.'),
            code('probs', 'mlp = nn.Sequential(mlp, nn.Softmax(dim=1))')]),
        'crashes-on-a-batch.ipynb': cells(honest, extra=[
            md('crash-md', '**Task**: a wrapper for batches of 256 points (it reshapes to a fixed batch size, so a smaller last batch fails).'),
            code('crash', 'trained_mlp = mlp\n\ndef mlp(x):\n    return trained_mlp(x.view(256, 2))\n\nmlp(x_all[:256]).shape')]),
        'wrong-shape.ipynb': cells(honest, extra=[
            md('shape-md', '**Task**: return the predicted classes directly.'),
            code('shape', 'trained_mlp = mlp.eval()\n\ndef mlp(x):\n    return trained_mlp(x).argmax(dim=1)')]),
        'overclaimed.ipynb': cells({**honest, 'a-mlp': '**accuracy**: the MLP reaches an accuracy of 99.5% on the validation split. '
                                   'The hidden ReLU layer bends the boundaries piece by piece.'},
                                   mlp='mlp = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3))\ntrain(mlp, epochs=40, lr=0.02)'),
    }
    for name, cell_list in examples.items():
        write(run(notebook(cell_list)), HERE / 'examples' / name)
        print(f'wrote examples/{name}', file=sys.stderr)


if __name__ == '__main__':
    main()
