"""Unit 8: sampling from a language model (temperature, seeded sampling, perplexity), in NumPy."""
from __future__ import annotations

import numpy as np

from nbkit import Cell, code, md, tidy
from selfcheck import chi_square, close, distribution
from spec import STARTER_UNCHANGED, Arg, Assignment, Case, Example, spec_check_ids

ID = "u08-sampling"
# The check ids, in order, as the assignment spec (graders/<id>/assignment.yaml) defines them.
CHECKS = spec_check_ids(ID)
ALL_PASSED = {check: "passed" for check in CHECKS}
SAMPLE_DRAWS = 4000


def apply_temperature_reference(logits: np.ndarray, t: float) -> np.ndarray:
    scaled = logits / t
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    expos = np.exp(scaled)
    return expos / expos.sum(axis=-1, keepdims=True)


def perplexity_reference(token_logprobs: np.ndarray) -> float:
    return float(np.exp(-np.mean(token_logprobs)))


def cases() -> list[Case]:
    rng = np.random.default_rng(81)
    logits = np.array([2.0, 1.0, 0.5, 0.1, -1.0, 0.0])
    ordinary = [
        (logits, 0.5),
        (logits, 1.0),
        (logits, 2.0),
        (rng.normal(size=(3, 6)) * 2, 0.8),
    ]
    extreme = [
        (logits, 1e-3),
        (logits, 1e3),
        (np.array([[3.0, 1.0, 2.0], [0.0, 0.5, -1.0]]), 1e-3),
    ]
    sampling = [(logits, 0.7, 11), (logits, 1.5, 12), (rng.normal(size=6), 1.0, 13)]
    texts = [
        np.log(np.array([0.20, 0.05, 0.30, 0.50, 0.10])),
        np.log(np.full(7, 1 / 6)),
        np.log(rng.uniform(0.01, 1.0, size=20)),
    ]
    result = [
        Case("apply_temperature.reference", "apply_temperature", (Arg("float", x), Arg("scalar", t)), close(apply_temperature_reference(x, t)))
        for x, t in ordinary
    ]
    result += [
        Case("apply_temperature.stability", "apply_temperature", (Arg("float", x), Arg("scalar", t)), distribution(apply_temperature_reference(x, t)))
        for x, t in extreme
    ]
    result += [
        Case("sample.distribution", "sample",
             (Arg("float", x), Arg("scalar", t), Arg("scalar", SAMPLE_DRAWS), Arg("scalar", seed)),
             chi_square(apply_temperature_reference(x, t), SAMPLE_DRAWS))
        for x, t, seed in sampling
    ]
    result += [Case("perplexity.reference", "perplexity", (Arg("float", lp),), close(perplexity_reference(lp))) for lp in texts]
    return result


STARTER_CELLS: list[Cell] = [
    md("intro", r"""
        # Unit 8: Sampling from a language model

        Task: turn a language model's next-token logits into probabilities with a temperature, sample tokens from them, and measure how well a model predicts a text with its perplexity.

        **Why**: every reply of a chatbot is produced by exactly these steps. The temperature decides how adventurous the samples are; perplexity is the standard way to compare language models.

        Logits are NumPy `float64` arrays with the vocabulary along the **last axis**. Log-probabilities use the natural log.
        """),
    md("setup-heading", "## Setup"),
    code("setup", """
        import numpy as np

        np.random.seed(808)
        np.set_printoptions(precision=4, suppress=True)

        vocab = np.array(["the", "cat", "sat", "on", "mat", "."])
        next_token_logits = np.array([2.0, 1.0, 0.5, 0.1, -1.0, 0.0])
        """),
    md("temperature-heading", r"""
        ## Temperature

        **Task**: Fill in `apply_temperature(logits, t)`: divide the logits by the temperature `t`, then take the softmax along the last axis. Subtract the maximum before exponentiating: small temperatures make the scaled logits huge.
        """),
    code("temperature-code", """
        def apply_temperature(logits, t):
            # your code here
            return ...
        """),
    md("temperature-demo-intro", "The next-token distribution at three temperatures:"),
    code("temperature-demo", """
        for t in [0.5, 1.0, 2.0]:
            print(f"t={t}:", apply_temperature(next_token_logits, t))
        """),
    md("limits-task", "**Task**: Look at the limits. What should come out when `t` is very small, and when it is very large?"),
    code("limits-demo", """
        print("t=0.001:", apply_temperature(next_token_logits, 1e-3))
        print("t=1000: ", apply_temperature(next_token_logits, 1e3))
        """),
    md("sample-heading", r"""
        ## Sampling

        **Task**: Fill in `sample(logits, t, n, seed)`: draw `n` token ids (integers) from `apply_temperature(logits, t)`. Make the draws reproducible with a generator of your own, `rng = np.random.default_rng(seed)`, and its `rng.choice`.
        """),
    code("sample-code", """
        def sample(logits, t, n, seed):
            # your code here
            return ...
        """),
    md("sample-demo-intro", "A few sampled words, then the frequencies of many samples next to the probabilities they were drawn from:"),
    code("sample-demo", """
        ids = sample(next_token_logits, 0.7, 12, seed=808)
        print(" ".join(vocab[ids]))
        """),
    code("sample-counts", """
        many = sample(next_token_logits, 0.7, 10_000, seed=808)
        print(np.bincount(many, minlength=len(vocab)) / len(many))
        print(apply_temperature(next_token_logits, 0.7))
        """),
    md("perplexity-heading", r"""
        ## Perplexity

        **Task**: Fill in `perplexity(token_logprobs)`: given the natural-log probabilities a model gave to each token of a text, return $\exp\left(-\frac{1}{N}\sum_i \log p_i\right)$.
        """),
    code("perplexity-code", """
        def perplexity(token_logprobs):
            # your code here
            return ...
        """),
    md("perplexity-demo-intro", "A model's probabilities for the five tokens of a sentence, and a model that spreads its probability evenly over the vocabulary:"),
    code("perplexity-demo", """
        sentence_probs = np.array([0.20, 0.05, 0.30, 0.50, 0.10])
        print("model:  ", perplexity(np.log(sentence_probs)))
        print("uniform:", perplexity(np.log(np.full(5, 1 / len(vocab)))))
        """),
    md("analysis-heading", "## Analysis"),
    md("q1", "**Question 1**: Describe the distribution `apply_temperature` returns as `t` approaches 0 and as `t` grows very large, and what that means for the text you would sample."),
    md("q1-answer", "*your answer here*"),
    md("q2", "**Question 2**: Why does `apply_temperature` need to subtract the maximum when `t` is small, although `next_token_logits` are small numbers?"),
    md("q2-answer", "*your answer here*"),
    md("q3", "**Question 3**: A model that spreads its probability evenly over a vocabulary of $V$ tokens has perplexity $V$ (the demo shows 6). Explain why, and what a perplexity of 20 means for a model over a vocabulary of 50,000 tokens."),
    md("q3-answer", "*your answer here*"),
]

SOLUTION = {
    "temperature-code": tidy("""
        def apply_temperature(logits, t):
            scaled = logits / t
            scaled = scaled - scaled.max(axis=-1, keepdims=True)  # exp of at most 0: no overflow at small t
            expos = np.exp(scaled)
            return expos / expos.sum(axis=-1, keepdims=True)
        """),
    "sample-code": tidy("""
        def sample(logits, t, n, seed):
            rng = np.random.default_rng(seed)
            probs = apply_temperature(logits, t)
            return rng.choice(len(probs), size=n, p=probs)
        """),
    "perplexity-code": tidy("""
        def perplexity(token_logprobs):
            return np.exp(-np.mean(token_logprobs))
        """),
}

GOOD_ANSWERS = {
    "q1-answer": tidy(r"""
        **Answer**: As `t` approaches 0 the scaled logits move far apart and the softmax puts all of its mass on the largest logit: the distribution becomes one-hot and sampling turns into greedy decoding ("the" every time here), which is safe but repetitive. As `t` grows the scaled logits all approach 0, so the distribution approaches the uniform one over the vocabulary and the samples become random words. Temperatures in between trade coherence for variety.
        """),
    "q2-answer": tidy(r"""
        **Answer**: Dividing by `t = 0.001` turns a logit of 2 into 2000, and `exp(2000)` overflows float64 (anything above about 709.8 does), which gives `inf / inf = nan`. Subtracting the largest scaled logit first makes the largest exponent exactly 0 and all the others negative, so nothing overflows; the probabilities do not change, because a softmax is unchanged when the same constant is subtracted from every logit.
        """),
    "q3-answer": tidy(r"""
        **Answer**: If every token gets probability $1/V$, every log-probability is $-\log V$, their mean is $-\log V$, and $\exp(\log V) = V$. Perplexity is the size of the uniform choice that would be just as surprised by the text: a perplexity of 20 means the model is, on average, as uncertain as if it were choosing evenly among 20 tokens, far better than the 50,000 of a uniform guess.
        """),
}

UNSTABLE_CODE = {
    "temperature-code": tidy("""
        def apply_temperature(logits, t):
            expos = np.exp(logits / t)
            return expos / expos.sum(axis=-1, keepdims=True)
        """),
}

UNSTABLE_ANSWERS = {
    "q1-answer": GOOD_ANSWERS["q1-answer"],
    "q2-answer": "**Answer**: The logits here are all between -1 and 2, so `exp` of them is small and there is no need to subtract anything; the `nan` at `t=0.001` only appears because such a small temperature is unrealistic.",
    "q3-answer": GOOD_ANSWERS["q3-answer"],
}

WRONG_CODE = {
    "temperature-code": tidy("""
        def apply_temperature(logits, t):
            scaled = logits * t
            scaled = scaled - scaled.max(axis=-1, keepdims=True)
            expos = np.exp(scaled)
            return expos / expos.sum(axis=-1, keepdims=True)
        """),
    "perplexity-code": tidy("""
        def perplexity(token_logprobs):
            return np.exp(-np.sum(token_logprobs))
        """),
}

WRONG_ANSWERS = {
    "q1-answer": "**Answer**: A small temperature makes the distribution more uniform and a large one makes it pick the most likely word, so high temperatures give the safest text.",
    "q2-answer": "**Answer**: The logits are small, so subtracting the maximum is not really needed; it only keeps the numbers tidy.",
    "q3-answer": "**Answer**: Perplexity measures how long a text is, so a perplexity of 20 means the text is about 20 tokens long.",
}

CRASHING_CODE = {
    # The cell fails before its def runs, so perplexity is never defined.
    "perplexity-code": tidy("""
        sentence_logprobs = np.log(sentence_probs)

        def perplexity(token_logprobs):
            return np.exp(-np.mean(token_logprobs))
        """),
}


def examples() -> list[Example]:
    function_checks = CHECKS[3:]
    return [
        Example("correct.ipynb", "Stable temperature softmax, seeded sampling with np.random.default_rng(seed), perplexity exp(-mean); every question answered.",
                dict(ALL_PASSED), answers=GOOD_ANSWERS, min_score_fraction=1.0),
        Example("unstable.ipynb", "apply_temperature as exp(logits / t) without subtracting the max: right at ordinary temperatures, nan at t = 1e-3 (overflow), still about uniform at t = 1e3. Whether that costs all or part of apply_temperature.stability depends on how the check scores its cases, so it is not listed; the score is below full marks.",
                {"narrative": "passed", "placeholders": "passed", "execution": "passed",
                 "apply_temperature.reference": "passed", "sample.distribution": "passed", "perplexity.reference": "passed"},
                code=UNSTABLE_CODE, answers=UNSTABLE_ANSWERS),
        Example("wrong.ipynb", "Temperature multiplied instead of divided (so t -> 0 gives uniform and large t one-hot; right only at t = 1), perplexity as exp(-sum) instead of exp(-mean); answers with misconceptions. apply_temperature.reference and sample.distribution depend on whether the grader uses t = 1, so they are not listed.",
                {"narrative": "passed", "placeholders": "passed", "execution": "passed",
                 "apply_temperature.stability": "failed", "perplexity.reference": "failed"},
                code=WRONG_CODE, answers=WRONG_ANSWERS),
        Example("unanswered.ipynb", "Correct code, but every answer cell still holds the *your answer here* placeholder.",
                {"narrative": "failed", "placeholders": "passed", "execution": "passed", **{c: "passed" for c in function_checks}}),
        Example(STARTER_UNCHANGED, "Byte-identical copy of the starter: stale instructor outputs, stub code; a fresh run fails at the sample-counts demo.",
                {check: "failed" for check in CHECKS}, max_score_fraction=0.0),
        Example("crashing.ipynb", "Correct apply_temperature and sample; the perplexity cell raises NameError before its def runs, so perplexity is never defined and Run All stops there.",
                {"placeholders": "passed", "execution": "failed",
                 "apply_temperature.reference": "passed", "apply_temperature.stability": "passed",
                 "sample.distribution": "passed", "perplexity.reference": "failed"},
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
        seeds=["808"],
        examples=examples(),
    )
