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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

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
        self.labels: list[str] = []
        starts: list[int] = []
        for number, document in enumerate(documents):
            if not self.labels or self.labels[-1] != document.label:
                self.labels.append(document.label)
                starts.append(number)
        self.starts = np.array(starts, dtype=np.int64)
        self.size = len(documents)

    def closest(self, stems: Iterable[str], floor: float) -> dict[str, Closest]:
        """For each label, its example closest to `stems`, if at least `floor` similar."""
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
        best = np.maximum.reduceat(similarity, self.starts)
        result = {}
        for number in np.flatnonzero(best >= floor):
            start = self.starts[number]
            end = self.starts[number + 1] if number + 1 < len(self.starts) else self.size
            at = start + int(np.argmax(similarity[start:end]))
            result[self.labels[number]] = Closest(
                round(float(similarity[at]), 3),
                self.texts[at],
                bool(self.learned[at]),
                self.stems[at],
            )
        return result


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
        for size in (3, 4):
            for start in range(len(padded) - size + 1):
                counts["c " + padded[start : start + size]] += 1
    return counts


class LinearModel:
    """A multinomial logistic regression over n-grams (tf-idf, sublinear, unit length)."""

    def __init__(self, texts: Sequence[Sequence[str]], labels: Sequence[str]) -> None:
        from scipy.sparse import csr_matrix  # late: only a company with examples trains
        from sklearn.linear_model import LogisticRegression

        rows = [features(words) for words in texts]
        frequency: dict[str, int] = defaultdict(int)
        for row in rows:
            for name in row:
                frequency[name] += 1
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
        if len(self.labels) < 2:
            self.weights = np.zeros((len(self.labels), len(vocabulary)))
            self.bias = np.zeros(len(self.labels))
            return
        model = LogisticRegression(C=10.0, max_iter=300)
        model.fit(matrix, labels)
        self.labels = [str(label) for label in model.classes_]
        self.weights = np.ascontiguousarray(model.coef_.T) if len(self.labels) > 2 else None
        if self.weights is None:  # two classes: one column, the second label's log-odds
            self.weights = np.hstack([-model.coef_.T / 2, model.coef_.T / 2])
            self.bias = np.array([-model.intercept_[0] / 2, model.intercept_[0] / 2])
        else:
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

    def probabilities(self, words: Sequence[str]) -> dict[str, float]:
        columns, values = self._vector(features(words))
        if not columns:
            return {}
        scores = np.asarray(values) @ self.weights[columns] + self.bias
        scores = np.exp(scores - scores.max())
        scores /= scores.sum()
        return {label: float(score) for label, score in zip(self.labels, scores, strict=True)}
