"""Unit 6: the losses behind fine-tuning heads (BCE with logits, MAE, MAPE), in NumPy."""
from __future__ import annotations

import numpy as np

from nbkit import Cell, code, md, tidy
from selfcheck import close
from spec import STARTER_UNCHANGED, Arg, Assignment, Case, Example, spec_check_ids

ID = "u06-heads"
# The check ids, in order, as the assignment spec (graders/<id>/assignment.yaml) defines them.
CHECKS = spec_check_ids(ID)
ALL_PASSED = {check: "passed" for check in CHECKS}


def bce_with_logits_reference(logits: np.ndarray, targets: np.ndarray) -> float:
    return float(np.mean(np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))))


def mae_reference(y: np.ndarray, yhat: np.ndarray) -> float:
    return float(np.mean(np.abs(y - yhat)))


def mape_reference(y: np.ndarray, yhat: np.ndarray) -> float:
    return float(np.mean(np.abs(y - yhat) / np.abs(y)))


def cases() -> list[Case]:
    rng = np.random.default_rng(61)
    bce_ordinary = [
        (rng.normal(size=(4, 3)) * 2, rng.integers(0, 2, size=(4, 3)).astype(np.float64)),
        (np.array([0.5, -1.5, 3.0, 0.0]), np.array([1.0, 0.0, 1.0, 0.0])),
        (rng.normal(size=(2, 5)) * 4, rng.integers(0, 2, size=(2, 5)).astype(np.float64)),
    ]
    bce_extreme = [
        (np.array([1e4, -1e4]), np.array([1.0, 0.0])),
        (np.array([1e4, -1e4]), np.array([0.0, 1.0])),
        (np.array([[1e4, -1e4, 2.0], [-1e4, 1e4, -3.0]]), np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),
    ]
    regression = [
        (np.array([250.0, 120.0, 480.0, 95.0]), np.array([230.0, 150.0, 500.0, 90.0])),
        (rng.uniform(1.0, 10.0, size=8), rng.uniform(1.0, 10.0, size=8)),
        (np.array([[-4.0, 2.5], [3.0, -0.5]]), np.array([[-3.0, 2.0], [3.5, 0.5]])),
    ]
    result = [
        Case(check, "bce_with_logits", (Arg("float", x), Arg("float", t)), close(bce_with_logits_reference(x, t)))
        for check, group in (("bce_with_logits.reference", bce_ordinary), ("bce_with_logits.stability", bce_extreme))
        for x, t in group
    ]
    result += [Case("mae.reference", "mae", (Arg("float", y), Arg("float", p)), close(mae_reference(y, p))) for y, p in regression]
    result += [Case("mape.reference", "mape", (Arg("float", y), Arg("float", p)), close(mape_reference(y, p))) for y, p in regression]
    return result


STARTER_CELLS: list[Cell] = [
    md("intro", r"""
        # Unit 6: Loss functions for fine-tuning heads

        Task: implement the losses behind two kinds of heads you can put on a pretrained network:

        - a **multi-label** head (several yes/no labels per image), trained with binary cross-entropy on its logits;
        - a **regression** head (predicting a number), evaluated with the mean absolute error (MAE) and the mean absolute percentage error (MAPE).

        **Why**: `BCEWithLogitsLoss` and `L1Loss` are one line each in PyTorch. Writing them in NumPy shows what they average over, and why a "with logits" version exists at all.

        All inputs are NumPy `float64` arrays. The targets of the multi-label head are 0.0 or 1.0.
        """),
    md("setup-heading", "## Setup"),
    code("setup", """
        import numpy as np

        np.random.seed(606)
        np.set_printoptions(precision=4, suppress=True)
        """),
    md("bce-heading", r"""
        ## Binary cross-entropy on logits

        For one logit $x$ and a target $t \in \{0, 1\}$, with $p = \sigma(x) = 1 / (1 + e^{-x})$, the loss is $-[t \log p + (1 - t) \log(1 - p)]$.

        **Task**: Fill in `bce_with_logits(logits, targets)`: this loss averaged over **all** elements (every label of every example). Work from the logits directly: the loss can be rewritten as $\max(x, 0) - x t + \log(1 + e^{-|x|})$, which never exponentiates a large positive number (`np.log1p` helps).
        """),
    code("bce-code", """
        def bce_with_logits(logits, targets):
            # your code here
            return ...
        """),
    md("bce-demo-intro", "A batch of 4 images with 3 labels each:"),
    code("bce-demo", """
        demo_logits = np.random.randn(4, 3) * 2
        demo_targets = (np.random.rand(4, 3) > 0.5).astype(np.float64)
        print(demo_targets)
        bce_with_logits(demo_logits, demo_targets)
        """),
    md("bce-extreme-intro", "**Task**: Check the extremes. A confident and correct head should get a loss near 0; a confident and wrong one a large but finite loss."),
    code("bce-extreme", """
        confident = np.array([1e4, -1e4])
        print("right:", bce_with_logits(confident, np.array([1.0, 0.0])))
        print("wrong:", bce_with_logits(confident, np.array([0.0, 1.0])))
        """),
    md("regression-heading", r"""
        ## Regression metrics

        A regression head predicts the price of a house (in thousands) for each house in the validation set.

        **Task**: Fill in `mae(y, yhat)`: the mean absolute error $\frac{1}{n}\sum_i |y_i - \hat y_i|$, in the units of `y`.
        """),
    code("mae-code", """
        def mae(y, yhat):
            # your code here
            return ...
        """),
    md("mape-task", r"**Task**: Fill in `mape(y, yhat)`: the mean absolute percentage error $\frac{1}{n}\sum_i |y_i - \hat y_i| / |y_i|$. Return it as a **fraction** (0.1 means 10 %), not multiplied by 100."),
    code("mape-code", """
        def mape(y, yhat):
            # your code here
            return ...
        """),
    md("regression-demo-intro", "Four validation houses:"),
    code("regression-demo", """
        y_true = np.array([250.0, 120.0, 480.0, 95.0])
        y_pred = np.array([230.0, 150.0, 500.0, 90.0])
        print(f"MAE:  {mae(y_true, y_pred):.2f}")
        print(f"MAPE: {mape(y_true, y_pred):.4f}")
        """),
    md("analysis-heading", "## Analysis"),
    md("q1", "**Question 1**: Why compute the loss from the logits instead of applying a sigmoid first and then taking logs? Use the extreme example above in your answer."),
    md("q1-answer", "*your answer here*"),
    md("q2", "**Question 2**: The demo's MAPE is about 0.106. Say in words what that number means for a house price, and explain what happens to MAPE when some true values are close to 0."),
    md("q2-answer", "*your answer here*"),
    md("q3", "**Question 3**: A multi-label head uses one sigmoid per label rather than one softmax over all the labels. Why?"),
    md("q3-answer", "*your answer here*"),
]

SOLUTION = {
    "bce-code": tidy("""
        def bce_with_logits(logits, targets):
            # log(1 + e^-|x|) never overflows; max(x, 0) - x*t restores the sign-dependent part.
            losses = np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
            return np.mean(losses)
        """),
    "mae-code": tidy("""
        def mae(y, yhat):
            return np.mean(np.abs(y - yhat))
        """),
    "mape-code": tidy("""
        def mape(y, yhat):
            return np.mean(np.abs(y - yhat) / np.abs(y))
        """),
}

GOOD_ANSWERS = {
    "q1-answer": tidy(r"""
        **Answer**: With a logit of $10^4$, $\sigma(x)$ rounds to exactly 1.0 in float64, so $\log(1 - p) = \log 0 = -\infty$; multiplied by a target of 0 that gives `nan`, and with a target of 1 the loss is infinite. For $x = -10^4$, $e^{-x}$ overflows to `inf` and $p$ becomes exactly 0. The logits form $\max(x, 0) - x t + \log(1 + e^{-|x|})$ only ever exponentiates a number that is 0 or negative, so it returns 0 for the confident right answer and exactly 10000 for the confident wrong one.
        """),
    "q2-answer": tidy(r"""
        **Answer**: On average the predictions are off by about 10.6 % of the true price, whatever the price level, while the MAE says they are off by 18.75 thousand in absolute terms. Because MAPE divides by $|y|$, a true value close to 0 makes its term huge (and a true value of exactly 0 makes it infinite), so a single small target can dominate the average. MAPE only makes sense when the targets stay well away from 0.
        """),
    "q3-answer": tidy(r"""
        **Answer**: The labels are not mutually exclusive: an image can show both a dog and a beach. A softmax forces the probabilities to sum to 1, so raising one label would lower all the others. Independent sigmoids give each label its own yes/no probability, and the loss is then one binary cross-entropy per label, which is what `bce_with_logits` averages.
        """),
}

UNSTABLE_CODE = {
    "bce-code": tidy("""
        def bce_with_logits(logits, targets):
            p = 1 / (1 + np.exp(-logits))
            return -np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p))
        """),
}

UNSTABLE_ANSWERS = {
    "q1-answer": "**Answer**: The sigmoid turns the logits into probabilities and then the log gives the loss, which is exactly the formula for binary cross-entropy. For $10^4$ the sigmoid rounds to 1 and the log of 0 appears, but real heads never output logits that large, so the direct formula is fine.",
    "q2-answer": GOOD_ANSWERS["q2-answer"],
    "q3-answer": GOOD_ANSWERS["q3-answer"],
}

WRONG_CODE = {
    "bce-code": tidy("""
        def bce_with_logits(logits, targets):
            # the head's outputs are the probabilities
            return -np.mean(targets * np.log(logits) + (1 - targets) * np.log(1 - logits))
        """),
    "mape-code": tidy("""
        def mape(y, yhat):
            return np.mean(np.abs(y - yhat) / np.abs(y)) * 100
        """),
}

WRONG_ANSWERS = {
    "q1-answer": "**Answer**: The sigmoid is not needed, because the logits are already the predicted probabilities, so taking the log of them directly is simpler and faster.",
    "q2-answer": "**Answer**: The MAPE is 10.61, so each prediction is off by about 10.61 thousand. True values close to 0 make no difference, because MAPE uses the absolute value.",
    "q3-answer": "**Answer**: A softmax would work just as well; a sigmoid per label is only used because it is cheaper to compute.",
}

CRASHING_CODE = {
    # The cell fails before its def runs, so mape is never defined.
    "mape-code": tidy("""
        print("smallest true value:", np.abs(y).min())

        def mape(y, yhat):
            return np.mean(np.abs(y - yhat) / np.abs(y))
        """),
}


def examples() -> list[Example]:
    function_checks = CHECKS[3:]
    return [
        Example("correct.ipynb", "Stable BCE with logits, correct MAE and MAPE (as a fraction); every question answered.",
                dict(ALL_PASSED), answers=GOOD_ANSWERS, min_score_fraction=1.0),
        Example("unstable.ipynb", "BCE computed as sigmoid then log: right on ordinary logits, nan/inf for logits of +-1e4. MAE and MAPE correct.",
                {"narrative": "passed", "placeholders": "passed", "execution": "passed",
                 "bce_with_logits.reference": "passed", "bce_with_logits.stability": "failed",
                 "mae.reference": "passed", "mape.reference": "passed"},
                code=UNSTABLE_CODE, answers=UNSTABLE_ANSWERS),
        Example("wrong.ipynb", "BCE that treats the logits as probabilities (no sigmoid: nan for any logit outside (0, 1)), MAPE in percent (x100); MAE correct; answers with misconceptions.",
                {"narrative": "passed", "placeholders": "passed", "execution": "passed",
                 "bce_with_logits.reference": "failed", "bce_with_logits.stability": "failed",
                 "mae.reference": "passed", "mape.reference": "failed"},
                code=WRONG_CODE, answers=WRONG_ANSWERS),
        Example("unanswered.ipynb", "Correct code, but every answer cell still holds the *your answer here* placeholder.",
                {"narrative": "failed", "placeholders": "passed", "execution": "passed", **{c: "passed" for c in function_checks}}),
        Example(STARTER_UNCHANGED, "Byte-identical copy of the starter: stale instructor outputs, stub code; a fresh run fails at the regression demo.",
                {check: "failed" for check in CHECKS}, max_score_fraction=0.0),
        Example("crashing.ipynb", "Correct BCE and MAE; the mape cell raises NameError before its def runs, so mape is never defined and Run All stops there.",
                {"placeholders": "passed", "execution": "failed",
                 "bce_with_logits.reference": "passed", "bce_with_logits.stability": "passed",
                 "mae.reference": "passed", "mape.reference": "failed"},
                code=CRASHING_CODE, answers=GOOD_ANSWERS),
    ]


def assignment() -> Assignment:
    return Assignment(
        id=ID,
        tensor_inputs=False,
        cells=STARTER_CELLS,
        solution=SOLUTION,
        check_ids=CHECKS,
        cases=cases(),
        seeds=["606"],
        examples=examples(),
    )
