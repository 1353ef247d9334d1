"""Find and load models from the registry folder: `<root>/<name>/<version>/model.skops` + `metadata.json`,
with `<root>/current.json` naming the current one. Loading uses skops with a reviewed list of trusted types."""
from __future__ import annotations

import json
import os
from pathlib import Path

import sklearn
import skops.io

from .errors import ModelError
from .model import StanceModel

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
CURRENT_FILE = "current.json"

# Reviewed: the types a newsstance model holds beyond those skops trusts by default (scikit-learn
# pipelines, tf-idf, scaler, logistic regression, numpy and scipy arrays). This project's transformers set
# attributes only, no code runs at load; the two calibration types are scikit-learn's own fitted holders.
# Anything else in a file is refused.
TRUSTED_TYPES = (
    "newsstance.features.TargetMasker",
    "newsstance.features.MentionWindow",
    "newsstance.features.MentionSides",
    "newsstance.features.SideSentiment",
    "newsstance.features.SentimentFeatures",
    "newsstance.features.CompactTfidfVectorizer",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
)


def default_root() -> Path:
    """The registry folder: $NEWSSTANCE_MODELS, else `models/` of this checkout."""
    configured = os.environ.get("NEWSSTANCE_MODELS")
    return Path(configured) if configured else Path(__file__).resolve().parent.parent / "models"


def current(root: str | Path | None = None) -> tuple[str, str]:
    """Name and version of the current model."""
    root = Path(root) if root else default_root()
    pointer = root / CURRENT_FILE
    try:
        data = json.loads(pointer.read_text(encoding="utf-8"))
        return data["name"], data["version"]
    except FileNotFoundError:
        raise ModelError(f"no current model: {pointer} is missing; train one with `newsstance train` "
                         f"or set NEWSSTANCE_MODELS to a registry folder") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{pointer} is not a valid pointer ({{\"name\", \"version\"}}): {exc}") from None


def _minor(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:2] if part.isdigit())


def check_compatible(metadata: dict, where: Path) -> None:
    """Refuse a model made with another scikit-learn minor version, whose internals may differ."""
    made_with = metadata.get("libraries", {}).get("scikit-learn")
    if not made_with:
        raise ModelError(f"{where}: metadata does not say which scikit-learn version made the model")
    if _minor(made_with) != _minor(sklearn.__version__):
        raise ModelError(f"{where}: model made with scikit-learn {made_with}, but {sklearn.__version__} is "
                         f"installed; retrain it or install scikit-learn {'.'.join(map(str, _minor(made_with)))}.*")


def load_file(path: str | Path, trusted=TRUSTED_TYPES):
    """Load a skops file, refusing any type not on the trusted list."""
    path = Path(path)
    try:
        untrusted = [t for t in skops.io.get_untrusted_types(file=path) if t not in trusted]
    except FileNotFoundError:
        raise ModelError(f"model file {path} is missing") from None
    except Exception as exc:  # a corrupt or foreign file: skops raises various errors
        raise ModelError(f"{path} is not a readable skops file: {exc}") from None
    if untrusted:
        raise ModelError(f"{path} contains types that are not on the reviewed trusted list: {', '.join(untrusted)}",
                         untrusted=untrusted)
    return skops.io.load(path, trusted=list(trusted))


def load(name: str | None = None, version: str | None = None, root: str | Path | None = None) -> StanceModel:
    """Load a model from the registry; the current one when name and version are not given."""
    root = Path(root) if root else default_root()
    if name is None or version is None:
        name, version = current(root)
    folder = root / name / version
    try:
        metadata = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"model {name}/{version} not found under {root}") from None
    check_compatible(metadata, folder)
    pipeline = load_file(folder / MODEL_FILE)
    try:
        return StanceModel(pipeline, name=name, version=version, metadata=metadata)
    except (KeyError, TypeError, ValueError) as exc:  # e.g. a hand-edited "decision" missing a label
        raise ModelError(f"model {name}/{version} does not fit its metadata.json: {exc!r}") from None
