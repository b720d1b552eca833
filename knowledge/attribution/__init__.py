"""Quote, reported-speech and non-disclosure extraction with speaker attribution.

Runs once per source at ingest; the results are stored with the source and only checked (never
re-extracted) at question time. Everything works on the source's normalised text and returns
character offsets into it, so ``text[a.start:a.end] == a.text`` for every attribution.

The package follows the stages of quote attribution (see FIELD.md, "How reporting quotes an
organisation"), one module each:

- :mod:`~knowledge.attribution.vocabulary`: speech verbs, roles, titles, channels, topics (data);
- :mod:`~knowledge.attribution.spans`: quoted spans, paragraphs and sentences;
- :mod:`~knowledge.attribution.cast`: the people and organisations a document names, with role and
  affiliation, and the discourse that remembers who was named earlier;
- :mod:`~knowledge.attribution.sieves`: the ordered speaker rules; each attribution records its rule;
- :mod:`~knowledge.attribution.context`: marks for earlier incidents, memos, hypotheticals, words not
  said and text addressed to a text generator;
- :mod:`~knowledge.attribution.reported`: reported speech and non-disclosure;
- :mod:`~knowledge.attribution.turns`: transcript turns and interview answers;
- :mod:`~knowledge.attribution.relations`: which organisations are parts (products, subsidiaries)
  of which, as the text says (read at question time, not stored);
- :mod:`~knowledge.attribution.extractor`: the paragraph-by-paragraph reading that ties them together.

Only the organisation itself, a reference to it, its channel (email, letter, notice, statement),
its spokesperson or one of its executives gets ``speaker_org``; experts, regulators, lawmakers,
attackers, reporters, authors and other bodies never do. In a ``notice``, ``statement`` or
``filing`` whose organisations are known, the document's own text (outside quotes of other
speakers) is the first organisation's words.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from knowledge.attribution.extractor import Extractor, extract_attributions
from knowledge.attribution.organizations import (
    canonical_organization,
    organization_aliases,
)
from knowledge.attribution.spans import find_quote_spans


def _rules_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


#: Derived from the rules and word lists: any change re-extracts unchanged sources on re-ingest.
EXTRACTOR_VERSION = _rules_hash()

__all__ = ["EXTRACTOR_VERSION", "Extractor", "canonical_organization", "extract_attributions",
           "find_quote_spans", "organization_aliases"]
