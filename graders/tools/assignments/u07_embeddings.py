"""Unit 7: embeddings for recommendation (cosine, Euclidean, top-k, matrix factorization), in NumPy."""
from __future__ import annotations

import numpy as np

from nbkit import Cell, code, md, tidy
from selfcheck import close, exact_indices
from spec import STARTER_UNCHANGED, Arg, Assignment, Case, Example, spec_check_ids

ID = "u07-embeddings"
# The check ids, in order, as the assignment spec (graders/<id>/assignment.yaml) defines them.
CHECKS = spec_check_ids(ID)
ALL_PASSED = {check: "passed" for check in CHECKS}


def cosine_similarity_reference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def euclidean_distance_reference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum((a - b) ** 2, axis=-1))


def top_k_reference(query: np.ndarray, items: np.ndarray, k: int) -> np.ndarray:
    sims = cosine_similarity_reference(items, query)
    return np.argsort(-sims, kind="stable")[:k]


def cases() -> list[Case]:
    rng = np.random.default_rng(71)
    pairs = [
        (np.array([1.0, 2.0, 2.0]), np.array([2.0, 0.0, 1.0])),
        (rng.normal(size=5) * 3, rng.normal(size=5)),
        (rng.normal(size=(5, 3)) * 2, rng.normal(size=(5, 3))),
        (rng.normal(size=(4, 8)) + 1.0, rng.normal(size=(4, 8)) * 5),
    ]
    rankings = [
        (rng.normal(size=6), rng.normal(size=(10, 6)) * rng.uniform(0.5, 3.0, size=(10, 1)), 3),
        (rng.normal(size=4), rng.normal(size=(7, 4)), 1),
        (rng.normal(size=5) * 4, rng.normal(size=(12, 5)) * rng.uniform(0.5, 3.0, size=(12, 1)), 5),
    ]
    factors = [
        (rng.normal(size=(3, 4)), rng.normal(size=(5, 4))),
        (rng.normal(size=(2, 6)) * 2, rng.normal(size=(7, 6))),
    ]
    result = [
        Case("cosine_similarity.reference", "cosine_similarity", (Arg("float", a), Arg("float", b)), close(cosine_similarity_reference(a, b)))
        for a, b in pairs
    ]
    result += [
        Case("euclidean_distance.reference", "euclidean_distance", (Arg("float", a), Arg("float", b)), close(euclidean_distance_reference(a, b)))
        for a, b in pairs
    ]
    result += [
        Case("top_k.reference", "top_k", (Arg("float", q), Arg("float", items), Arg("scalar", k)), exact_indices(top_k_reference(q, items, k)))
        for q, items, k in rankings
    ]
    result += [
        Case("predict_ratings.reference", "predict_ratings", (Arg("float", u), Arg("float", v)), close(u @ v.T)) for u, v in factors
    ]
    return result


STARTER_CELLS: list[Cell] = [
    md("intro", r"""
        # Unit 7: Embeddings for recommendation

        Task: implement the measures a recommender system uses to compare embedding vectors, find the items most similar to a given one, and predict ratings by matrix factorization.

        **Why**: a trained recommender turns every user and every item into a vector. Everything it recommends comes from comparing those vectors: with the cosine similarity, the Euclidean distance or the dot product.

        All functions take NumPy `float64` arrays and work along the **last axis**: two vectors of shape `(d,)` give one number; two arrays of shape `(n, d)` give `n` numbers, one per row.
        """),
    md("setup-heading", "## Setup"),
    code("setup", """
        import numpy as np

        np.random.seed(707)
        np.set_printoptions(precision=3, suppress=True)
        """),
    md("data-intro", "Embeddings for six films, as a trained model might have learned them (4 factors each). Sequels and films of the same kind get similar vectors:"),
    code("data", """
        titles = ["Alien", "Aliens", "Toy Story", "Finding Nemo", "Heat", "Ronin"]
        film_emb = np.random.randn(6, 4)
        film_emb[1] = film_emb[0] + 0.3 * np.random.randn(4)
        film_emb[3] = film_emb[2] + 0.3 * np.random.randn(4)
        film_emb[5] = film_emb[4] + 0.3 * np.random.randn(4)
        film_emb
        """),
    md("similarity-heading", r"""
        ## Similarity and distance

        **Task**: Fill in `cosine_similarity(a, b)` $= \dfrac{a \cdot b}{\|a\|\,\|b\|}$, along the last axis.
        """),
    code("cosine-code", """
        def cosine_similarity(a, b):
            # your code here
            return ...
        """),
    md("euclidean-task", r"**Task**: Fill in `euclidean_distance(a, b)` $= \|a - b\|$, along the last axis."),
    code("euclidean-code", """
        def euclidean_distance(a, b):
            # your code here
            return ...
        """),
    md("similarity-demo-intro", "Compare *Alien* with its sequel and with *Toy Story*, then three pairs of films at once:"),
    code("similarity-demo", """
        print("cosine   Alien / Aliens:   ", cosine_similarity(film_emb[0], film_emb[1]))
        print("cosine   Alien / Toy Story:", cosine_similarity(film_emb[0], film_emb[2]))
        print("distance Alien / Aliens:   ", euclidean_distance(film_emb[0], film_emb[1]))
        print("row by row:", cosine_similarity(film_emb[:3], film_emb[3:]))
        """),
    md("top-k-heading", r"""
        ## Nearest neighbours

        **Task**: Fill in `top_k(query, items, k)`: the indices of the `k` rows of `items` with the highest cosine similarity to `query`, the most similar first. (`np.argsort` sorts in ascending order.)
        """),
    code("top-k-code", """
        def top_k(query, items, k):
            # your code here
            return ...
        """),
    md("top-k-demo-intro", "The three films most similar to *Alien*:"),
    code("top-k-demo", """
        for i in top_k(film_emb[0], film_emb, 3):
            print(titles[i])
        """),
    md("ratings-heading", r"""
        ## Matrix factorization

        A matrix-factorization model gives every user a vector too. Its predicted rating of item $j$ by user $i$ is the dot product $u_i \cdot v_j$.

        **Task**: Fill in `predict_ratings(user_emb, item_emb)`: the `(n_users, n_items)` matrix of all predicted ratings, $U V^\top$.
        """),
    code("ratings-code", """
        def predict_ratings(user_emb, item_emb):
            # your code here
            return ...
        """),
    md("ratings-demo-intro", "Three users: which film would each of them be recommended?"),
    code("ratings-demo", """
        users = np.random.randn(3, 4)
        ratings = predict_ratings(users, film_emb)
        print(ratings)
        for user, row in enumerate(ratings):
            print(f"user {user}: {titles[int(np.argmax(row))]}")
        """),
    md("analysis-heading", "## Analysis"),
    md("q1", "**Question 1**: The cosine similarity ignores the length of the embedding vectors; the dot product in `predict_ratings` does not. What might a long item vector mean in a trained recommender, and when would you prefer the cosine similarity?"),
    md("q1-answer", "*your answer here*"),
    md("q2", "**Question 2**: The first film `top_k` returns for *Alien* is *Alien* itself. Why? How would you change the call (or the function) to recommend only other films?"),
    md("q2-answer", "*your answer here*"),
    md("q3", r"**Question 3**: For vectors of length 1, show that $\|a - b\|^2 = 2 - 2\cos(a, b)$. What does this tell you about ranking neighbours by Euclidean distance instead of cosine similarity?"),
    md("q3-answer", "*your answer here*"),
]

SOLUTION = {
    "cosine-code": tidy("""
        def cosine_similarity(a, b):
            dots = np.sum(a * b, axis=-1)
            return dots / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
        """),
    "euclidean-code": tidy("""
        def euclidean_distance(a, b):
            return np.sqrt(np.sum((a - b) ** 2, axis=-1))
        """),
    "top-k-code": tidy("""
        def top_k(query, items, k):
            sims = cosine_similarity(items, query)  # query broadcasts against every row
            return np.argsort(-sims, kind="stable")[:k]
        """),
    "ratings-code": tidy("""
        def predict_ratings(user_emb, item_emb):
            return user_emb @ item_emb.T
        """),
}

GOOD_ANSWERS = {
    "q1-answer": tidy(r"""
        **Answer**: In matrix factorization the dot product grows with the length of the item vector, so a long item vector scores high for many users: it usually belongs to a popular or generally well-liked item (the length plays the part of an item bias). The cosine similarity divides the lengths out and compares only directions, that is, *what kind* of item it is. For "more like this" recommendations between items I would use the cosine; for predicting how much a user will like an item the length carries real information, so the dot product is right there.
        """),
    "q2-answer": tidy(r"""
        **Answer**: Every vector has a cosine similarity of exactly 1 with itself, the largest value possible, so the query item always ranks first when it is among the items. To recommend only other films I would call `top_k(query, items, k + 1)` and drop the query's own index, or give the function the query's index and set its similarity to `-inf` before sorting.
        """),
    "q3-answer": tidy(r"""
        **Answer**: $\|a - b\|^2 = \|a\|^2 + \|b\|^2 - 2\,a \cdot b = 1 + 1 - 2\cos(a, b)$ when both lengths are 1. The distance is a decreasing function of the cosine, so on normalised embeddings ranking by the smallest Euclidean distance gives exactly the same neighbours, in the same order, as ranking by the largest cosine similarity. On vectors that are not normalised the two rankings can differ, because the distance also depends on the lengths.
        """),
}

FLOAT32_CODE = {
    "cosine-code": tidy("""
        def cosine_similarity(a, b):
            a = np.asarray(a, dtype=np.float32)  # float32 is what the embedding layers store
            b = np.asarray(b, dtype=np.float32)
            dots = np.sum(a * b, axis=-1)
            return dots / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
        """),
    "euclidean-code": tidy("""
        def euclidean_distance(a, b):
            a = np.asarray(a, dtype=np.float32)
            b = np.asarray(b, dtype=np.float32)
            return np.sqrt(np.sum((a - b) ** 2, axis=-1))
        """),
    "top-k-code": tidy("""
        def top_k(query, items, k):
            sims = cosine_similarity(items, query)
            return np.argsort(-sims, kind="stable")[:k]
        """),
    "ratings-code": tidy("""
        def predict_ratings(user_emb, item_emb):
            return np.asarray(user_emb, dtype=np.float32) @ np.asarray(item_emb, dtype=np.float32).T
        """),
}

WRONG_CODE = {
    "cosine-code": tidy("""
        def cosine_similarity(a, b):
            return np.sum(a * b, axis=-1)
        """),
    "euclidean-code": tidy("""
        def euclidean_distance(a, b):
            return np.sum((a - b) ** 2, axis=-1)
        """),
    "top-k-code": tidy("""
        def top_k(query, items, k):
            sims = cosine_similarity(items, query)
            return np.argsort(sims)[:k]
        """),
}

WRONG_ANSWERS = {
    "q1-answer": "**Answer**: The cosine similarity and the dot product are the same thing for embeddings, so the length of a vector does not mean anything and it does not matter which one we use.",
    "q2-answer": "**Answer**: In my output *Alien* is not the first film, so nothing needs to change: `top_k` already leaves the query out.",
    "q3-answer": "**Answer**: The Euclidean distance and the cosine similarity measure unrelated things, so the two rankings can be completely different even for vectors of length 1.",
}

CRASHING_CODE = {
    # The cell fails before its def runs, so predict_ratings is never defined.
    "ratings-code": tidy("""
        print(top_k(film_emb[0], film_emb))

        def predict_ratings(user_emb, item_emb):
            return user_emb @ item_emb.T
        """),
}


def examples() -> list[Example]:
    function_checks = CHECKS[3:]
    return [
        Example("correct.ipynb", "Correct float64 cosine similarity, Euclidean distance, top_k (most similar first) and U V^T; every question answered.",
                dict(ALL_PASSED), answers=GOOD_ANSWERS, min_score_fraction=1.0),
        Example("float32.ipynb", "Correct, but computes in float32 (returns float32 arrays); float32 precision earns full marks.",
                dict(ALL_PASSED), code=FLOAT32_CODE, answers=GOOD_ANSWERS, min_score_fraction=1.0),
        Example("wrong.ipynb", "Cosine without normalisation (a plain dot product), squared Euclidean distance (no square root), top_k in ascending order (the least similar items); predict_ratings correct; answers with misconceptions.",
                {"narrative": "passed", "placeholders": "passed", "execution": "passed",
                 "cosine_similarity.reference": "failed", "euclidean_distance.reference": "failed",
                 "top_k.reference": "failed", "predict_ratings.reference": "passed"},
                code=WRONG_CODE, answers=WRONG_ANSWERS),
        Example("unanswered.ipynb", "Correct code, but every answer cell still holds the *your answer here* placeholder.",
                {"narrative": "failed", "placeholders": "passed", "execution": "passed", **{c: "passed" for c in function_checks}}),
        Example(STARTER_UNCHANGED, "Byte-identical copy of the starter: stale instructor outputs, stub code; a fresh run fails at the top_k demo.",
                {check: "failed" for check in CHECKS}, max_score_fraction=0.0),
        Example("crashing.ipynb", "Correct cosine, Euclidean and top_k; the predict_ratings cell raises TypeError (top_k called without k) before its def runs, so predict_ratings is never defined and Run All stops there.",
                {"placeholders": "passed", "execution": "failed",
                 "cosine_similarity.reference": "passed", "euclidean_distance.reference": "passed",
                 "top_k.reference": "passed", "predict_ratings.reference": "failed"},
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
        seeds=["707"],
        examples=examples(),
    )
