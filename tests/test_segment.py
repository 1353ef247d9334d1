"""Paragraphs, sentences and kinds."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsstance.segment import BODY, BOILERPLATE, HEADING, paragraph_spans, paragraphs, sentence_spans


def test_blank_lines_split_paragraphs_with_offsets():
    text = "Title Here\n\n  First paragraph. Two sentences.  \n\n\n\nSecond one.\n"
    spans = paragraph_spans(text)
    assert [text[s.start:s.end] for s in spans] == ["Title Here", "First paragraph. Two sentences.", "Second one."]


def test_line_breaks_split_when_no_blank_lines():
    text = "One line here.\nAnother line there.\r\nThird."
    assert [text[s.start:s.end] for s in paragraph_spans(text)] == ["One line here.", "Another line there.", "Third."]


def test_whitespace_only_text_has_no_paragraphs():
    assert paragraphs(" \n\n \t\n") == []


def test_sentences_respect_abbreviations_and_initials():
    text = "Mr. Putin met U.S. officials in Hanoi. The talks ended. J. Smith said so!"
    assert [text[s.start:s.end] for s in sentence_spans(text)] == [
        "Mr. Putin met U.S. officials in Hanoi.", "The talks ended.", "J. Smith said so!"]


def test_overlong_sentence_is_cut_into_bounded_pieces():
    text = "word " * 20_000
    spans = sentence_spans(text)
    assert len(spans) > 50 and max(s.end - s.start for s in spans) <= 1000


def test_navigation_captions_and_link_titles_are_boilerplate():
    text = ("Big Story About Trade Talks\n\n"
            "The ministers met on Monday and agreed to continue talks next month.\n\n"
            "Share this article\nShareable URL\nPrev Post\n\n"
            "Navy Holds Exercises in the Northern Sea\n\n"
            "Next Post\n\n"
            "Leave a Reply\n\n"
            "Your email address will not be published. Required fields are marked *")
    kinds = [p.kind for p in paragraphs(text)]
    assert kinds == [HEADING, BODY, BOILERPLATE, BOILERPLATE, BOILERPLATE, BOILERPLATE, BOILERPLATE]


def test_photo_gallery_runs_are_boilerplate():
    text = ("Ministers Meet on Trade\n\n"
            "The ministers met on Monday and agreed to continue talks next month.\n\n"
            "Photos: A week of talks The delegations arrive at the venue on Monday. Hide Caption 1 of 9 "
            "Photos: A week of talks Reporters wait outside the hall. Hide Caption 2 of 9\n\n"
            "prev next Image 2 of 3\n\n"
            "Officials said a photo of the signing would be released later.")
    kinds = [p.kind for p in paragraphs(text)]
    assert kinds == [HEADING, BODY, BOILERPLATE, BOILERPLATE, BODY]


@pytest.mark.parametrize("block", [
    "Image copyright Wire Agency Image caption The minister arrives for the talks",
    "JUST WATCHED Minister on the talks Replay More Videos ... MUST WATCH Minister on the talks 01:12",
    "More:Ministers agree to meet again next month",
    "Jane Roe/AP/File The minister arrives for the talks in the capital on Monday.",
    "Skip Twitter post by @someminister The talks went well today.",
    "Copyright © 2019 Some Newspaper, LLC.",
    "By Jane Roe and John Doe, Wire Agency",
])
def test_widget_captions_credits_and_bylines_are_boilerplate(block):
    text = f"The ministers met on Monday and agreed to continue talks next month.\n\n{block}"
    assert [p.kind for p in paragraphs(text)] == [BODY, BOILERPLATE]


def test_sentence_opening_with_by_is_not_a_byline():
    text = "The poll was published on Monday.\n\nBy the pollster's best estimate, the sample leaned left by seven points."
    assert [p.kind for p in paragraphs(text)] == [BODY, BODY]


def test_section_heading_and_repeated_title():
    text = ("Leaders Meet in the Capital\n\nLeaders Meet in the Capital\n\n"
            "The two leaders met for three hours, aides said, and discussed energy.\n\n"
            "Energy and Trade on the Agenda\n\nTrade rose last year, officials said.")
    assert [p.kind for p in paragraphs(text)] == [HEADING, BOILERPLATE, BODY, HEADING, BODY]


def test_seed_corpus_kinds(seed_texts):
    """Every navigation line, link title and caption of the seeds is boilerplate; titles are headings."""
    for name, text in seed_texts.items():
        blocks = paragraphs(text)
        for block in blocks:
            first_line = block.text.splitlines()[0]
            if any(cue in first_line for cue in ("Share this", "Prev Post", "Next Post", "Leave a Reply",
                                                 "Read more", "Read next", "Your email address")):
                assert block.kind == BOILERPLATE, (name, block.text)
        if not text.lstrip().split("\n", 1)[0].endswith("."):
            assert blocks[0].kind == HEADING, (name, blocks[0].text)
        # the rewrites' body paragraphs stay body
        assert sum(b.kind == BODY for b in blocks) >= 7, name


def test_link_title_after_navigation_is_boilerplate(seed_texts):
    seed = next(t for t in seed_texts.values() if "Next Post" in t)
    blocks = paragraphs(seed)
    nav = [i for i, b in enumerate(blocks) if b.text.strip() in ("Next Post",)]
    assert nav and blocks[nav[0] + 1].kind == BOILERPLATE


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_spans_slice_back_and_never_overlap(text):
    previous_end = 0
    for block in paragraphs(text):
        assert text[block.start:block.end] == block.text and block.text.strip()
        assert block.start >= previous_end
        previous_end = block.end
        for sentence in sentence_spans(text, block.start, block.end):
            assert block.start <= sentence.start < sentence.end <= block.end
