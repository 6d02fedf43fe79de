#!/usr/bin/python3
"""Writes u05-digits' hidden set, starter and examples (Debian's python3):

    /usr/bin/python3 graders/u05-digits/make_notebooks.py

The whole public set (sklearn's load_digits) is inside the sandbox, so a hidden split of its
rows would not be hidden: a "model" that looks each input up would score 100%. The hidden set
is therefore new images derived here, on the grader's side, deterministically (seeded): each a
public digit rotated by up to 8 degrees and given a little noise (no shifts: one pixel is an eighth
of the image, too far for a model of raw pixels),
its label kept, and never equal to any public row (checked below).
"""
from __future__ import annotations

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
from scipy import ndimage
from sklearn.datasets import load_digits

HERE = Path(__file__).resolve().parent
SEED = 5_0864
COUNT = 1000


def augmented(seed: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    digits = load_digits()
    rng = np.random.default_rng(seed)
    public = digits.data
    picks = rng.choice(len(public), size=count, replace=False)
    xs = []
    for i in picks:
        image = digits.images[i]
        image = ndimage.rotate(image, rng.uniform(-8, 8), reshape=False, order=1, mode='constant')
        image = image + rng.normal(0, 0.5, size=image.shape)
        xs.append(np.clip(image, 0, 16).round(2).reshape(64))
    x, y = np.stack(xs), digits.target[picks]
    # Not one hidden image equals (or nearly equals) a public row.
    nearest = np.min(((x[:, None, :] - public[None, :, :]) ** 2).sum(axis=2), axis=1)
    assert nearest.min() > 1.0, nearest.min()
    return x, y


def write_csv(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\n')
    w.writerow([f'p{i}' for i in range(64)] + ['label'])
    for row, label in zip(x, y):
        w.writerow([f'{v:.2f}' for v in row] + [int(label)])
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
from sklearn.datasets import load_digits

torch.manual_seed(0)
digits = load_digits()
x_all = torch.tensor(digits.data, dtype=torch.float32)   # (1797, 64), pixel values 0..16
y_all = torch.tensor(digits.target, dtype=torch.int64)
order = torch.randperm(len(y_all))
x_train, y_train = x_all[order[:1400]], y_all[order[:1400]]
x_valid, y_valid = x_all[order[1400:]], y_all[order[1400:]]
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

MODEL = '''
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
train(model, epochs=200, lr=0.01)
'''
MODEL_STUB = '''
# model = ...
model = ...
train(model, epochs=200, lr=0.01)
'''

LOOKUP = '''
# "Training" by memorising: look every input up in the public set and answer its label.
public = torch.tensor(load_digits().data, dtype=torch.float32)
labels = torch.tensor(load_digits().target)

def model(x):
    out = torch.zeros(len(x), 10)
    for i, row in enumerate(x):
        hits = (public == row).all(dim=1).nonzero()
        if len(hits):
            out[i, labels[hits[0, 0]]] = 1.0
    return out

print(f"valid accuracy {accuracy(model, x_valid, y_valid):.3f}")
'''


def cells(answers, model_source=MODEL):
    return [
        md('intro', '''
# Unit 5: an MLP for handwritten digits

The 8x8 digits that scikit-learn ships: 1797 images of 64 pixel values (0 to 16) and their labels.
Train a PyTorch `model` that maps a `(n, 64)` float32 tensor of raw pixel values, as `load_digits`
gives them, to `(n, 10)` logits. The grader evaluates it on digits it keeps hidden.
'''),
        code('setup', SETUP),
        md('train-md', 'The training loop is given: full-batch Adam on `F.cross_entropy`, printing the validation accuracy.'),
        code('train', TRAIN),
        md('model-task', '**Task**: an MLP with one hidden layer of 128 ReLU units. Define it as `model` and train it.'),
        code('model', model_source),
        md('q-acc', '**Question**: What accuracy does your model reach on the validation split?'),
        md('a-acc', answers['a-acc']),
        md('q-hidden', '**Question**: The hidden digits are slightly rotated and noisy. Do you expect the same accuracy on them? Why?'),
        md('a-hidden', answers['a-hidden']),
        md('q-lookup', '**Question**: Why does the grader not test your model on rows of `load_digits()` it kept back?'),
        md('a-lookup', answers['a-lookup']),
    ]


PLACEHOLDERS = {'a-acc': '*your answer here*', 'a-hidden': '*your answer here*', 'a-lookup': '*your answer here*'}


def notebook(cell_list):
    nb = nbformat.v4.new_notebook()
    nb.metadata['kernelspec'] = {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}
    nb.cells = cell_list
    return nb


def run(nb, allow_errors=False):
    workdir = tempfile.mkdtemp(prefix='u05-digits-')
    try:
        NotebookClient(nb, kernel_name='python3', timeout=120, allow_errors=allow_errors, record_timing=False,
                       resources={'metadata': {'path': workdir}}).execute()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return nb


def last_accuracy(nb, cell_id):
    for cell in nb.cells:
        if cell.get('id') == cell_id:
            text = ''.join(o.get('text', '') for o in cell.outputs if o.output_type == 'stream')
            return float(text.strip().split('\n')[-1].rsplit(' ', 1)[-1])
    raise KeyError(cell_id)


def write(nb, path: Path):
    path.write_text(nbformat.writes(nb) + '\n')


def main():
    x, y = augmented(SEED, COUNT)
    write_csv(HERE / 'hidden' / 'digits_test.csv', x, y)

    probe = run(notebook(cells(PLACEHOLDERS)))
    acc = last_accuracy(probe, 'model')
    print(f'solution: valid {acc:.3f}', file=sys.stderr)
    hidden_answer = ('**Answer**: a little lower: the model only saw centred, upright digits, and a shift of one pixel '
                     'moves every stroke onto other inputs of the first layer.')
    lookup_answer = ('**Answer**: every row of the public set is inside the sandbox too, so a notebook could look its inputs up '
                     'and answer their labels without having learned anything.')
    honest = {'a-acc': f'**accuracy**: the MLP reaches an accuracy of {100 * acc:.0f}% on the validation split.', 'a-hidden': hidden_answer,
              'a-lookup': lookup_answer}

    starter = run(notebook(cells(PLACEHOLDERS, MODEL_STUB)), allow_errors=True)
    for a, b in zip(starter.cells, probe.cells):
        if a.cell_type == 'code':
            a.outputs, a.execution_count = b.outputs, b.execution_count
    write(starter, HERE / 'starter.ipynb')

    write(run(notebook(cells(honest))), HERE / 'examples' / 'good-mlp.ipynb')
    lookup = {'a-acc': '**accuracy**: looking inputs up gives an accuracy of 100% on the validation split.', 'a-hidden': hidden_answer,
              'a-lookup': lookup_answer}
    write(run(notebook(cells(lookup, LOOKUP))), HERE / 'examples' / 'lookup.ipynb')


if __name__ == '__main__':
    main()
