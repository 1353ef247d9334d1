"""The stance model's own arithmetic: fast paths equal to scikit-learn's, and the decision rule."""
import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from newsstance.model import LABELS, StanceModel, _calibrated_proba, _union_features
from training.data import Example
from training.train import DECISION_ALPHAS, choose_decision


def test_fast_paths_equal_scikit_learn(model, seed_texts):
    """Features and calibrated probabilities computed without sklearn's input checks are the same numbers."""
    texts = [p for text in seed_texts.values() for p in text.split("\n\n") if p.strip()] + ["", "Russia"]
    instances = [{"text": t, "mentions": [[0, min(6, len(t))]], "target": "russia"} for t in texts]
    for key, pipeline in model.pipelines.items():
        fast = _union_features(pipeline, instances)
        assert abs(fast - pipeline[:-1].transform(instances)).max() == 0
        assert np.array_equal(_calibrated_proba(pipeline[-1], fast), pipeline[-1].predict_proba(fast))
        vectorizer = pipeline[0].transformer_list[0][1][-1]
        assert (vectorizer.transform(texts) != TfidfVectorizer.transform(vectorizer, texts)).nnz == 0


class _Pipeline:
    classes_ = np.array(LABELS)


def test_label_applies_decision_weights():
    weights = {"favor": 4.0, "against": 2.0, "neutral": 0.5}
    stance = StanceModel({"*": _Pipeline(), "russia": _Pipeline()},
                         metadata={"decision": {"russia": {"weights": weights}}})
    p = [0.15, 0.2, 0.65]
    assert stance.label(p, "russia") == "favor"  # 0.6 > 0.4 > 0.325
    assert stance.label(p, "t1") == "neutral"  # no weights for the target-agnostic pipeline: argmax
    assert StanceModel({"*": _Pipeline()}).label([0.5, 0.3, 0.2]) == "favor"


def test_choose_decision_prefers_argmax_when_classes_are_balanced():
    words = {"favor": "praised warmly", "against": "condemned harshly", "neutral": "met on Monday"}
    examples = [Example(f"Russia was {words[label]} in case {i}.", [(0, 6)], label, group=f"g{i}")
                for i in range(30) for label in LABELS]
    decision = choose_decision(examples, {"min_df": 1, "calibration_folds": 2}, jobs=1)
    assert decision["alpha"] in DECISION_ALPHAS and set(decision["weights"]) == set(LABELS)
    assert decision["cv_macro_f1"]["0.0"] == pytest.approx(1.0)
    assert decision["alpha"] == 0.0  # equal priors: every alpha ties, and ties go to plain argmax


def test_scorer_labels_follow_the_models_decision_rule(scorer, seed_texts):
    """Paragraph labels are the model's weighted choice from the probabilities the result reports."""
    checked = 0
    for text in seed_texts.values():
        for paragraph in scorer.score(text)["paragraphs"]:
            for target, stance in paragraph["stances"].items():
                if stance:
                    p = [stance["probabilities"][label] for label in LABELS]
                    assert stance["label"] == scorer.model.label(p, target)
                    checked += 1
    assert checked > 20
