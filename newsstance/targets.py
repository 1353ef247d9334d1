"""Targets (what a stance is taken toward) and the mentions of them in a text."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Iterable

from .errors import InputError, LimitError, UnknownTargetError

Mention = tuple[int, int]

NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")
MAX_REQUEST_TARGETS = 20
MAX_ALIASES = 100
MAX_ALIAS_CHARS = 100
MAX_SPANS = 1000
_ACRONYM = re.compile(r"^[A-Z](\.?[A-Z]){0,3}\.?$")


def _alias_regex(alias: str, inflect: bool = False) -> str:
    """Regex for one alias; lower-case aliases ignore case (and with `inflect`, a one-word alias also takes
    -s, -es, -d, -ed, -ing), acronyms match as written, others allow an upper- or lower-case first letter
    and an all-capitals form (headlines)."""
    escaped = re.escape(alias)
    if alias == alias.lower():
        suffix = "(?:s|es|d|ed|ing)?" if inflect and alias.isalpha() else ""
        return f"(?i:{escaped}{suffix})"
    if _ACRONYM.match(alias):
        return escaped
    variants = {escaped, re.escape(alias[0].swapcase() + alias[1:]), re.escape(alias.upper())}
    return "|".join(sorted(variants, key=len, reverse=True))


def _phrase_pattern(phrases: Iterable[str], inflect: bool = False) -> re.Pattern | None:
    """One pattern for a list of phrases, longest first, bounded by non-word characters."""
    phrases = sorted({p for p in phrases if p.strip()}, key=len, reverse=True)
    if not phrases:
        return None
    body = "|".join(f"(?:{_alias_regex(p, inflect)})" for p in phrases)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


def _in_capitals(text: str, start: int, end: int) -> bool:
    """Whether a match stands in a run of capitals (a shouted headline), where 'US' may be the pronoun."""
    around = text[max(0, start - 30) : start] + text[end : end + 30]
    letters = [c for c in around if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.8


class Target:
    """A target found by aliases (with exclusions and an optional anchor rule) or by explicit spans."""

    def __init__(self, name: str, *, aliases=(), exclude=(), anchors=(), anchored_aliases=(), cues=(),
                 powers=(), spans=(), description: str = "", builtin: bool = False):
        self.name = name
        self.description = description
        self.builtin = builtin
        self.aliases = tuple(aliases)
        self.spans = tuple(sorted((int(s), int(e)) for s, e in spans))
        self._aliases = _phrase_pattern(aliases)
        self._exclude = _phrase_pattern(exclude)
        self._anchors = _phrase_pattern(anchors)
        self._anchored = _phrase_pattern(anchored_aliases)
        self._cues = _phrase_pattern(cues, inflect=True)
        groups = powers.values() if isinstance(powers, dict) else [powers] if powers else []
        self._powers = [_phrase_pattern(group) for group in groups]

    def __repr__(self) -> str:
        return f"Target({self.name!r})"

    def _find(self, pattern: re.Pattern | None, text: str, start: int, end: int, excluded) -> list[Mention]:
        """Matches of a pattern, less those inside an excluded phrase or a shouted 'US'."""
        if pattern is None:
            return []
        found = []
        for match in pattern.finditer(text, start, end):
            s, e = match.span()
            if any(s < xe and xs < e for xs, xe in excluded):
                continue
            if _ACRONYM.match(match.group()) and _in_capitals(text, s, e):
                continue
            found.append((s, e))
        return found

    def mentions(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        """Mentions of the target in text[start:end] as absolute offsets; empty when it is not addressed."""
        end = len(text) if end is None else end
        if self.spans:
            return [(max(s, start), min(e, end)) for s, e in self.spans if s < end and start < e]
        # Most paragraphs name no alias and no anchor: settle those with two searches.
        has_alias = self._aliases is not None and self._aliases.search(text, start, end)
        has_anchor = self._anchors is not None and self._anchors.search(text, start, end)
        if not (has_alias or has_anchor):
            return []
        excluded = [m.span() for m in self._exclude.finditer(text, start, end)] if self._exclude else []
        found = self._find(self._aliases, text, start, end, excluded) if has_alias else []
        anchors = self._find(self._anchors, text, start, end, excluded) if has_anchor else []
        if anchors:
            anchored = self._find(self._anchored, text, start, end, excluded)
            if anchored:
                found += anchors + anchored
            elif self._powers:
                powers = sum(bool(self._find(group, text, start, end, excluded)) for group in self._powers)
                cues = self._find(self._cues, text, start, end, excluded) if powers else []
                if powers >= 2 or cues:
                    found += anchors + cues
        return sorted(set(found))

    def to_dict(self) -> dict:
        """Public description of the target."""
        kind = "spans" if self.spans else "aliases"
        return {"name": self.name, "kind": kind, "builtin": self.builtin, "description": self.description,
                **({"aliases": list(self.aliases)} if self.aliases else {})}


def _expand_references(phrases, definitions: dict):
    """Replace '@name' by the aliases of the built-in target of that name (in lists and dicts of lists)."""
    if isinstance(phrases, dict):
        return {key: _expand_references(value, definitions) for key, value in phrases.items()}
    expanded = []
    for phrase in phrases:
        if phrase.startswith("@"):
            expanded.extend(definitions[phrase[1:]]["aliases"])
        else:
            expanded.append(phrase)
    return expanded


@lru_cache(maxsize=1)
def builtin_targets() -> dict[str, Target]:
    """The built-in targets, read from the package's data file."""
    raw = json.loads(resources.files("newsstance").joinpath("data/targets.json").read_text(encoding="utf-8"))
    definitions = {name: spec for name, spec in raw.items() if not name.startswith("_")}
    targets = {}
    for name, spec in definitions.items():
        fields = {key: _expand_references(value, definitions) if isinstance(value, (list, dict)) else value
                  for key, value in spec.items()}
        targets[name] = Target(name, builtin=True, **fields)
    return targets


BUILTIN_NAMES = tuple(builtin_targets())


def _request_target(spec: dict, text_length: int) -> Target:
    """A target defined in a request by aliases or by character spans, checked."""
    name = spec.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise InputError("a target definition needs a 'name' of 1-40 letters, digits, '_', '-' or '.', "
                         "starting with a letter", field="targets")
    if name in builtin_targets():
        raise InputError(f"target name {name!r} is built in; use the name alone or choose another name",
                         field="targets")
    aliases, spans = spec.get("aliases"), spec.get("spans")
    if (aliases is None) == (spans is None):
        raise InputError(f"target {name!r} needs exactly one of 'aliases' or 'spans'", field="targets")
    if aliases is not None:
        if not isinstance(aliases, list) or not aliases or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise InputError(f"target {name!r}: 'aliases' must be a non-empty list of non-empty strings",
                             field="targets")
        if len(aliases) > MAX_ALIASES:
            raise LimitError("max_aliases_per_target", MAX_ALIASES, len(aliases))
        if any(len(a) > MAX_ALIAS_CHARS for a in aliases):
            raise LimitError("max_alias_chars", MAX_ALIAS_CHARS)
        return Target(name, aliases=aliases)
    if not isinstance(spans, list) or not spans:
        raise InputError(f"target {name!r}: 'spans' must be a non-empty list of [start, end] pairs", field="targets")
    if len(spans) > MAX_SPANS:
        raise LimitError("max_spans_per_target", MAX_SPANS, len(spans))
    for span in spans:
        valid = (isinstance(span, (list, tuple)) and len(span) == 2
                 and all(isinstance(v, int) and not isinstance(v, bool) for v in span)
                 and 0 <= span[0] < span[1] <= text_length)
        if not valid:
            raise InputError(f"target {name!r}: span {span!r} is not [start, end] with "
                             f"0 <= start < end <= {text_length} (the text's length)", field="targets")
    return Target(name, spans=spans)


def resolve_targets(requested, text_length: int) -> list[Target]:
    """The targets a document asks for: built-in names and/or definitions; all built-ins when None."""
    builtins = builtin_targets()
    if requested is None:
        return list(builtins.values())
    if not isinstance(requested, list):
        raise InputError("'targets' must be a list of target names and/or definitions", field="targets")
    if len(requested) > MAX_REQUEST_TARGETS:
        raise LimitError("max_targets", MAX_REQUEST_TARGETS, len(requested))
    resolved: dict[str, Target] = {}
    for item in requested:
        if isinstance(item, str):
            if item not in builtins:
                raise UnknownTargetError(f"unknown target {item!r}; built-in targets are {', '.join(builtins)}",
                                         field="targets", target=item[:100])
            target = builtins[item]
        elif isinstance(item, dict):
            target = _request_target(item, text_length)
        else:
            raise InputError("each target must be a name or an object with 'name' and 'aliases' or 'spans'",
                             field="targets")
        if target.name in resolved:
            raise InputError(f"target {target.name!r} is given twice", field="targets")
        resolved[target.name] = target
    return list(resolved.values())
