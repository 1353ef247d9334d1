"""The stance model: a scikit-learn pipeline over instances, with probabilities and explanations."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import sklearn
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler

from .features import (CompactTfidfVectorizer, MentionSides, MentionWindow, SentimentFeatures, SideSentiment,
                       TargetMasker)

LABELS = ("favor", "against", "neutral")


def build_pipeline(C: float = 1.0, window: int = 6, min_df: int = 2, max_features: int = 100_000,
                   calibration_folds: int = 5, seed: int = 0, rich_context: bool = False) -> Pipeline:
    """The stance pipeline: tf-idf of masked text and of mention windows, VADER figures, logistic regression
    with balanced class weights, calibrated (sigmoid, cross-validated) unless calibration_folds < 2.
    `rich_context` adds side-marked words around mentions, character n-grams of the windows and VADER of
    each side: it helps on NewsMTSC's one-sentence examples (grouped CV +0.014), not on our paragraphs.
    No accent stripping: English news, and sklearn's runs per character on every non-ASCII paragraph."""
    words = Pipeline([
        ("mask", TargetMasker()),
        ("tfidf", CompactTfidfVectorizer(ngram_range=(1, 2), min_df=min_df, max_features=max_features,
                                  sublinear_tf=True)),
    ])
    context = Pipeline([
        ("window", MentionWindow(window=window)),
        ("tfidf", CompactTfidfVectorizer(ngram_range=(1, 2), min_df=min_df, max_features=max_features // 2,
                                  sublinear_tf=True)),
    ])
    sentiment = Pipeline([("vader", SentimentFeatures()), ("scale", StandardScaler())])
    parts = [("words", words), ("context", context), ("sentiment", sentiment)]
    if rich_context:
        parts += [
            ("sides", Pipeline([("sides", MentionSides(window=3)),
                                ("tfidf", CompactTfidfVectorizer(min_df=min_df, sublinear_tf=True,
                                                                 token_pattern=r"\S+"))])),
            ("characters", Pipeline([("window", MentionWindow(window=window)),
                                     ("tfidf", CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                                                      min_df=3, max_features=max_features,
                                                                      sublinear_tf=True))])),
            ("side_sentiment", Pipeline([("vader", SideSentiment(window=4)), ("scale", StandardScaler())])),
        ]
    # newton-cg: ~10x faster than lbfgs on these 100k+ sparse columns, same accuracy (measured on NewsMTSC).
    classifier = LogisticRegression(C=C, class_weight="balanced", solver="newton-cg", tol=1e-3, max_iter=500,
                                    random_state=seed)
    if calibration_folds >= 2:
        classifier = CalibratedClassifierCV(classifier, method="sigmoid", cv=calibration_folds, ensemble=False)
    return Pipeline([("features", FeatureUnion(parts)), ("classifier", classifier)])


GENERIC = "*"


class StanceModel:
    """Fitted stance pipelines, one per built-in target plus a target-agnostic one (key "*") for
    request-defined targets, with name, version and metadata; predicts favor/against/neutral."""

    def __init__(self, pipelines, name: str = "unsaved", version: str = "0", metadata: dict | None = None):
        self.pipelines = pipelines if isinstance(pipelines, dict) else {GENERIC: pipelines}
        if GENERIC not in self.pipelines:
            raise ValueError(f"a stance model needs a target-agnostic pipeline under {GENERIC!r}")
        self.name = name
        self.version = version
        self.metadata = metadata or {}
        # column of each label in a pipeline's probabilities; None for a label it was never trained on
        self._columns = {key: [list(p.classes_).index(label) if label in p.classes_ else None for label in LABELS]
                         for key, p in self.pipelines.items()}
        self._feature_names: dict[str, np.ndarray] = {}
        # Per pipeline, how much each label's probability counts when picking the label (metadata "decision",
        # chosen by grouped CV at training): calibrated probabilities follow the base rates, so a rare class
        # seldom has the highest probability even when it is several times likelier than usual.
        decision = self.metadata.get("decision", {})
        self._decision_weights = {key: np.array([decision[key]["weights"][label] for label in LABELS])
                                  for key in self.pipelines if key in decision}

    @property
    def info(self) -> dict:
        """Name and version, as every result reports them."""
        return {"name": self.name, "version": self.version}

    @property
    def targets(self) -> list[str]:
        """Built-in targets with a pipeline of their own."""
        return [key for key in self.pipelines if key != GENERIC]

    def pipeline_for(self, target: str | None) -> str:
        """Key of the pipeline that scores a target."""
        return target if target in self.pipelines else GENERIC

    def label(self, probabilities: Sequence[float], target: str | None = None) -> str:
        """The label for probabilities (favor, against, neutral) of a target: the highest after the
        pipeline's decision weights (plain argmax for a model trained without them)."""
        weights = self._decision_weights.get(self.pipeline_for(target))
        values = np.asarray(probabilities) if weights is None else np.asarray(probabilities) * weights
        return LABELS[int(np.argmax(values))]

    def predict(self, instances: Sequence[dict], explain: int = 0):
        """Probabilities (rows in LABELS order) and, when explain > 0, the top features per instance."""
        probabilities = np.zeros((len(instances), len(LABELS)))
        explanations: list = [None] * len(instances) if explain else []
        rows: dict[str, list[int]] = {}
        for i, instance in enumerate(instances):
            rows.setdefault(self.pipeline_for(instance.get("target")), []).append(i)
        for key, indexes in rows.items():
            pipeline = self.pipelines[key]
            with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
                features = _union_features(pipeline, [instances[i] for i in indexes])
                raw = _calibrated_proba(pipeline[-1], features)
            for j, column in enumerate(self._columns[key]):
                if column is not None:
                    probabilities[indexes, j] = raw[:, column]
            if explain:
                for i, explanation in zip(indexes, self._explain(key, features, explain)):
                    explanations[i] = explanation
        return probabilities, explanations

    def predict_proba(self, instances: Sequence[dict]) -> np.ndarray:
        """Probabilities of favor, against, neutral for each instance."""
        return self.predict(instances)[0]

    def _explain(self, key: str, features, top: int) -> list[list[dict]]:
        """Per row: features with the largest value x (favor - against) coefficient, signed toward favor."""
        pipeline = self.pipelines[key]
        weights = _class_weights(_linear(pipeline[-1]))
        direction = weights.get("favor", 0.0) - weights.get("against", 0.0)
        if key not in self._feature_names:
            self._feature_names[key] = pipeline[:-1].get_feature_names_out()
        names = self._feature_names[key]
        features = features.tocsr()
        explanations = []
        for row in range(features.shape[0]):
            start, end = features.indptr[row], features.indptr[row + 1]
            columns = features.indices[start:end]
            weights = features.data[start:end] * direction[columns]
            best = np.argsort(-np.abs(weights), kind="stable")[:top]
            explanations.append([{"feature": str(names[columns[i]]), "weight": round(float(weights[i]), 4)}
                                 for i in best if weights[i] != 0])
        return explanations


def _union_features(pipeline: Pipeline, instances: list[dict]):
    """The pipeline's feature matrix: each part of its FeatureUnion, stacked in order. Same columns as
    `pipeline[:-1].transform`, without FeatureUnion's per-call joblib dispatch (~2 ms, most of a short
    document's model time)."""
    union = pipeline[0]
    parts = [_transform(part, instances) for _, part in union.transformer_list]
    return sparse.hstack([sparse.csr_matrix(p) if not sparse.issparse(p) else p for p in parts], format="csr")


def _transform(part, X):
    """A fitted transformer or pipeline of them applied to X; a dense StandardScaler is applied as the
    arithmetic it is (sklearn's input checks cost more than the scaling of a few rows)."""
    for step in [s for _, s in part.steps] if isinstance(part, Pipeline) else [part]:
        if isinstance(step, StandardScaler) and isinstance(X, np.ndarray):
            X = X.astype(np.float64)  # a copy, as transform(copy=True) makes
            if step.with_mean:
                X -= step.mean_
            if step.with_std:
                X /= step.scale_
        else:
            X = step.transform(X)
    return X


def _calibrated_proba(classifier, X) -> np.ndarray:
    """`classifier.predict_proba(X)`, computed directly for a multi-class sigmoid-calibrated linear model
    (sklearn's arithmetic: decision values, one sigmoid per class, rows normalised, averaged over the
    calibrated copies); anything else goes through predict_proba."""
    copies = getattr(classifier, "calibrated_classifiers_", None)
    if (not copies or len(classifier.classes_) < 3
            or not all(isinstance(c.estimator, LogisticRegression) and c.method == "sigmoid"
                       and all(isinstance(k, _SigmoidCalibration) for k in c.calibrators) for c in copies)):
        return classifier.predict_proba(X)
    mean = np.zeros((X.shape[0], len(classifier.classes_)))
    for copy in copies:
        linear = copy.estimator
        decision = X @ linear.coef_.T + linear.intercept_
        proba = np.zeros_like(mean)
        columns = np.searchsorted(classifier.classes_, linear.classes_)
        for column, values, calibrator in zip(columns, decision.T, copy.calibrators):
            proba[:, column] = expit(-(calibrator.a_ * values + calibrator.b_))
        total = proba.sum(axis=1, keepdims=True)
        mean += np.divide(proba, total, out=np.full_like(proba, 1 / proba.shape[1]), where=total != 0)
    return mean / len(copies)


def _class_weights(linear: LogisticRegression) -> dict:
    """Each class's coefficient vector; a two-class model's single row splits into +/- halves."""
    classes = list(linear.classes_)
    if linear.coef_.shape[0] == 1:
        return {classes[1]: linear.coef_[0] / 2, classes[0]: -linear.coef_[0] / 2}
    return dict(zip(classes, linear.coef_))


def _linear(classifier) -> LogisticRegression:
    """The linear classifier whose coefficients explain a score."""
    if isinstance(classifier, CalibratedClassifierCV):
        return classifier.calibrated_classifiers_[0].estimator
    return classifier
