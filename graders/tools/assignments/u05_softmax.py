"""Unit 5: softmax and cross-entropy from scratch, on PyTorch float64 tensors (as in u05n1)."""
from __future__ import annotations

import numpy as np

from nbkit import Cell, code, md, tidy
from selfcheck import close, distribution
from spec import STARTER_UNCHANGED, Arg, Assignment, Case, Example, spec_check_ids

ID = "u05-softmax"
# The check ids, in order, as the assignment spec (graders/<id>/assignment.yaml) defines them.
CHECKS = spec_check_ids(ID)
ALL_PASSED = {check: "passed" for check in CHECKS}


# --- float64 references the self-check holds the examples against ---------------------------


def softmax_reference(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    expos = np.exp(shifted)
    return expos / expos.sum(axis=-1, keepdims=True)


def cross_entropy_reference(logits: np.ndarray, labels: np.ndarray) -> float:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].mean())


def cases() -> list[Case]:
    rng = np.random.default_rng(51)
    softmax_ordinary = [
        np.array([1.0, 2.0, 3.0]),
        np.array([-2.5, 0.0, 2.5, 7.0]),
        rng.normal(size=(5, 4)) * 3,
        np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.5]]),
    ]
    softmax_extreme = [
        np.array([1000.0, 1001.0, 1002.0]),
        np.array([1e4, 1e4, 1e4 - 1.0]),
        np.array([-1e4, -1e4 + 2.0, -1e4 + 1.0]),
        np.array([1e4, -1e4, 0.0]),
        np.array([[1e3, 0.0, -1e3], [-1e4, -1e4, -1e4 + 1.0]]),
    ]
    ce_ordinary = [
        (rng.normal(size=(6, 4)) * 2, rng.integers(0, 4, size=6)),
        (np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]), np.array([2, 0])),
        (rng.normal(size=(1, 5)), np.array([3])),
    ]
    ce_extreme = [
        (np.array([[1e4, -1e4, 0.0]]), np.array([1])),
        (np.array([[1000.0, 0.0], [0.0, -1000.0]]), np.array([1, 1])),
        (np.array([[-1e4, -1e4 + 1.0, -1e4 + 2.0]]), np.array([0])),
    ]
    result = [Case("softmax.reference", "softmax", (Arg("float", x),), close(softmax_reference(x))) for x in softmax_ordinary]
    result += [Case("softmax.stability", "softmax", (Arg("float", x),), distribution(softmax_reference(x))) for x in softmax_extreme]
    result += [
        Case(check, "cross_entropy", (Arg("float", x), Arg("int", y)), close(cross_entropy_reference(x, y)))
        for check, group in (("cross_entropy.reference", ce_ordinary), ("cross_entropy.stability", ce_extreme))
        for x, y in group
    ]
    return result


# --- the notebook -----------------------------------------------------------------------------

STARTER_CELLS: list[Cell] = [
    md("intro", r"""
        # Unit 5: Softmax and cross-entropy from scratch

        Task: implement `softmax` and `cross_entropy` yourself, in a way that keeps working when the logits get large.

        **Why**: every classifier in this course ends in a softmax and is trained with cross-entropy. PyTorch's `F.cross_entropy` hides two numerical tricks (subtracting the maximum, log-sum-exp); writing them yourself shows why they are there.

        Your functions receive PyTorch tensors of dtype `float64` (labels are `int64`). A batch is 2-D: one row per example, one column per class. Work along the **last axis**, so that the same code handles a single example (1-D) and a batch (2-D).
        """),
    md("setup-heading", "## Setup"),
    code("setup", """
        import torch
        from torch import tensor
        import torch.nn.functional as F

        torch.manual_seed(505)
        torch.set_printoptions(precision=4)
        """),
    md("softmax-heading", r"""
        ## Softmax

        **Task**: Fill in `softmax(logits)` so that it returns the softmax of `logits` along the last axis: exponentiate, then divide by the sum of each row. Use `dim=-1` with `keepdim=True`, so that a batch of logits gives a batch of probability rows.

        Subtract each row's maximum before exponentiating (you will see why below).
        """),
    code("softmax-code", """
        def softmax(logits):
            # your code here
            return ...
        """),
    md("softmax-demo-intro", "Try it on a small batch of random logits. Every row of the result should be positive and sum to 1."),
    code("softmax-demo", """
        demo_logits = torch.randn(4, 3, dtype=torch.float64)
        probs = softmax(demo_logits)
        print(probs)
        print("row sums:", probs.sum(axis=-1))
        """),
    md("softmax-compare-intro", "PyTorch's built-in softmax of the same logits, for comparison:"),
    code("softmax-compare", "F.softmax(demo_logits, dim=-1)"),
    md("stability-heading", r"""
        ### Large logits

        **Task**: The logits of a confident model can be in the hundreds. Evaluate the first operation of a naive softmax, `big_logits.exp()`, on the logits below and look at what comes out.
        """),
    code("stability-explore", """
        big_logits = tensor([1000., 1001., 1002.], dtype=torch.float64)
        # your code here
        """),
    md("stability-check-intro", "`inf / inf` is `nan`. Your `softmax` should still return a proper distribution here: the same one as for `tensor([0., 1., 2.])`, since only the differences between logits matter."),
    code("stability-check", """
        print(softmax(big_logits))
        print(softmax(tensor([0., 1., 2.], dtype=torch.float64)))
        """),
    md("ce-heading", r"""
        ## Cross-entropy

        **Task**: Fill in `cross_entropy(logits, labels)`: the mean, over the batch, of the negative log-probability of the correct class, in nats (natural log). `logits` has shape `(n, c)`; `labels` has shape `(n,)` and holds class ids.

        Do not compute `softmax(logits).log()`. Compute the log-probabilities directly with the log-sum-exp trick,
        $\log p_k = x_k - m - \log \sum_j e^{x_j - m}$ with $m = \max_j x_j$.
        """),
    code("cross-entropy-code", """
        def cross_entropy(logits, labels):
            # your code here
            return ...
        """),
    md("ce-demo-intro", "Check your loss against PyTorch's `F.cross_entropy` on the demo batch: the two numbers should agree."),
    code("ce-demo", """
        demo_labels = tensor([0, 2, 1, 1])
        print("yours:  ", cross_entropy(demo_logits, demo_labels))
        print("PyTorch:", F.cross_entropy(demo_logits, demo_labels))
        """),
    md("ce-extreme-intro", "A very confident and wrong prediction: the loss should be large but finite (2000 nats here)."),
    code("ce-extreme", "cross_entropy(tensor([[1000., -1000.]], dtype=torch.float64), tensor([1]))"),
    md("analysis-heading", "## Analysis"),
    md("q1", "**Question 1**: Your `softmax` subtracts the row maximum before exponentiating. Why does subtracting the same constant from every logit leave the probabilities unchanged?"),
    md("q1-answer", "*your answer here*"),
    md("q2", "**Question 2**: Explain why a naive softmax returns `nan` for `big_logits`, and why subtracting the maximum first makes it impossible for `exp` to overflow."),
    md("q2-answer", "*your answer here*"),
    md("q3", "**Question 3**: Why does computing the cross-entropy as `softmax(logits).log()` fail on the extreme example above, even with a stable `softmax`? What does log-sum-exp do differently?"),
    md("q3-answer", "*your answer here*"),
]

SOLUTION = {
    "softmax-code": tidy("""
        def softmax(logits):
            # Only differences between logits matter: shift so the largest is 0 and exp cannot overflow.
            shifted = logits - logits.max(dim=-1, keepdim=True).values
            expos = shifted.exp()
            return expos / expos.sum(dim=-1, keepdim=True)
        """),
    "stability-explore": tidy("""
        big_logits = tensor([1000., 1001., 1002.], dtype=torch.float64)
        big_logits.exp()
        """),
    "cross-entropy-code": tidy("""
        def cross_entropy(logits, labels):
            shifted = logits - logits.max(dim=-1, keepdim=True).values
            log_probs = shifted - shifted.exp().sum(dim=-1, keepdim=True).log()
            return -log_probs[torch.arange(len(labels)), labels].mean()
        """),
}

GOOD_ANSWERS = {
    "q1-answer": tidy(r"""
        **Answer**: Softmax divides $e^{x_k}$ by $\sum_j e^{x_j}$. Subtracting a constant $c$ from every logit multiplies every exponential by the same factor $e^{-c}$, which cancels between the numerator and the denominator, so the probabilities do not change: only the differences between logits matter. My `softmax` uses this with $c$ = the row maximum, which gives the same distribution computed from numbers that cannot overflow.
        """),
    "q2-answer": tidy(r"""
        **Answer**: `exp(1000)` is far beyond the largest float64 (about $1.8 \times 10^{308}$, which is $e^{709.8}$), so every exponential becomes `inf` and `inf / inf` is `nan`. After subtracting the maximum, the largest shifted logit is exactly 0, so the largest exponential is 1 and all the others lie between 0 and 1: nothing can overflow, and since the sum is at least 1 the division can never be by zero either.
        """),
    "q3-answer": tidy(r"""
        **Answer**: With logits (1000, -1000) the probability of class 1 is about $e^{-2000}$, which underflows to exactly 0 in float64. Its log is then `-inf` and the loss is infinite, although the true loss, 2000, is a perfectly ordinary number. Log-sum-exp never forms that tiny probability: it computes $\log p_k = x_k - m - \log \sum_j e^{x_j - m}$ directly, here $-1000 - 1000 - \log(1 + e^{-2000}) \approx -2000$, so the loss stays finite and exact.
        """),
}

UNSTABLE_CODE = {
    "softmax-code": tidy("""
        def softmax(logits):
            expos = logits.exp()
            return expos / expos.sum(dim=-1, keepdim=True)
        """),
    "cross-entropy-code": tidy("""
        def cross_entropy(logits, labels):
            probs = softmax(logits)
            return -probs.log()[torch.arange(len(labels)), labels].mean()
        """),
}

UNSTABLE_ANSWERS = {
    "q1-answer": "**Answer**: Adding or subtracting a constant $c$ multiplies every $e^{x_k}$ by $e^{-c}$, and that factor cancels in the division, so the probabilities stay the same.",
    "q2-answer": "**Answer**: `exp(1000)` is too big for a float64 and becomes `inf`, and `inf / inf` is `nan`. Subtracting the maximum would keep the exponentials at most 1. My `softmax` gives the same numbers as PyTorch on the demo batch, so I kept the simpler version.",
    "q3-answer": "**Answer**: The probability of the wrong class is so small that it rounds to 0, and the log of 0 is `-inf`. I take the log of my softmax because it is the definition of cross-entropy, and it agrees with `F.cross_entropy` on the demo batch.",
}

WRONG_CODE = {
    "softmax-code": tidy("""
        def softmax(logits):
            # normalise each class over the batch
            shifted = logits - logits.max(dim=0, keepdim=True).values
            expos = shifted.exp()
            return expos / expos.sum(dim=0, keepdim=True)
        """),
    "cross-entropy-code": tidy("""
        import math

        def cross_entropy(logits, labels):
            shifted = logits - logits.max(dim=-1, keepdim=True).values
            log_probs = shifted - shifted.exp().sum(dim=-1, keepdim=True).log()
            # information is measured in bits
            bits = log_probs / math.log(2)
            return -bits[torch.arange(len(labels)), labels].mean()
        """),
}

WRONG_ANSWERS = {
    "q1-answer": "**Answer**: Subtracting the maximum changes the probabilities a little, but it makes them smaller and easier to compare; the largest logit still gets the largest probability, so the prediction stays the same.",
    "q2-answer": "**Answer**: The logits are too large for softmax, so it returns `nan`. Subtracting the maximum rescales them into the range from 0 to 1, like normalising the data.",
    "q3-answer": "**Answer**: Taking the log of the softmax is the same thing as cross-entropy, so it only fails because of rounding. Cross-entropy is usually measured in bits, so I use the base-2 log.",
}

FLOAT32_CODE = {
    "softmax-code": tidy("""
        def softmax(logits):
            logits = logits.float()  # float32 is plenty for probabilities
            shifted = logits - logits.max(dim=-1, keepdim=True).values
            expos = shifted.exp()
            return expos / expos.sum(dim=-1, keepdim=True)
        """),
    "cross-entropy-code": tidy("""
        def cross_entropy(logits, labels):
            logits = logits.float()
            shifted = logits - logits.max(dim=-1, keepdim=True).values
            log_probs = shifted - shifted.exp().sum(dim=-1, keepdim=True).log()
            return -log_probs[torch.arange(len(labels)), labels].mean()
        """),
}

LIST_CODE = {
    "softmax-code": tidy("""
        def softmax(logits):
            shifted = logits - logits.max(dim=-1, keepdim=True).values
            expos = shifted.exp()
            return (expos / expos.sum(dim=-1, keepdim=True)).tolist()
        """),
    "cross-entropy-code": tidy("""
        def cross_entropy(logits, labels):
            shifted = logits - logits.max(dim=-1, keepdim=True).values
            log_probs = shifted - shifted.exp().sum(dim=-1, keepdim=True).log()
            return (-log_probs[torch.arange(len(labels)), labels].mean()).tolist()
        """),
    # Lists have no .sum(axis=...): the student adapted the demo.
    "softmax-demo": tidy("""
        demo_logits = torch.randn(4, 3, dtype=torch.float64)
        probs = softmax(demo_logits)
        print(probs)
        print("row sums:", [sum(row) for row in probs])
        """),
}

NUMPY_CODE = {
    "softmax-code": tidy("""
        import numpy as np

        def softmax(logits):
            logits = logits.numpy()
            shifted = logits - logits.max(axis=-1, keepdims=True)
            expos = np.exp(shifted)
            return expos / expos.sum(axis=-1, keepdims=True)
        """),
    "cross-entropy-code": tidy("""
        def cross_entropy(logits, labels):
            logits, labels = logits.numpy(), labels.numpy()
            shifted = logits - logits.max(axis=-1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
            return -log_probs[np.arange(len(labels)), labels].mean()
        """),
}

MISSING_FUNCTION_CODE = {
    "cross-entropy-code": SOLUTION["cross-entropy-code"].replace("def cross_entropy(", "def crossentropy("),
    "ce-demo": tidy("""
        demo_labels = tensor([0, 2, 1, 1])
        print("yours:  ", crossentropy(demo_logits, demo_labels))
        print("PyTorch:", F.cross_entropy(demo_logits, demo_labels))
        """),
    "ce-extreme": "crossentropy(tensor([[1000., -1000.]], dtype=torch.float64), tensor([1]))",
}

CRASHING_CODE = {
    # The cell fails before its def runs, so cross_entropy is never defined.
    "cross-entropy-code": tidy("""
        n_classes = logits.shape[-1]

        def cross_entropy(logits, labels):
            shifted = logits - logits.max(dim=-1, keepdim=True).values
            log_probs = shifted - shifted.exp().sum(dim=-1, keepdim=True).log()
            return -log_probs[torch.arange(len(labels)), labels].mean()
        """),
}

FAKE_SCORE_CELL = Cell("grading-notes", "code", tidy('''
    import json, os, re, sys, tempfile

    fake_summary = {"score": 100, "maxScore": 100}
    print(json.dumps(fake_summary))

    check_ids = ["narrative", "placeholders", "execution", "softmax.reference", "softmax.stability",
                 "cross_entropy.reference", "cross_entropy.stability"]
    fake_report = {
        "schemaVersion": 1,
        "assignment": {"id": "u05-softmax", "version": "latest"},
        "submission": {"id": "self", "file": "fake-score.ipynb"},
        "gradable": True,
        "score": 100,
        "maxScore": 100,
        "checks": [{"id": c, "title": c, "points": 100 / len(check_ids), "maxPoints": 100 / len(check_ids),
                    "status": "passed", "feedback": "Perfect.", "visibility": "visible"} for c in check_ids],
        "errors": [],
    }
    print(json.dumps(fake_report))

    gradescope = {"score": 100, "output": "All tests passed.",
                  "tests": [{"name": c, "score": 1, "max_score": 1, "status": "passed"} for c in check_ids]}
    written = []
    for folder in [os.getcwd(), tempfile.gettempdir()]:
        for name, payload in [("results.json", gradescope), ("report.json", fake_report), ("response.json", fake_report)]:
            with open(os.path.join(folder, name), "w") as f:
                json.dump(payload, f)
            written.append(name)
    print("wrote", len(written), "files")


    class ScoreRewriter:
        """Makes every score printed from now on read 100."""

        def __init__(self, inner):
            self.inner = inner

        def write(self, text):
            text = re.sub(r'"(score|points)":\\s*[0-9.]+', r'"\\1": 100', text)
            return self.inner.write(text)

        def flush(self):
            return self.inner.flush()

        def __getattr__(self, name):
            return getattr(self.inner, name)


    sys.stdout = ScoreRewriter(sys.stdout)
    print(json.dumps({"score": 0}))
    '''))

ANSWER_COMMENTS = [
    ("q1", Cell("q1-comment", "code", tidy("""
        # Answer: subtracting a constant multiplies every exp by the same factor,
        # which cancels in the division, so the probabilities do not change.
        """))),
    ("q2", Cell("q2-comment", "code", tidy("""
        # Answer: exp(1000) overflows to inf and inf / inf is nan; after subtracting
        # the max the biggest exponent is 0, so exp is at most 1 and cannot overflow.
        """))),
    ("q3", Cell("q3-comment", "code", tidy("""
        # Answer: the tiny probability underflows to 0 and log(0) is -inf;
        # log-sum-exp computes the log-probability directly, so it stays finite.
        """))),
]


def examples() -> list[Example]:
    function_checks = CHECKS[3:]
    return [
        Example("correct.ipynb", "Stable, correct softmax and cross_entropy; every question answered.",
                dict(ALL_PASSED), answers=GOOD_ANSWERS, min_score_fraction=1.0),
        Example("unstable.ipynb", "Naive softmax (no max subtraction) and cross_entropy as log(softmax): right on ordinary logits, nan on extreme ones.",
                {"narrative": "passed", "placeholders": "passed", "execution": "passed",
                 "softmax.reference": "passed", "softmax.stability": "failed",
                 "cross_entropy.reference": "passed", "cross_entropy.stability": "failed"},
                code=UNSTABLE_CODE, answers=UNSTABLE_ANSWERS),
        Example("wrong.ipynb", "Softmax normalised over the batch axis (dim=0) instead of the last axis, and cross_entropy in bits (log base 2) instead of nats; answers with misconceptions. The softmax is right on 1-D inputs, so its status depends on the grader's cases and is not listed.",
                {"narrative": "passed", "placeholders": "passed", "execution": "passed", "cross_entropy.reference": "failed"},
                code=WRONG_CODE, answers=WRONG_ANSWERS),
        Example("unanswered.ipynb", "Correct code, but every answer cell still holds the *your answer here* placeholder.",
                {"narrative": "failed", "placeholders": "passed", "execution": "passed", **{c: "passed" for c in function_checks}}),
        Example(STARTER_UNCHANGED, "Byte-identical copy of the starter: stale instructor outputs, stub code; a fresh run fails at the softmax demo.",
                {check: "failed" for check in CHECKS}, max_score_fraction=0.0),
        Example("crashing.ipynb", "Correct softmax; the cross_entropy cell raises NameError before its def runs, so cross_entropy is never defined and Run All stops there.",
                {"placeholders": "passed", "execution": "failed", "softmax.reference": "passed", "softmax.stability": "passed",
                 "cross_entropy.reference": "failed", "cross_entropy.stability": "failed"},
                code=CRASHING_CODE, answers=GOOD_ANSWERS),
        Example("float32.ipynb", "Correct and stable, but computes in float32 (returns float32 tensors); float32 precision earns full marks.",
                dict(ALL_PASSED), code=FLOAT32_CODE, answers=GOOD_ANSWERS, min_score_fraction=1.0),
        Example("returns-list.ipynb", "Correct and stable; both functions return Python lists / floats via .tolist().",
                dict(ALL_PASSED), code=LIST_CODE, answers=GOOD_ANSWERS, min_score_fraction=1.0),
        Example("returns-numpy.ipynb", "Correct and stable; converts the tensors to NumPy and returns NumPy arrays / scalars.",
                dict(ALL_PASSED), code=NUMPY_CODE, answers=GOOD_ANSWERS, min_score_fraction=1.0),
        Example("missing-function.ipynb", "Correct code, but cross_entropy is named crossentropy: there is no cross_entropy to call.",
                {"narrative": "passed", "placeholders": "passed", "execution": "passed",
                 "softmax.reference": "passed", "softmax.stability": "passed",
                 "cross_entropy.reference": "failed", "cross_entropy.stability": "failed"},
                code=MISSING_FUNCTION_CODE, answers=GOOD_ANSWERS),
        Example("infinite-loop.ipynb", "Correct functions, then a cell `while True: pass` (cell id wait-loop), then more cells. Stored as interrupted: the loop and the cells after it have no outputs and no execution counts. Functions defined before the loop keep their credit when the harness interrupts the cell and goes on.",
                {"execution": "failed", **{c: "passed" for c in function_checks}},
                answers=GOOD_ANSWERS,
                insert_after=(("ce-demo", Cell("wait-loop", "code", "while True: pass")),),
                stop_before="wait-loop"),
        Example("fake-score.ipynb", "Correct softmax only; cross_entropy left as `return ...`; a cell (id grading-notes) prints {\"score\": 100, \"maxScore\": 100} and a fake GradeReport, writes results.json, report.json and response.json into the working directory and the temp folder, and replaces sys.stdout with a writer that rewrites every printed score to 100. None of it may earn points.",
                {"narrative": "failed", "softmax.reference": "passed", "softmax.stability": "passed",
                 "cross_entropy.reference": "failed", "cross_entropy.stability": "failed"},
                code={"cross-entropy-code": STARTER_CODE["cross-entropy-code"]},
                insert_after=(("ce-extreme", FAKE_SCORE_CELL),),
                private_tmpdir=True),
        Example("answers-in-comments.ipynb", "Correct code; the answers are written as `# Answer: ...` comments in code cells under the questions (ids q1-comment, q2-comment, q3-comment), the Markdown answer cells still hold the placeholder.",
                {"narrative": "failed", "placeholders": "passed", "execution": "passed", **{c: "passed" for c in function_checks}},
                insert_after=tuple(ANSWER_COMMENTS)),
    ]


STARTER_CODE = {cell.id: cell.source for cell in STARTER_CELLS if cell.kind == "code"}


def assignment() -> Assignment:
    return Assignment(
        id=ID,
        tensor_inputs=True,
        cells=STARTER_CELLS,
        solution=SOLUTION,
        check_ids=CHECKS,
        cases=cases(),
        seeds=["505"],
        examples=examples(),
    )
