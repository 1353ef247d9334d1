"""Built-in and request-defined targets and their mentions."""
import pytest

from newsstance.errors import InputError, LimitError, UnknownTargetError
from newsstance.targets import builtin_targets, resolve_targets


def found(target, text):
    return [text[s:e] for s, e in builtin_targets()[target].mentions(text)]


def test_russia_aliases_demonyms_and_metonyms():
    text = "The Kremlin said Moscow and Russian forces backed Putin; a Russian River winery was closed."
    assert found("russia", text) == ["Kremlin", "Moscow", "Russian", "Putin"]


def test_us_pronoun_and_newspapers_are_not_the_us():
    text = "Let us hope the U.S. and the US Navy agree, the Washington Post said. Washington imposed sanctions."
    assert found("us", text) == ["U.S.", "US", "Washington"]


def test_us_in_shouted_headline_is_the_pronoun():
    assert found("us", "JOIN US FOR THE BIG NIGHT") == []


def test_the_west_counts_for_us_but_latin_america_does_not():
    assert found("us", "The West condemned it. Latin America stayed quiet. America's allies agreed.") == [
        "The West", "America's"]


def test_neutrality_needs_vietnam_and_its_position():
    assert found("neutrality", "Vietnam exports rice to Africa.") == []
    assert found("neutrality", "Swiss neutrality is old.") == []
    assert found("neutrality", "Vietnam kept its neutrality.") == ["Vietnam", "neutrality"]
    assert found("neutrality", "Vietnam balances ties between China and Russia.") == ["Vietnam", "balances"]
    assert found("neutrality", "Vietnam balances its budget.") == []  # a cue needs a great power too
    assert "bamboo diplomacy" in found("neutrality", "Its bamboo diplomacy is praised.")


def test_request_targets_by_aliases_and_spans():
    text = "Beijing and China agreed. Xi Jinping spoke."
    china, span = resolve_targets([{"name": "china", "aliases": ["China", "Beijing", "Xi Jinping"]},
                                   {"name": "t1", "spans": [[0, 7]]}], len(text))
    assert [text[s:e] for s, e in china.mentions(text)] == ["Beijing", "China", "Xi Jinping"]
    assert span.mentions(text) == [(0, 7)] and span.mentions(text, 10, 20) == []


def test_default_is_all_builtins_and_names_resolve():
    assert [t.name for t in resolve_targets(None, 10)] == ["russia", "us", "neutrality"]
    assert [t.name for t in resolve_targets(["us"], 10)] == ["us"]


@pytest.mark.parametrize("requested, error", [
    (["china"], UnknownTargetError),
    ("russia", InputError),
    ([{"name": "russia", "aliases": ["x"]}], InputError),
    ([{"name": "c", "aliases": []}], InputError),
    ([{"name": "c", "aliases": ["x"], "spans": [[0, 1]]}], InputError),
    ([{"name": "c", "spans": [[5, 2]]}], InputError),
    ([{"name": "c", "spans": [[0, 99]]}], InputError),
    ([{"name": "c", "spans": [[True, 2]]}], InputError),
    ([{"name": "1bad", "aliases": ["x"]}], InputError),
    ([3], InputError),
    (["us", "us"], InputError),
    ([{"name": f"t{i}", "aliases": ["x"]} for i in range(21)], LimitError),
])
def test_bad_target_requests_are_clear_errors(requested, error):
    with pytest.raises(error):
        resolve_targets(requested, 20)
