"""newsstance: stance toward Russia, the US and Vietnam's neutrality, and VADER sentiment, per paragraph."""
from .errors import InputError, LimitError, ModelError, NewsstanceError, UnknownTargetError
from .scorer import Limits, Scorer, score
from .targets import BUILTIN_NAMES, Target, builtin_targets

__version__ = "0.1.0"
__all__ = [
    "BUILTIN_NAMES", "InputError", "LimitError", "Limits", "ModelError", "NewsstanceError", "Scorer", "Target",
    "UnknownTargetError", "builtin_targets", "score",
]
