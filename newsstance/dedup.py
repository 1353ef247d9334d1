"""Near-duplicate and rewrite detection over documents' body paragraphs.

Callers pass body paragraphs only, so headings and boilerplate ("Share this article", link lists, captions)
play no part. Four stages; none compares all pairs of documents or of paragraphs:

1. **Blocking.** Each document's ``block_terms`` highest tf-idf terms (content-word stems, and names and
   numbers) go into an inverted index (a sparse document x term matrix); two documents become a candidate
   pair when they share at least ``min_shared_terms`` of them. Rare terms (names, numbers, unusual words)
   survive a paraphrase, while word shingles do not: the 3-word-shingle Jaccard of the seed corpus' rewrites
   is 0.01-0.04, the same as for unrelated articles, so shingle MinHash would miss every paraphrase.
2. **Document filter.** Cosine of the two documents' tf-idf vectors (collection idf), only for candidates.
3. **Contrast with the story.** Articles on the same story share its names and words without being rewrites
   of each other. So the decisive cosines (content words; names and numbers) are recomputed with a *local*
   idf: document frequencies among the pair's blocking neighbourhood (the documents that are candidates of
   either), so words every article on the story uses count little and details only the pair shares count
   a lot.
4. **Paragraph alignment.** A monotone alignment of the two documents' paragraphs (tf-idf cosine; a
   paragraph may align with several consecutive ones, as rewrites split and merge paragraphs): rewrites keep
   the order of the source's points, articles on the same story do not. A pair is a rewrite when enough
   of the paragraphs of the document with fewer paragraphs lie on the alignment (``min_aligned_share``) and
   aligned paragraphs are similar enough on average (``min_paragraph_similarity``).

Groups: verified pairs linked strongest first, two groups merging only when at least half of the pairs
between them are verified (`link_groups`).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | frozenset(
    "said says say saying told according also would could just like one two new year years time "
    "mr mrs ms dr per cent percent including".split())
_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]")
# A capitalised word that does not start a sentence (it follows a lower-case word, a digit or a comma), or a
# number with its unit.
_NAME_OR_NUMBER = re.compile(r"(?<=[a-z0-9,;:)’'\"”] )[A-Z][\w'’.-]*\w|\$?\d[\d,.]*(?:bn|m|s|%|th)?")
_SUFFIXES = ("ational", "ations", "ation", "ings", "ing", "ness", "ments", "ment", "ive", "ies", "ied", "ed",
             "es", "s", "ly", "al", "er")


def stem(word: str) -> str:
    """A light suffix-stripping stem: enough to match 'criticized'/'criticism', not a linguistic stemmer."""
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class Settings:
    """Thresholds of the four stages. Calibrated on the seed corpus, alone and mixed into the AllSides subset:
    its rewrites have local name cosine 0.64-0.74 and local content cosine 0.31-0.37, aligned share 0.67-1.0,
    mean aligned-paragraph cosine 0.36-0.40; its articles on the same story that are not rewrites have local
    name cosine 0.40-0.50. On the AllSides subset (4,658 articles, 10.8 million pairs) they make 25 groups of
    51 articles, mostly syndicated copies, wire-based rewrites and updated versions of one article, with a
    few same-story articles that share long quotes."""

    block_terms: int = 40
    min_shared_terms: int = 5
    max_term_share: float = 0.05  # terms in more of the documents than this are no blocking keys (n > 40)
    min_doc_content: float = 0.25  # stage 2: content cosine (collection idf) ...
    min_doc_names: float = 0.45  # ... and name cosine, when both documents have names
    min_content_local: float = 0.28  # stage 3
    min_names_local: float = 0.58
    min_names: int = 5  # fewer names/numbers than this in either document: content alone decides ...
    min_content_only: float = 0.55  # ... with this local content cosine
    paragraph_threshold: float = 0.25  # stage 4: paragraphs align above this cosine
    min_aligned_share: float = 0.6
    min_paragraph_similarity: float = 0.3
    copy_cosine: float = 0.8  # content cosine (collection idf) from which a verified pair is called a copy
    min_link_density: float = 0.5  # groups merge when this share of the pairs between them are verified

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TextIndex:
    """Sparse vectors of every body paragraph and every document of a collection."""

    para_offsets: np.ndarray  # paragraphs of document d: para_offsets[d]:para_offsets[d+1]
    para_words: np.ndarray  # word count of each paragraph
    para_vectors: sp.csr_matrix  # content stems + names, tf-idf, l2-normalised rows
    doc_content: sp.csr_matrix  # log-tf of content stems per document (no idf)
    doc_names: sp.csr_matrix  # log-tf of names/numbers per document (no idf)
    content_idf: np.ndarray
    names_idf: np.ndarray

    @property
    def n_docs(self) -> int:
        return len(self.para_offsets) - 1

    def doc_words(self, d: int) -> int:
        return int(self.para_words[self.para_offsets[d] : self.para_offsets[d + 1]].sum())


class _Vocabulary:
    """Token -> column, with each distinct word stemmed once."""

    def __init__(self):
        self.columns: dict[str, int] = {}
        self._words: dict[str, int] = {}

    def _column(self, word: str, content: bool) -> int:
        if content and (word in STOP_WORDS or len(word) < 3):
            return -1
        return self.columns.setdefault(stem(word.rstrip(".")), len(self.columns))

    def ids(self, tokens: list[str], content: bool) -> list[int]:
        words = self._words
        for word in set(tokens).difference(words):
            words[word] = self._column(word, content)
        columns = map(words.__getitem__, tokens)
        return [i for i in columns if i >= 0] if content else list(columns)

    def content_ids(self, text: str) -> tuple[list[int], int]:
        """Columns of the content words of a text, and its number of words."""
        tokens = _WORD.findall(text.lower())
        return self.ids(tokens, True), len(tokens)

    def name_ids(self, text: str) -> list[int]:
        return self.ids([m.lower() for m in _NAME_OR_NUMBER.findall(text)], False)


def _count_matrix(rows: list[list[int]], width: int) -> sp.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((i for r in rows for i in r), dtype=np.int64, count=int(indptr[-1]))
    matrix = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), width))
    matrix.sum_duplicates()
    return matrix


def _log_tf(counts: sp.csr_matrix) -> sp.csr_matrix:
    matrix = counts.astype(np.float64).tocsr(copy=True)
    matrix.data = np.log1p(matrix.data)
    return matrix


def _normalise(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return (sp.diags(1.0 / norms) @ matrix).tocsr()


def _idf(doc_counts: sp.csr_matrix) -> np.ndarray:
    n = doc_counts.shape[0]
    df = np.bincount(doc_counts.indices, minlength=doc_counts.shape[1])
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


def build_index(documents: list[list[str]]) -> TextIndex:
    """Index the body paragraphs of each document (a list of paragraph texts per document)."""
    content_vocab, name_vocab = _Vocabulary(), _Vocabulary()
    content_rows, name_rows, words, offsets = [], [], [], [0]
    for paragraphs in documents:
        for text in paragraphs:
            ids, n_words = content_vocab.content_ids(text)
            content_rows.append(ids)
            name_rows.append(name_vocab.name_ids(text))
            words.append(max(1, n_words))
        offsets.append(len(words))
    n_docs, n_paras = len(documents), len(words)
    para_doc = np.repeat(np.arange(n_docs), np.diff(offsets))
    membership = sp.csr_matrix((np.ones(n_paras), (para_doc, np.arange(n_paras))), shape=(n_docs, n_paras))
    content = _count_matrix(content_rows, len(content_vocab.columns))
    names = _count_matrix(name_rows, len(name_vocab.columns))
    doc_content, doc_names = (membership @ content).tocsr(), (membership @ names).tocsr()
    content_idf, names_idf = _idf(doc_content), _idf(doc_names)
    # paragraph vectors: content words and names/numbers normalised apart and weighted equally, so a
    # paragraph cosine is the mean of the two cosines
    half = np.sqrt(0.5)
    para_vectors = sp.hstack([_normalise(_log_tf(content) @ sp.diags(content_idf)) * half,
                              _normalise(_log_tf(names) @ sp.diags(names_idf)) * half]).tocsr()
    return TextIndex(np.asarray(offsets, dtype=np.int64), np.asarray(words, dtype=np.int64), para_vectors,
                     _log_tf(doc_content), _log_tf(doc_names), content_idf, names_idf)


def candidate_pairs(index: TextIndex, settings: Settings) -> np.ndarray:
    """Pairs (i < j) sharing at least `min_shared_terms` of their `block_terms` highest tf-idf terms."""
    n = index.n_docs
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    combined = sp.hstack([index.doc_content @ sp.diags(index.content_idf),
                          index.doc_names @ sp.diags(index.names_idf)]).tocsr()
    df = np.bincount(combined.indices, minlength=combined.shape[1])
    max_df = max(2, int(np.ceil(settings.max_term_share * n))) if n > 40 else n
    eligible = df[combined.indices] <= max_df
    # top `block_terms` weights per row: sort each row's eligible entries by (row, -weight)
    rows_of = np.repeat(np.arange(n), np.diff(combined.indptr))
    rows_of, terms, weights = rows_of[eligible], combined.indices[eligible], combined.data[eligible]
    order = np.lexsort((-weights, rows_of))
    rows_of, terms = rows_of[order], terms[order]
    starts = np.searchsorted(rows_of, np.arange(n))
    rank = np.arange(len(rows_of)) - starts[rows_of]
    keep = rank < settings.block_terms
    keys = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.float32), (rows_of[keep], terms[keep])),
                         shape=combined.shape)
    shared = sp.triu(keys @ keys.T, k=1).tocoo()
    keep = shared.data >= settings.min_shared_terms
    pairs = np.stack([shared.row[keep], shared.col[keep]], axis=1).astype(np.int64)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))] if len(pairs) else pairs


def rowwise_cosine(matrix: sp.csr_matrix, pairs: np.ndarray, chunk: int = 200_000) -> np.ndarray:
    """Cosine of rows pairs[:,0] and pairs[:,1] of a matrix, in chunks."""
    out = np.zeros(len(pairs))
    for start in range(0, len(pairs), chunk):
        part = pairs[start : start + chunk]
        left, right = matrix[part[:, 0]], matrix[part[:, 1]]
        dots = np.asarray(left.multiply(right).sum(axis=1)).ravel()
        norms = np.sqrt(np.asarray(left.multiply(left).sum(axis=1)).ravel()
                        * np.asarray(right.multiply(right).sum(axis=1)).ravel())
        out[start : start + chunk] = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
    return out


def local_cosine(matrix: sp.csr_matrix, a: int, b: int, neighbourhood: np.ndarray) -> float:
    """Cosine of rows a and b with idf computed among the `neighbourhood` documents only."""
    row_a = slice(matrix.indptr[a], matrix.indptr[a + 1])
    row_b = slice(matrix.indptr[b], matrix.indptr[b + 1])
    ia, ib, va, vb = matrix.indices[row_a], matrix.indices[row_b], matrix.data[row_a], matrix.data[row_b]
    if len(ia) == 0 or len(ib) == 0:
        return 0.0
    terms = np.union1d(ia, ib)
    seen = np.concatenate([matrix.indices[matrix.indptr[d] : matrix.indptr[d + 1]] for d in neighbourhood])
    seen = seen[np.isin(seen, terms)]
    df = np.bincount(np.searchsorted(terms, seen), minlength=len(terms))
    idf = np.log((1.0 + len(neighbourhood)) / (1.0 + df)) + 1.0
    wa = np.zeros(len(terms))
    wb = np.zeros(len(terms))
    wa[np.searchsorted(terms, ia)] = va
    wb[np.searchsorted(terms, ib)] = vb
    wa *= idf
    wb *= idf
    return float(wa @ wb / np.sqrt((wa @ wa) * (wb @ wb)))


def monotone_alignment(similarity: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Cells (i, j) of the monotone path (both indexes never decrease) that maximises the summed excess
    similarity over `threshold`; only cells above the threshold are returned. A row may align with several
    consecutive columns and vice versa (a paragraph split or merged by a rewrite)."""
    gain = np.maximum(similarity - threshold, 0.0)
    n_rows, n_cols = gain.shape
    if n_rows == 0 or n_cols == 0:
        return []
    best = np.zeros((n_rows, n_cols))
    above = np.zeros(n_cols)
    for i in range(n_rows):
        # best[i, j] = gain[i, j] + max(best[i-1, j], best[i, j-1]), solved for the row at once
        running = np.cumsum(gain[i])
        before = running - gain[i]
        best[i] = np.maximum.accumulate(above - before) + running
        above = best[i]
    cells = []
    i, j = n_rows - 1, n_cols - 1
    while i >= 0 and j >= 0:
        if gain[i, j] > 0:
            cells.append((i, j))
        if i == 0 and j == 0:
            break
        up = best[i - 1, j] if i > 0 else -1.0
        left = best[i, j - 1] if j > 0 else -1.0
        if up >= left:
            i -= 1
        else:
            j -= 1
    return cells[::-1]


@dataclass
class PairAlignment:
    """Paragraph correspondence between two documents (positions within their body-paragraph lists)."""

    a: int
    b: int
    matches: list[tuple[int, int, float]]  # (paragraph of a, paragraph of b, cosine), in order
    aligned_share: float  # share of the paragraphs of the document with fewer paragraphs that are aligned
    similarity: float  # word-weighted mean cosine of the aligned paragraph pairs


def align_documents(index: TextIndex, a: int, b: int, threshold: float) -> PairAlignment:
    """Monotone paragraph alignment of documents a and b."""
    pa = slice(index.para_offsets[a], index.para_offsets[a + 1])
    pb = slice(index.para_offsets[b], index.para_offsets[b + 1])
    if pa.stop == pa.start or pb.stop == pb.start:
        return PairAlignment(a, b, [], 0.0, 0.0)
    sims = (index.para_vectors[pa] @ index.para_vectors[pb].T).toarray()
    cells = monotone_alignment(sims, threshold)
    words_a, words_b = index.para_words[pa], index.para_words[pb]
    if not cells:
        return PairAlignment(a, b, [], 0.0, 0.0)
    rows = np.array([c[0] for c in cells])
    cols = np.array([c[1] for c in cells])
    # share of the paragraphs of the document with fewer paragraphs (a count, so that one long shared
    # paragraph, such as a photo gallery the segmenter took for body text, cannot make a pair)
    shorter = (len(np.unique(rows)) / len(words_a) if len(words_a) <= len(words_b)
               else len(np.unique(cols)) / len(words_b))
    values = sims[rows, cols]
    similarity = float(np.average(values, weights=words_a[rows] + words_b[cols]))
    # reported matches: path cells that are their row's or their column's closest on the path (a paragraph
    # split in two keeps both halves) and at least half as close as the best of both (a paragraph the other
    # version dropped does not cling to its neighbour's counterpart)
    row_best = np.zeros(len(words_a))
    col_best = np.zeros(len(words_b))
    np.maximum.at(row_best, rows, values)
    np.maximum.at(col_best, cols, values)
    keep = (((values >= row_best[rows]) | (values >= col_best[cols]))
            & (values >= 0.5 * row_best[rows]) & (values >= 0.5 * col_best[cols]))
    matches = [(int(i), int(j), float(s)) for i, j, s in zip(rows[keep], cols[keep], values[keep])]
    return PairAlignment(a, b, matches, float(shorter), similarity)


def link_groups(n: int, edges: list[tuple[int, int, float]], density: float) -> list[list[int]]:
    """Groups from verified pairs, strongest first: two groups merge only when at least `density` of the
    pairs between them are verified (average linkage on the verified-pair graph), so one borderline pair
    cannot chain an article into a group of rewrites it resembles only in part."""
    parent = list(range(n))
    members: dict[int, set[int]] = {}
    adjacent: dict[int, set[int]] = {}
    for a, b, _ in edges:
        adjacent.setdefault(a, set()).add(b)
        adjacent.setdefault(b, set()).add(a)

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in sorted(edges, key=lambda e: (-e[2], e[0], e[1])):
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        group_a, group_b = members.get(ra, {ra}), members.get(rb, {rb})
        links = sum(len(adjacent[x] & group_b) for x in group_a)
        if links < density * len(group_a) * len(group_b):
            continue
        parent[rb] = ra
        members[ra] = group_a | group_b
        members.pop(rb, None)
    return sorted((sorted(m) for m in members.values()), key=lambda m: m[0])


@dataclass
class Duplicates:
    """Verified near-duplicate pairs and the groups they form."""

    pairs: list[dict]  # a, b (document positions), kind, similarity figures
    groups: list[list[int]]  # documents of each group, sorted; groups ordered by first document
    group_of: np.ndarray  # group index per document, -1 when in no group
    alignments: dict[tuple[int, int], PairAlignment]
    candidates: int  # pairs from blocking
    checked: int  # pairs that reached the paragraph alignment


def find_duplicates(index: TextIndex, settings: Settings | None = None) -> Duplicates:
    """Candidate pairs by blocking, filtered by document cosine, decided by local-idf cosines and paragraph
    alignment, linked into groups (`link_groups`); pairs and alignments are those inside groups."""
    settings = settings or Settings()
    n = index.n_docs
    pairs = candidate_pairs(index, settings)
    n_candidates = len(pairs)
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in pairs:
        neighbours[a].append(b)
        neighbours[b].append(a)
    content_idf = (index.doc_content @ sp.diags(index.content_idf)).tocsr()
    names_idf = (index.doc_names @ sp.diags(index.names_idf)).tocsr()
    content = rowwise_cosine(content_idf, pairs)
    names = rowwise_cosine(names_idf, pairs)
    name_counts = np.asarray(index.doc_names.astype(bool).sum(axis=1)).ravel()
    has_names = np.minimum(name_counts[pairs[:, 0]], name_counts[pairs[:, 1]]) >= settings.min_names
    keep = (content >= settings.copy_cosine) | np.where(
        has_names, (content >= settings.min_doc_content) & (names >= settings.min_doc_names),
        content >= settings.min_content_only)
    verified, alignments, checked = [], {}, 0
    for (a, b), collection_content in zip(pairs[keep], content[keep]):
        a, b = int(a), int(b)
        hood = np.unique(np.concatenate([[a, b], neighbours[a], neighbours[b]]))
        local_content = local_cosine(index.doc_content, a, b, hood)
        with_names = min(name_counts[a], name_counts[b]) >= settings.min_names
        local_names = local_cosine(index.doc_names, a, b, hood) if with_names else None
        copy = collection_content >= settings.copy_cosine
        if with_names:
            close = local_content >= settings.min_content_local and local_names >= settings.min_names_local
        else:
            close = local_content >= settings.min_content_only
        if not (close or copy):
            continue
        checked += 1
        alignment = align_documents(index, a, b, settings.paragraph_threshold)
        if alignment.aligned_share < settings.min_aligned_share:
            continue
        if not copy and alignment.similarity < settings.min_paragraph_similarity:
            continue
        alignments[(a, b)] = alignment
        similarity = local_content if local_names is None else 0.5 * (local_content + local_names)
        verified.append({
            "a": a, "b": b, "kind": "copy" if copy else "rewrite",
            "similarity": round(float(similarity), 4),
            "content_cosine": round(float(local_content), 4),
            "name_cosine": None if local_names is None else round(float(local_names), 4),
            "aligned_share": round(alignment.aligned_share, 4),
            "paragraph_similarity": round(alignment.similarity, 4),
        })
    groups = link_groups(n, [(p["a"], p["b"], p["similarity"]) for p in verified], settings.min_link_density)
    group_of = np.full(n, -1, dtype=np.int64)
    for g, members in enumerate(groups):
        group_of[members] = g
    inside = [k for k, p in enumerate(verified) if group_of[p["a"]] >= 0 and group_of[p["a"]] == group_of[p["b"]]]
    verified = [verified[k] for k in inside]
    alignments = {(p["a"], p["b"]): alignments[(p["a"], p["b"])] for p in verified}
    return Duplicates(verified, groups, group_of, alignments, n_candidates, checked)
