"""What the matcher learns from the company's examples: two methods behind one question.

`ExampleIndex` finds, for each label, the example closest to a message (cosine of stem sets,
each stem weighted by how rare it is); the shipped examples and the learned ones share it.
`LinearModel` is a logistic regression over word and character n-grams, trained with
scikit-learn and applied here with numpy (scikit-learn's per-call overhead is too slow for one
message at a time). Both answer with a score per label: an answering protocol's id,
`HOLD` (the team filed it or wanted to see it) or `LEAVE` (none of the company's business).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

GRAM_SIZES = (3, 4)
"""Lengths of the character n-grams inside each word."""
WORDS_CACHED = 50_000
"""Words whose n-gram columns are kept between messages (a message's words repeat)."""
MIN_COUNT = 2
"""Examples an n-gram must appear in to be a feature of the linear model."""
ALPHA = 1e-5
"""Regularisation of the linear model (little: the examples are few and labelled by hand)."""
EPOCHS = 20
"""Passes over the examples (fixed, so the same examples give the same model)."""
HOLD = "__revisar__"
"""Label of the examples a person filed or reviewed: they only ever hold back an answer."""
LEAVE = "__dejar__"
"""Label of the examples a person left alone as none of the company's business."""


@dataclass(frozen=True)
class Document:
    label: str
    stems: frozenset[str]
    text: str
    learned: bool


@dataclass(frozen=True)
class Closest:
    similarity: float
    text: str
    learned: bool
    stems: frozenset[str]


class ExampleIndex:
    """Examples by stem, so a message is compared with all of them in a few array operations."""

    def __init__(self, documents: Sequence[Document], ignored: frozenset[str]) -> None:
        documents = sorted(documents, key=lambda document: document.label)  # stable
        self.ignored = ignored
        counts: dict[str, int] = defaultdict(int)
        for document in documents:
            for stem in document.stems - ignored:
                counts[stem] += 1
        total = max(len(documents), 1)
        self.idf = {stem: math.log(1 + total / count) for stem, count in counts.items()}
        self.unknown_idf = math.log(1 + total)
        self.texts = [document.text for document in documents]
        self.stems = [document.stems for document in documents]
        self.learned = np.array([document.learned for document in documents], dtype=bool)
        postings: dict[str, list[int]] = defaultdict(list)
        norms = np.ones(len(documents))
        for number, document in enumerate(documents):
            stems = document.stems - ignored
            for stem in stems:
                postings[stem].append(number)
            norms[number] = math.sqrt(sum(self.idf[stem] ** 2 for stem in stems)) or 1.0
        self.norms = norms
        self.postings = {
            stem: (np.array(found, dtype=np.int64), np.full(len(found), self.idf[stem] ** 2))
            for stem, found in postings.items()
        }
        self.label_of = [document.label for document in documents]
        self.labels: list[str] = []
        starts: list[int] = []
        for number, document in enumerate(documents):
            if not self.labels or self.labels[-1] != document.label:
                self.labels.append(document.label)
                starts.append(number)
        self.starts = np.array(starts, dtype=np.int64)
        self.size = len(documents)

    def closest(
        self, stems: Iterable[str], floor: float, learned_floor: float, learned: int
    ) -> dict[str, Neighbours]:
        """For each label, its shipped example closest to `stems` (if at least `floor`
        similar) and its `learned` closest learned ones (at least `learned_floor`)."""
        unique = set(stems) - self.ignored
        if not unique or not self.size:
            return {}
        norm = math.sqrt(sum(self.idf.get(stem, self.unknown_idf) ** 2 for stem in unique))
        found = [self.postings[stem] for stem in unique if stem in self.postings]
        if not found:
            return {}
        documents = np.concatenate([posting for posting, _ in found])
        weights = np.concatenate([weight for _, weight in found])
        similarity = np.bincount(documents, weights, minlength=self.size) / (norm * self.norms)
        hits = np.flatnonzero(similarity >= min(floor, learned_floor))
        hits = hits[np.argsort(-similarity[hits], kind="stable")]
        shipped: dict[str, Closest] = {}
        nearest: dict[str, list[Closest]] = defaultdict(list)
        for at in hits.tolist():
            value = round(float(similarity[at]), 3)
            label = self.label_of[at]
            if self.learned[at]:
                if value >= learned_floor and len(nearest[label]) < learned:
                    nearest[label].append(Closest(value, self.texts[at], True, self.stems[at]))
            elif value >= floor and label not in shipped:
                shipped[label] = Closest(value, self.texts[at], False, self.stems[at])
        return {
            label: Neighbours(shipped.get(label), tuple(nearest.get(label, ())))
            for label in sorted(set(shipped) | {label for label, found in nearest.items() if found})
        }


@dataclass(frozen=True)
class Neighbours:
    shipped: Closest | None
    """The closest shipped example of the label."""
    learned: tuple[Closest, ...]
    """The closest learned examples of the label, closest first."""

    @property
    def best(self) -> float:
        return max([self.shipped.similarity if self.shipped else 0.0]
                   + [found.similarity for found in self.learned])  # fmt: skip


def features(words: Sequence[str]) -> dict[str, float]:
    """Word unigrams and bigrams, and character 3- and 4-grams inside each word."""
    counts: dict[str, float] = defaultdict(float)
    previous = None
    for word in words:
        counts["w " + word] += 1
        if previous is not None:
            counts["b " + previous + " " + word] += 1
        previous = word
        padded = f" {word} "
        for size in GRAM_SIZES:
            for start in range(len(padded) - size + 1):
                counts["c " + padded[start : start + size]] += 1
    return counts


class LinearModel:
    """A logistic regression over n-grams (tf-idf, sublinear, unit length), one label against
    the rest; at least two labels."""

    def __init__(self, texts: Sequence[Sequence[str]], labels: Sequence[str]) -> None:
        from scipy.sparse import csr_matrix  # late: only a company with examples trains
        from sklearn.linear_model import SGDClassifier

        self._known: dict[str, list[int]] = {}
        rows = [features(words) for words in texts]
        frequency: dict[str, int] = defaultdict(int)
        for row in rows:
            for name in row:
                frequency[name] += 1
        # An n-gram seen once teaches nothing general and only slows the training down.
        frequency = {name: count for name, count in frequency.items() if count >= MIN_COUNT}
        vocabulary = {name: number for number, name in enumerate(sorted(frequency))}
        total = len(rows)
        self.vocabulary = vocabulary
        self.idf = np.array(
            [math.log((1 + total) / (1 + frequency[name])) + 1 for name in sorted(frequency)]
        )
        data, indices, pointers = [], [], [0]
        for row in rows:
            columns, values = self._vector(row)
            indices.extend(columns)
            data.extend(values)
            pointers.append(len(indices))
        matrix = csr_matrix((data, indices, pointers), shape=(total, len(vocabulary)))
        self.labels = sorted(set(labels))
        self.counts = Counter(labels)
        """Examples per label (a label taught a few times decides nothing alone)."""
        # Logistic loss by stochastic gradient descent, one label against the rest: well
        # under a second for thousands of examples (L-BFGS on them took twenty).
        model = SGDClassifier(
            loss="log_loss", alpha=ALPHA, max_iter=EPOCHS, tol=None, random_state=0
        )
        model.fit(matrix, labels)
        self.labels = [str(label) for label in model.classes_]
        if len(self.labels) == 2:  # one column: the second label's log-odds
            self.weights = np.hstack([-model.coef_.T, model.coef_.T])
            self.bias = np.array([-model.intercept_[0], model.intercept_[0]])
        else:
            self.weights = np.ascontiguousarray(model.coef_.T)
            self.bias = model.intercept_.copy()

    def _vector(self, row: dict[str, float]) -> tuple[list[int], list[float]]:
        columns, values = [], []
        for name, count in row.items():
            column = self.vocabulary.get(name)
            if column is not None:
                columns.append(column)
                values.append((1 + math.log(count)) * self.idf[column])
        length = math.sqrt(sum(value * value for value in values)) or 1.0
        return columns, [value / length for value in values]

    def _columns(self, words: Sequence[str]) -> list[int]:
        """The model's columns of a message's n-grams, one per occurrence (words cached)."""
        columns: list[int] = []
        previous = None
        for word in words:
            known = self._known.get(word)
            if known is None:
                if len(self._known) > WORDS_CACHED:
                    self._known.clear()
                known = [
                    column
                    for name, count in features([word]).items()
                    for column in [self.vocabulary.get(name)]
                    if column is not None
                    for _ in range(int(count))
                ]
                self._known[word] = known
            columns.extend(known)
            if previous is not None:
                column = self.vocabulary.get("b " + previous + " " + word)
                if column is not None:
                    columns.append(column)
            previous = word
        return columns

    def probabilities(self, words: Sequence[str]) -> dict[str, float]:
        columns = self._columns(words)
        if not columns:
            return {}
        # A dict counts a message's few dozen columns faster than np.unique sorts them.
        counted = Counter(columns)
        unique = np.fromiter(counted.keys(), np.intp, len(counted))
        values = self.idf[unique]
        if len(counted) < len(columns):  # some n-gram twice: sublinear term frequency
            counts = np.fromiter(counted.values(), np.float64, len(counted))
            values = (1 + np.log(counts)) * values
        scores = (values @ self.weights[unique]) / math.sqrt(values @ values) + self.bias
        scores = 1 / (1 + np.exp(-scores))  # each label against the rest, then shares
        return dict(zip(self.labels, (scores / scores.sum()).tolist(), strict=True))
