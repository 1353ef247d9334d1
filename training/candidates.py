"""Pick AllSides paragraphs worth labeling: oversample likely favor/against paragraphs per target.

Random paragraphs are mostly neutral, so the sampler searches for paragraphs that name a target
near evaluative wording, and mixes in random ones so the labeled set also shows the common case.
Run: python -m training.candidates ../shared/data/allsides-article-bias/articles_geo_subset.jsonl.gz OUT_DIR
"""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from newsstance.corpus import iter_corpus_paragraphs

TARGET_TERMS = {
    "russia": re.compile(r"\b(Russia|Russian|Russians|Putin|Kremlin|Moscow|Lavrov|Soviet)\b"),
    "us": re.compile(r"\b(United States|U\.S\.|US|America|American|Washington|White House|Pentagon|"
                     r"State Department|the West|Western)\b"),
    "neutrality": re.compile(r"\b(Vietnam|Vietnamese|Hanoi)\b"),
}
EVALUATIVE = re.compile(
    r"\b(prais\w*|admir\w*|friend\w*|partner\w*|ally|allies|alliance|strong leader|respect\w*|welcom\w*|"
    r"support\w*|help\w*|cooperat\w*|leadership|credib\w*|success\w*|aggress\w*|annex\w*|interfer\w*|"
    r"meddl\w*|hack\w*|sanction\w*|condemn\w*|threat\w*|brutal|authoritarian|propaganda|disinformation|"
    r"poison\w*|violat\w*|illegal|isolat\w*|hypocri\w*|bully\w*|imperial\w*|failure|failed|blame\w*|"
    r"criticiz\w*|accus\w*|dangerous|reckless|warm|grateful|gratitude|loyal\w*|trust\w*|distrust\w*|"
    r"neutral\w*|non-align\w*|balanc\w*|hedg\w*|abstain\w*|both sides|independen\w*)\b",
    re.IGNORECASE,
)
VIETNAM_POSITION = re.compile(
    r"\b(neutral\w*|non-align\w*|balanc\w*|hedg\w*|abstain\w*|both sides|independen\w*|bamboo|"
    r"alliance|allies|ally|China|Beijing|United States|Washington|Russia|Moscow|South China Sea)\b",
    re.IGNORECASE,
)
# Wording that often goes with a favourable picture of a target: praise, partnership, help, success.
FAVOR_CUES = re.compile(
    r"\b(prais\w*|admir\w*|friendly|friendship|strong leader|respect\w*|warm\w*|welcom\w*|grateful|"
    r"gratitude|trust\w*|partnership|cooperat\w*|helped|help(ing)? to|aid|assist\w*|rescue\w*|"
    r"leadership|credib\w*|success\w*|achiev\w*|brokered|peace|stabiliz\w*|defensive|legitimate|"
    r"get along|good relations|improv\w* relations|great relationship|popular|popularity|"
    r"commend\w*|applaud\w*|thank\w*|hail\w*|champion\w*|reliable|generous)\b",
    re.IGNORECASE,
)
# A Russian official speaking: unrebutted, such quotes frame Russia's conduct favourably (voice rule).
RUSSIAN_VOICE = re.compile(
    r"\b(Putin|Lavrov|Peskov|Zakharova|Shoigu|Medvedev|Nebenzia|Kremlin|Russian (officials?|foreign ministry|"
    r"embassy|ambassador|diplomats?|president|state media|government))\b[^.]{0,80}\b(said|says|told|argued|"
    r"insisted|stressed|called|described|praised|welcomed|noted)\b"
)
# The US acting abroad (LABELING.md's `us`): its forces, diplomats, sanctions, alliances, "the West".
US_ABROAD = re.compile(
    r"\b(Washington|Pentagon|State Department|Secretary of State|U\.S\.|US|American|United States|NATO|the West|"
    r"Western)\b[^.]{0,60}\b(troops|forces|military|strikes?|sanctions?|diplomac\w*|foreign policy|allies|alliance|"
    r"deal|treaty|withdraw\w*|intervention|invasion|war|ambassador|embassy|aid|tariffs?|trade war|summit)\b"
    r"|\b(troops|forces|military|strikes?|sanctions?|diplomac\w*|foreign policy|allies|alliance|deal|treaty|"
    r"withdraw\w*|intervention|invasion|war|ambassador|embassy|aid|tariffs?|trade war|summit)\b[^.]{0,60}"
    r"\b(Washington|Pentagon|U\.S\.|US|American|United States|NATO|the West|Western)\b"
)
VIETNAM_WAR = re.compile(r"\bVietnam (War|era|veteran)|\bin Vietnam in 19[67]\d|\bdraft\b", re.IGNORECASE)


def candidate_pools(paragraphs, min_words: int = 12):
    """Group (article, index, text, meta) rows into pools of candidates per target and a random pool."""
    pools = {"russia": [], "us": [], "neutrality": [], "random": [], "russia_favor": [], "us_favor": [],
             "russia_favor_broad": [], "russia_voice": [], "us_abroad": []}
    for row in paragraphs:
        text = row["text"]
        if len(text.split()) < min_words:
            continue
        pools["random"].append(row)
        cues = len(EVALUATIVE.findall(text))
        if TARGET_TERMS["russia"].search(text) and cues:
            pools["russia"].append(row)
        if TARGET_TERMS["us"].search(text) and cues:
            pools["us"].append(row)
        favor_cues = len(FAVOR_CUES.findall(text))
        if favor_cues >= 2 and TARGET_TERMS["russia"].search(text):
            pools["russia_favor"].append(row)
        if favor_cues == 1 and TARGET_TERMS["russia"].search(text):
            pools["russia_favor_broad"].append(row)
        if RUSSIAN_VOICE.search(text):
            pools["russia_voice"].append(row)
        if cues and US_ABROAD.search(text):
            pools["us_abroad"].append(row)
        if favor_cues >= 2 and TARGET_TERMS["us"].search(text):
            pools["us_favor"].append(row)
        if (TARGET_TERMS["neutrality"].search(text) and VIETNAM_POSITION.search(text)
                and not VIETNAM_WAR.search(text)):
            pools["neutrality"].append(row)
    return pools


def sample(pools, sizes: dict[str, int], per_article: int, seed: int, exclude=frozenset()):
    """Draw from each pool in turn, at most `per_article` paragraphs of one article, no paragraph twice
    and none of `exclude` ((article, paragraph) pairs labeled in an earlier round)."""
    rng = random.Random(seed)
    chosen, taken_per_article, seen = [], {}, set(exclude)
    for name, size in sizes.items():
        pool = list(pools[name])
        rng.shuffle(pool)
        count = 0
        for row in pool:
            key = (row["article"], row["paragraph"])
            if count >= size or key in seen or taken_per_article.get(row["article"], 0) >= per_article:
                continue
            seen.add(key)
            taken_per_article[row["article"]] = taken_per_article.get(row["article"], 0) + 1
            chosen.append({**row, "pool": name})
            count += 1
    rng.shuffle(chosen)
    return chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("out_dir")
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--round", type=int, choices=(1, 2, 3, 4, 5), default=1,
                        help="1: the first, broad round; 2 and 3: favor-heavy pools; 4: the US acting abroad "
                             "near evaluative wording, and more of round 1's russia pool; 5: more of 3 and 4's pools; 2-5 skip "
                             "--labeled paragraphs")
    parser.add_argument("--labeled", nargs="*", default=[], help="label files of earlier rounds (JSONL)")
    args = parser.parse_args(argv)
    pools = candidate_pools(iter_corpus_paragraphs(args.corpus))
    print({name: len(rows) for name, rows in pools.items()})
    labeled = set()
    for path in args.labeled:
        with open(path, encoding="utf-8") as handle:
            labeled |= {(r["article"], r["paragraph"]) for r in map(json.loads, handle)}
    sizes = {
        1: {"neutrality": 450, "russia": 950, "us": 950, "random": 250},
        2: {"russia_favor": 700, "us_favor": 500},
        3: {"russia_voice": 450, "russia_favor_broad": 650, "us_favor": 250, "us": 250},
        4: {"us_abroad": 650, "russia": 350},
        5: {"us_abroad": 500, "russia_favor_broad": 300, "russia_voice": 200},
    }[args.round]
    if args.round == 1:
        rows = sample(pools, sizes, per_article=3, seed=args.seed)
    else:
        rows = sample(pools, sizes, per_article=2, seed=args.seed + args.round, exclude=labeled)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for b in range(args.batches):
        with open(out / f"round{args.round}_batch_{b}.jsonl", "w", encoding="utf-8") as handle:
            for row in rows[b :: args.batches]:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} candidates in {args.batches} batches under {out}")


if __name__ == "__main__":
    main()
