"""HTTP request and response schemas (marshmallow, through APIFlask): they validate the shape of what is
sent and generate /openapi.json. What a schema cannot say (spans inside the text, limits on paragraphs,
unknown target names...) the library checks, and the service turns its errors into problems.

Limits that come from configuration (text length, batch size) are written into the served spec by
`service.openapi` from the app's config; they are enforced by the library and the service, which name the
limit in their 413/422 answers (a schema validator could only say "too long")."""
from __future__ import annotations

from apiflask import Schema, fields, validators
from marshmallow import EXCLUDE, INCLUDE, RAISE, ValidationError

from newsstance.model import LABELS
from newsstance.segment import BODY, BOILERPLATE, HEADING
from newsstance.targets import BUILTIN_NAMES, MAX_ALIAS_CHARS, MAX_ALIASES, MAX_REQUEST_TARGETS, NAME_PATTERN
from newsstance.scorer import Limits

MAX_META_CHARS = Limits().max_meta_chars
STORED_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:~-]{0,127}$"
TIME_DESCRIPTION = "ISO 8601 date or date-time (RFC 3339); without a zone, UTC"


def _non_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must contain a non-whitespace character")


class IdField(fields.Field):
    """A document id: a string or an integer (kept as given; results carry it as a string)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValidationError("must be a string or an integer")
        return value


class StrictBoolean(fields.Boolean):
    """JSON true or false only (marshmallow's Boolean also takes 0, 1, "yes"...)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


TARGET_ALIASES = {
    "type": "object", "required": ["name", "aliases"], "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": NAME_PATTERN.pattern, "not": {"enum": list(BUILTIN_NAMES)}},
        "aliases": {"type": "array", "minItems": 1, "maxItems": MAX_ALIASES,
                    "items": {"type": "string", "minLength": 1, "maxLength": MAX_ALIAS_CHARS, "pattern": r"\S"}},
    },
}
TARGET_SPANS = {
    "type": "object", "required": ["name", "spans"], "additionalProperties": False,
    "description": "character spans [start, end) of the text, 0 <= start < end <= len(text)",
    "properties": {
        "name": {"type": "string", "pattern": NAME_PATTERN.pattern, "not": {"enum": list(BUILTIN_NAMES)}},
        "spans": {"type": "array", "minItems": 1, "maxItems": 1000,
                  "items": {"type": "array", "minItems": 2, "maxItems": 2,
                            "items": {"type": "integer", "minimum": 0}}},
    },
}


class TargetField(fields.Field):
    """A built-in target name, or a request-defined target by aliases or by spans. The library checks the
    details (and answers an unknown name with an `unknown-target` problem)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            extra = sorted(set(value) - {"name", "aliases", "spans"})
            if extra:
                raise ValidationError(f"unknown key(s) in a target definition: {', '.join(extra)}")
            return value
        raise ValidationError("a target is a built-in name or an object with 'name' and 'aliases' or 'spans'")


class DocumentIn(Schema):
    """A document to score. Unknown fields are ignored."""

    class Meta:
        unknown = EXCLUDE

    id = IdField(metadata={"oneOf": [{"type": "string", "maxLength": MAX_META_CHARS}, {"type": "integer"}],
                           "description": "echoed in the result"})
    text = fields.String(required=True, validate=_non_blank,
                         metadata={"pattern": r"\S", "description": "the article; paragraphs split on blank lines"})
    outlet = fields.String(allow_none=True, metadata={"maxLength": MAX_META_CHARS})
    title = fields.String(allow_none=True, metadata={"maxLength": MAX_META_CHARS})
    url = fields.String(allow_none=True, metadata={"maxLength": MAX_META_CHARS})
    published = fields.String(allow_none=True, metadata={"maxLength": MAX_META_CHARS,
                                                         "description": TIME_DESCRIPTION})
    targets = fields.List(TargetField(metadata={"oneOf": [{"type": "string", "enum": list(BUILTIN_NAMES)},
                                                          TARGET_ALIASES, TARGET_SPANS]}),
                          allow_none=True,
                          metadata={"maxItems": MAX_REQUEST_TARGETS,
                                    "description": "built-in names and/or definitions; all built-ins if absent"})


class StoredDocumentIn(DocumentIn):
    """A document to score and store; without an id, its id is made from its content's hash."""

    id = fields.String(validate=validators.Regexp(STORED_ID_PATTERN),
                       metadata={"pattern": STORED_ID_PATTERN, "description": "letters, digits, . _ : ~ -"})


class CompareDocumentIn(DocumentIn):
    outlet = fields.String(required=True, validate=_non_blank,
                           metadata={"maxLength": MAX_META_CHARS, "pattern": r"\S"})


class BatchIn(Schema):
    class Meta:
        unknown = RAISE

    documents = fields.List(fields.Nested(DocumentIn), required=True, validate=validators.Length(min=1),
                            metadata={"description": "at most MAX_BATCH_SIZE documents"})


class CompareIn(Schema):
    class Meta:
        unknown = RAISE

    documents = fields.List(fields.Nested(CompareDocumentIn), required=True, validate=validators.Length(min=1))
    collapse = StrictBoolean(load_default=False,
                              metadata={"description": "count near-duplicate documents (rewrites) once"})


class ExplainQuery(Schema):
    explain = fields.Boolean(load_default=False, metadata={"description": "add the features behind each stance"})


class FilterQuery(Schema):
    outlet = fields.List(fields.String(validate=validators.Length(min=1, max=MAX_META_CHARS)),
                         validate=validators.Length(max=100),
                         metadata={"description": "repeat to select several outlets (at most 100)"})
    since = fields.String(metadata={"format": "date-time", "description": TIME_DESCRIPTION})
    until = fields.String(metadata={"format": "date-time", "description": TIME_DESCRIPTION})


class ListQuery(FilterQuery):
    limit = fields.Integer(load_default=100, validate=validators.Range(1, 1000))
    offset = fields.Integer(load_default=0, validate=validators.Range(0, 10**9))


class CompareQuery(FilterQuery):
    collapse = fields.Boolean(load_default=False)


# Responses (documentation; views return the library's dicts as they are). Fields may be added to
# results over time, so no response schema forbids unknown properties.

class Out(Schema):
    class Meta:
        unknown = INCLUDE

class ModelInfo(Out):
    name = fields.String(required=True)
    version = fields.String(required=True)


class Sentiment(Out):
    compound = fields.Float()
    pos = fields.Float()
    neu = fields.Float()
    neg = fields.Float()


class Probabilities(Out):
    favor = fields.Float()
    against = fields.Float()
    neutral = fields.Float()


class Feature(Out):
    feature = fields.String()
    weight = fields.Float()


class Stance(Out):
    label = fields.String(validate=validators.OneOf(LABELS), metadata={
        "description": "the most probable label after the model's decision weights, which lift rare classes "
                       "(GET /v1/model: decision)"})
    score = fields.Float(metadata={"minimum": -1, "maximum": 1, "description": "P(favor) - P(against)"})
    probabilities = fields.Nested(Probabilities)
    mentions = fields.List(fields.List(fields.Integer()))
    explanation = fields.List(fields.Nested(Feature), metadata={"description": "with ?explain=true"})


class Paragraph(Out):
    index = fields.Integer()
    start = fields.Integer()
    end = fields.Integer()
    kind = fields.String(validate=validators.OneOf([BODY, HEADING, BOILERPLATE]))
    sentiment = fields.Nested(Sentiment, allow_none=True)
    stances = fields.Dict(keys=fields.String(), values=fields.Nested(Stance, allow_none=True),
                          metadata={"description": "per target: null when the paragraph does not address it"})


class TargetSummary(Out):
    score = fields.Float(allow_none=True)
    ci = fields.List(fields.Float(), allow_none=True, metadata={"description": "95% bootstrap interval"})
    label = fields.String(allow_none=True)
    paragraphs = fields.Integer()
    coverage = fields.Float()
    mentions = fields.Integer()
    sentiment = fields.Float(allow_none=True)


class Result(Out):
    """The one result schema of DESIGN.md."""

    id = fields.String(allow_none=True)
    outlet = fields.String(allow_none=True)
    title = fields.String()
    url = fields.String()
    published = fields.String()
    model = fields.Nested(ModelInfo, required=True)
    sentiment = fields.Nested(Sentiment, allow_none=True)
    targets = fields.Dict(keys=fields.String(), values=fields.Nested(TargetSummary))
    paragraphs = fields.List(fields.Nested(Paragraph))


class BatchOut(Out):
    model = fields.Nested(ModelInfo, required=True)
    results = fields.List(fields.Nested(Result), required=True, metadata={"description": "in input order"})


class StoredSummary(Out):
    id = fields.String(required=True)
    content_hash = fields.String(required=True)
    outlet = fields.String(allow_none=True)
    time = fields.String(metadata={"description": "published, else when stored (UTC)"})
    stored_at = fields.String()
    model = fields.Nested(ModelInfo)


class StoredOut(StoredSummary):
    created = fields.Boolean(metadata={"description": "false when the same content was already stored"})
    document = fields.Dict()
    result = fields.Nested(Result)


class StoredList(Out):
    documents = fields.List(fields.Nested(StoredSummary))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class OutletOut(Out):
    outlet = fields.String(allow_none=True)
    documents = fields.Integer()
    first = fields.String()
    last = fields.String()


class OutletsOut(Out):
    outlets = fields.List(fields.Nested(OutletOut))


class OutletTargetScore(Out):
    score = fields.Float(allow_none=True, metadata={"description": "mean document score"})
    ci = fields.List(fields.Float(), allow_none=True, metadata={"description": "document-level bootstrap interval"})
    documents = fields.Integer()
    paragraphs = fields.Integer()
    coverage = fields.Float()
    weight = fields.Float()
    all_documents = fields.Dict(metadata={"description": "score, ci, weight counting every document"})
    groups_once = fields.Dict(metadata={"description": "score, ci, weight counting near-duplicate groups once"})


class OutletRow(Out):
    outlet = fields.String()
    documents = fields.Integer()
    in_duplicate_groups = fields.Integer()
    duplicate_groups = fields.Integer()
    targets = fields.Dict(keys=fields.String(), values=fields.Nested(OutletTargetScore))


class Difference(Out):
    target = fields.String()
    a = fields.String()
    b = fields.String()
    difference = fields.Float(metadata={"description": "score of a minus score of b"})
    ci = fields.List(fields.Float(), allow_none=True)
    p_value = fields.Float(allow_none=True)
    p_adjusted = fields.Float(allow_none=True)
    significant = fields.Boolean(allow_none=True)
    permutations = fields.Integer()


class CompareOut(Out):
    """newsstance.compare: outlet x target table with intervals, pairwise differences, near-duplicate
    groups and aligned paragraphs with their stance shift."""

    model = fields.Nested(ModelInfo, allow_none=True)
    targets = fields.List(fields.String())
    documents = fields.Integer()
    excluded = fields.List(fields.Dict())
    settings = fields.Dict()
    outlets = fields.List(fields.Nested(OutletRow))
    differences = fields.List(fields.Nested(Difference))
    duplicates = fields.Dict(metadata={"description": "method, candidates, checked, groups"})
    alignments = fields.List(fields.Dict(), metadata={"description": "aligned paragraphs of near-duplicate pairs"})
    largest_shifts = fields.List(fields.Dict())
    filters = fields.Dict(metadata={"description": "GET /v1/outlets/compare: the filters applied"})
    without_outlet = fields.Integer(metadata={"description": "GET /v1/outlets/compare: matching stored "
                                                             "documents left out because they have no outlet"})


class TargetInfo(Out):
    name = fields.String()
    kind = fields.String()
    builtin = fields.Boolean()
    description = fields.String()
    aliases = fields.List(fields.String())


class ModelOut(Out):
    name = fields.String(required=True)
    version = fields.String(required=True)
    targets = fields.List(fields.Nested(TargetInfo))
    metrics = fields.Dict()
    training_data_sha256 = fields.String(allow_none=True)
    decision = fields.Dict(metadata={"description": "per pipeline: the decision weights that pick labels, and "
                                                    "the cross-validated figures behind them"})
    created = fields.String(allow_none=True)
    libraries = fields.Dict()
    limits = fields.Dict(keys=fields.String(), values=fields.Integer())


class ReloadOut(Out):
    model = fields.Nested(ModelInfo, required=True)
    previous = fields.Nested(ModelInfo, allow_none=True)
    detail = fields.String()


class Health(Out):
    status = fields.String(required=True)
    model = fields.Nested(ModelInfo, allow_none=True)
