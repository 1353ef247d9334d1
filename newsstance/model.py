"""The stance model: a scikit-learn pipeline over instances, with probabilities and explanations."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler

from .features import CompactTfidfVectorizer, MentionWindow, SentimentFeatures, TargetMasker

LABELS = ("favor", "against", "neutral")


def build_pipeline(C: float = 1.0, window: int = 6, min_df: int = 2, max_features: int = 100_000,
                   calibration_folds: int = 5, seed: int = 0) -> Pipeline:
    """The stance pipeline: tf-idf of masked text and of mention windows, VADER figures, calibrated
    logistic regression with balanced class weights."""
    words = Pipeline([
        ("mask", TargetMasker()),
        ("tfidf", CompactTfidfVectorizer(ngram_range=(1, 2), min_df=min_df, max_features=max_features,
                                  sublinear_tf=True, strip_accents="unicode")),
    ])
    context = Pipeline([
        ("window", MentionWindow(window=window)),
        ("tfidf", CompactTfidfVectorizer(ngram_range=(1, 2), min_df=min_df, max_features=max_features // 2,
                                  sublinear_tf=True, strip_accents="unicode")),
    ])
    sentiment = Pipeline([("vader", SentimentFeatures()), ("scale", StandardScaler())])
    classifier = CalibratedClassifierCV(
        LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=seed),
        method="sigmoid", cv=calibration_folds, ensemble=False,
    )
    return Pipeline([
        ("features", FeatureUnion([("words", words), ("context", context), ("sentiment", sentiment)])),
        ("classifier", classifier),
    ])


class StanceModel:
    """A fitted stance pipeline with its name, version and metadata; predicts favor/against/neutral."""

    def __init__(self, pipeline: Pipeline, name: str = "unsaved", version: str = "0", metadata: dict | None = None):
        self.pipeline = pipeline
        self.name = name
        self.version = version
        self.metadata = metadata or {}
        classes = list(pipeline.classes_)
        self._order = [classes.index(label) for label in LABELS]
        self._feature_names = None

    @property
    def info(self) -> dict:
        """Name and version, as every result reports them."""
        return {"name": self.name, "version": self.version}

    def _linear(self) -> LogisticRegression:
        """The linear classifier whose coefficients explain a score."""
        classifier = self.pipeline[-1]
        if isinstance(classifier, CalibratedClassifierCV):
            return classifier.calibrated_classifiers_[0].estimator
        return classifier

    def predict(self, instances: Sequence[dict], explain: int = 0):
        """Probabilities (rows in LABELS order) and, when explain > 0, the top features per instance."""
        if not instances:
            return np.zeros((0, len(LABELS))), []
        features = self.pipeline[:-1].transform(instances)
        probabilities = self.pipeline[-1].predict_proba(features)[:, self._order]
        explanations = self._explain(features, explain) if explain else []
        return probabilities, explanations

    def predict_proba(self, instances: Sequence[dict]) -> np.ndarray:
        """Probabilities of favor, against, neutral for each instance."""
        return self.predict(instances)[0]

    def _explain(self, features, top: int) -> list[list[dict]]:
        """Per row: features with the largest value x (favor - against) coefficient, signed toward favor."""
        linear = self._linear()
        classes = list(linear.classes_)
        direction = linear.coef_[classes.index("favor")] - linear.coef_[classes.index("against")]
        if self._feature_names is None:
            self._feature_names = self.pipeline[:-1].get_feature_names_out()
        features = features.tocsr()
        explanations = []
        for row in range(features.shape[0]):
            start, end = features.indptr[row], features.indptr[row + 1]
            columns = features.indices[start:end]
            weights = features.data[start:end] * direction[columns]
            best = np.argsort(-np.abs(weights))[:top]
            explanations.append([{"feature": str(self._feature_names[columns[i]]), "weight": round(float(weights[i]), 4)}
                                 for i in best if weights[i] != 0])
        return explanations
