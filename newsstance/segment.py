"""Split text into paragraphs and sentences with character offsets, and tell each paragraph's kind."""
from __future__ import annotations

import re
from dataclasses import dataclass

BODY, HEADING, BOILERPLATE = "body", "heading", "boilerplate"

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NON_SPACE = re.compile(r"\S")

# Sentence ends: terminal punctuation, optional closing quotes/brackets, then space and a plausible start.
_SENTENCE_END = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
# Tokens before a period that do not end a sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st gen col lt sgt capt cmdr adm gov sen rep pres rev hon "
    "inc corp co ltd vs etc no nos fig jan feb mar apr jun jul aug sep sept oct nov dec "
    "u.s u.k u.n e.u d.c a.m p.m e.g i.e".split()
)
# Longest sentence handed on as one piece; keeps downstream work (VADER) linear in text length.
MAX_SENTENCE_CHARS = 1000

_NAV_PHRASES = re.compile(
    r"^(share|shareable url|share this( article| story| post)?|prev(ious)? (post|article|story)|"
    r"next (post|article|story)|read (more|next|also|this next)|related( articles| stories| posts| news)?|"
    r"similar (news|articles|stories)|more from|recommended( for you)?|see also|also read|"
    r"leave a (reply|comment)|post a comment|comments?|tags?|advertisement|sponsored( content)?|"
    r"sign up|subscribe( now)?|follow us.*|click here.*|print|email|tweet|you may also like|"
    r"trending( now)?|popular( posts| stories)?|latest( news)?|top stories|skip to (main )?content)$",
    re.IGNORECASE,
)
# Boilerplate cues that open a block: gallery and photo labels, credits, widgets, bylines, comment prompts.
_CUE_AT_START = re.compile(
    r"(photos?|images?|pictures?|caption|credit|file photo|gallery)\s*[:(|]|image copyright\b|"
    r"[\w.'-]+( [\w.'-]+){0,3}/(AP|Reuters|AFP|EPA|Getty Images)(/File)?\b|"
    r"(just watched|play video|related video|go deeper|tweet share|more:)|"
    r"skip (twitter|facebook|instagram|youtube) post\b|"
    # a byline: capitalised names only (case-sensitive, or "By CNN's best estimate, ..." would be one)
    r"(?-i:(By|BY|by) [A-Z][\w.'-]+( [A-Z][\w.'-]+){0,3}( and [A-Z][\w.'-]+( [A-Z][\w.'-]+){0,3})?\s*(,.*)?$)|"
    r"(what do you think|let us know in the comments|join the (discussion|conversation))|"
    r"(sign up|subscribe) (for|to) ",
    re.IGNORECASE,
)
# Cues anywhere in a block, matched on its lower-cased text. Each pattern comes with substrings one of which
# any match contains: a substring scan settles nearly every block, where one case-insensitive regex of
# all the cues took ~0.2 ms per paragraph.
_CUES_ANYWHERE = (
    (("your email address will not be published", "required fields are marked", "all rights reserved",
      "pic.twitter.com"), None),
    (("cookie",), re.compile(r"\bcookies?\b.*\b(consent|accept|policy)\b")),
    (("subscribe",), re.compile(r"\bsubscribe\b.*\b(newsletter|inbox)\b")),
    (("(photo", "(image", "(file photo"), re.compile(r"\((photo|image|file photo)\b")),
    (("caption ", "photo ", "image ", "slide ", "picture "),
     re.compile(r"\b(hide caption|caption|photo|image|slide|picture) \d+ of \d+\b")),  # a gallery's pager
    (("image caption", "replay more videos", "sign up to receive"),
     re.compile(r"\b(image caption|replay more videos|sign up to receive)\b")),
    (("©",), re.compile(r"© ?\d{4}")),
    (("getty images", "reuters/", "ap photo", "afp via getty", "afp/getty", "shutterstock"),
     re.compile(r"\b(getty images|reuters/|ap photo|afp via getty|afp/getty|shutterstock)\b")),
    (("—",), re.compile(r"— .*\(@\w+\) \w+ \d{1,2}, \d{4}$")),  # an embedded tweet's footer
)


def _has_boilerplate_cue(text: str) -> bool:
    """The text opens with, or contains, wording that only boilerplate has."""
    if _CUE_AT_START.match(text):
        return True
    lowered = text.lower()
    return any(any(key in lowered for key in keys) and (pattern is None or pattern.search(lowered))
               for keys, pattern in _CUES_ANYWHERE)


_TEASER_START = re.compile(r"^[\"“‘']?(explore|learn|discover|find out|read about|watch|get the)\b", re.IGNORECASE)
_END_PUNCT = tuple(".!?…:;\"”’'»)")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)
_MINOR_WORDS = frozenset(
    "a an and as at but by for from in into nor of on or over the to up via with amid "
    "after before over under between against despite during about is are was be".split()
)


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of text by its character offsets into the original text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One block of a text: offsets into the original, its text and its kind."""

    index: int
    start: int
    end: int
    text: str
    kind: str


def _trimmed(text: str, start: int, end: int) -> Span | None:
    """The span with surrounding white space removed, or None when nothing is left."""
    first = _NON_SPACE.search(text, start, end)
    if first is None:
        return None
    stop = end
    while stop > first.start() and text[stop - 1].isspace():
        stop -= 1
    return Span(first.start(), stop)


def paragraph_spans(text: str) -> list[Span]:
    """Paragraph spans: blocks between blank lines when the text has any, else single lines."""
    separator = _BLANK_LINE if _BLANK_LINE.search(text) else _LINE_BREAK
    spans, start = [], 0
    for match in separator.finditer(text):
        span = _trimmed(text, start, match.start())
        if span:
            spans.append(span)
        start = match.end()
    span = _trimmed(text, start, len(text))
    if span:
        spans.append(span)
    return spans


def _ends_with_abbreviation(text: str, end: int) -> bool:
    """Whether the period ending at `end` belongs to an abbreviation or an initial."""
    start = end - 1
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    token = text[start:end].rstrip(".!?…\"'”’)]").lstrip("\"'“‘([").lower()
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans within text[start:end]; overlong sentences are cut at white space."""
    end = len(text) if end is None else end
    spans, begin = [], start
    for match in _SENTENCE_END.finditer(text, start, end):
        if match.group().startswith(".") and len(match.group()) == 1 and _ends_with_abbreviation(text, match.start()):
            continue
        span = _trimmed(text, begin, match.end())
        if span:
            spans.extend(_cut_long(text, span))
        begin = match.end()
    span = _trimmed(text, begin, end)
    if span:
        spans.extend(_cut_long(text, span))
    return spans


def _cut_long(text: str, span: Span) -> list[Span]:
    """Cut a span longer than MAX_SENTENCE_CHARS into pieces, at white space where there is some."""
    if span.end - span.start <= MAX_SENTENCE_CHARS:
        return [span]
    pieces, begin = [], span.start
    while span.end - begin > MAX_SENTENCE_CHARS:
        limit = begin + MAX_SENTENCE_CHARS
        cut = text.rfind(" ", begin + MAX_SENTENCE_CHARS // 2, limit)
        cut = limit if cut == -1 else cut
        piece = _trimmed(text, begin, cut)
        if piece:
            pieces.append(piece)
        begin = cut
    piece = _trimmed(text, begin, span.end)
    if piece:
        pieces.append(piece)
    return pieces


def _is_title_like(line: str) -> bool:
    """Short line, no end punctuation, mostly capitalised words: a heading or a link title."""
    line = line.strip()
    if not line or line.endswith(_END_PUNCT) or len(line) > 160:
        return False
    words = _WORD.findall(line)
    if not words or len(words) > 20:
        return False
    content = [w for w in words if w.lower() not in _MINOR_WORDS]
    capitalised = sum(1 for w in content if w[0].isupper())
    return bool(content) and capitalised / len(content) >= 0.6


def _looks_like_title(line: str) -> bool:
    """A short first line that does not end like a sentence: the article's title."""
    return _word_count(line) <= 20 and not line.rstrip().endswith((".", ";", ","))


def _is_navigation(block: str) -> bool:
    """Every line of the block is navigation vocabulary or a boilerplate cue."""
    lines = [line.strip(" \t*•|-–—>") for line in block.splitlines() if line.strip()]
    return bool(lines) and all(_NAV_PHRASES.match(line) or _has_boilerplate_cue(line) for line in lines)


def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


def classify(blocks: list[str]) -> list[str]:
    """Kind of each paragraph (body, heading, boilerplate) from general layout and wording cues."""
    kinds: list[str] = []
    seen: set[str] = set()
    after_navigation = False
    for i, block in enumerate(blocks):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        normalised = " ".join(block.lower().split())
        words = _word_count(block)
        navigation = _is_navigation(block)
        if navigation or _has_boilerplate_cue(block):
            kind = BOILERPLATE
        elif normalised in seen and words < 40:
            kind = BOILERPLATE  # a repeated heading or caption counts once
        elif all(_is_title_like(line) for line in lines) and after_navigation:
            kind = BOILERPLATE  # title of another article under "Next Post", "Read more", ...
        elif len(lines) > 1 and all(not line.endswith(_END_PUNCT) and _word_count(line) <= 12 for line in lines):
            kind = BOILERPLATE  # stacked short labels: captions, link lists
        elif words <= 3 and not block.rstrip().endswith(_END_PUNCT) and i > 0:
            kind = BOILERPLATE  # a name or label on its own line: caption, tag, navigation
        elif len(lines) == 1 and (_is_title_like(block) or (i == 0 and _looks_like_title(block))):
            kind = HEADING
        elif _TEASER_START.match(block) and i < 4:
            kind = HEADING  # a standfirst or SEO teaser near the top
        else:
            kind = BODY
        kinds.append(kind)
        seen.add(normalised)
        after_navigation = navigation
    return kinds


def paragraphs(text: str) -> list[Paragraph]:
    """The paragraphs of a text, each with offsets into it and its kind."""
    spans = paragraph_spans(text)
    blocks = [text[s.start : s.end] for s in spans]
    kinds = classify(blocks)
    return [Paragraph(i, s.start, s.end, block, kind) for i, (s, block, kind) in enumerate(zip(spans, blocks, kinds))]
