"""Which organisations are parts of which: subsidiaries, units, brands and products, as texts say.

Coverage of an incident often names the part ("the Change Healthcare attack", "the MOVEit hack")
while the words come from the whole (its parent's chief executive, the maker's statement). A
question about the part must be answered with the parent's words too, and the parent's people are
never "others" in it. The relation is read from the text, never assumed from a shared word in two
names ("Quillfeather Cloud, a separate company within our group" is no part of Quillfeather
Airlines: a sibling speaks for itself). The phrasings read, with X the part and Y the whole:

- "X, a (wholly owned) subsidiary / unit / division / arm / brand / product of Y"; "X (operates … and)
  is a subsidiary of Y";
- "X, owned / run / operated / made / developed by Y"; "Y-owned X";
- "Y's X unit / subsidiary / business / division / brand / product / software / tool / platform /
  service / app" (a few lower-case words may stand around X: "Kaseya's on-premise VSA tool");
- "Y, (the) maker / developer / owner / operator / parent (company) of X"; "X maker Y";
  "X's parent (company) Y"; "X parent Y";
- "Y, which acquired / bought / owns / makes / runs X"; "Y acquired / bought X".

:func:`part_of_links` returns the triples as written; :func:`family` closes them over the names an
index knows. A product (MOVEit, a tool, an app, a brand) cannot speak: its maker's words are the
answer to a question naming it. A subsidiary speaks for itself: its parent's words are not its own
(nor its own the parent's), but neither company's people are "others" in the other's answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: A capitalised name of one to five words ("Progress Software", "UnitedHealth Group", "MOVEit").
_N = r"(?:[A-Z][\w&.’'-]*[\w&’'-]|[A-Z])(?:\s+(?:[A-Z][\w&.’'-]*[\w&’'-]|&|of)){0,4}"
_PART_NOUN = (r"(?:subsidiary|subsidiaries|unit|division|arm|business|brand|product|software|tool|platform|"
              r"service|app|application|program|programme|system|operation|company|firm)")
_SUBSIDIARY_NOUN = r"(?:subsidiary|subsidiaries|unit|division|arm|business|operation|company|firm|offshoot)"
_PRODUCT_NOUN = (r"(?:product|software|tool|platform|service|app|application|program|programme|system|brand|"
                 r"technology|suite|portal|network)")
#: (pattern, kind): the part is group ``x``, the whole group ``y``; the kind is ``product`` (it cannot
#: speak: its maker does) or ``subsidiary`` (a company of its own that speaks for itself).
_SPELLED: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), kind) for p, kind in (
    # X, a wholly owned subsidiary of Y ; X, a product of Y
    ((rf"(?P<x>{_N}),\s+(?:a|an|the)\s+(?:[\w-]+\s+){{0,2}}?(?P<noun>subsidiary|unit|division|arm|business|"
     rf"offshoot|brand|product)\s+(?:of|at|within)\s+(?P<y>{_N})"), "noun"),
    # X is a wholly owned subsidiary of Y ; X operates … and is a unit of Y
    (rf"(?P<x>{_N})\s+(?:(?:operates|runs|has|employs|serves|owns|makes)\b[^.;“”\"]{{0,150}}?\s+and\s+)?"
     rf"(?:is|was|became|remains)\s+(?:now\s+)?(?:a|an)\s+(?:[\w-]+\s+){{0,2}}?(?P<noun>subsidiary|unit|division|"
     rf"arm|brand|product|business)\s+(?:of|within)\s+(?P<y>{_N})", "noun"),
    # X, owned by Y ; X, made by Y
    ((rf"(?P<x>{_N}),\s+(?:which\s+is\s+|(?:majority|wholly|partly)[- ])?(?P<noun>owned|run|operated|acquired|"
     rf"bought|made|developed)\s+by\s+(?P<y>{_N})"), "noun"),
    # Y-owned X
    (rf"(?P<y>{_N})-owned\s+(?P<x>{_N})", "subsidiary"),
    # Y's X unit ; Y's on-premise X tool
    ((rf"(?P<y>{_N})(?:[’']s|(?<=s)[’'])\s+(?:[a-z][\w-]*\s+){{0,2}}(?P<x>{_N})(?:\s+[a-z][\w-]*){{0,2}}\s+"
     rf"(?P<noun>{_SUBSIDIARY_NOUN}|{_PRODUCT_NOUN})\b"), "noun"),
    # Y, (the) maker of X ; Y, the parent of X
    ((rf"(?P<y>{_N}),\s+(?:the\s+)?(?:[\w-]+\s+)?(?P<noun>maker|makers|developer|publisher|provider|vendor|"
     rf"owner|operator|parent|parent company)\s+of\s+(?:the\s+)?(?P<x>{_N})"), "noun"),
    # X maker Y ; X's parent company Y
    (rf"(?P<x>{_N})(?:[’']s)?\s+(?P<noun>maker|developer|vendor|owner|parent|parent company)\s*,?\s+(?P<y>{_N})",
     "noun"),
    # Y, which acquired X ; Y makes X
    (rf"(?P<y>{_N})(?:,\s+which)?\s+(?P<noun>acquired|bought|owns|runs|operates|took over|makes)\s+(?P<x>{_N})",
     "noun"),
))
#: The words of a relation that make the part a product (the rest make it a subsidiary).
_PRODUCT_WORDS = re.compile(rf"(?:{_PRODUCT_NOUN}|made|developed|maker|makers|developer|publisher|provider|vendor|"
                            r"makes)$")
#: Capitalised words that begin sentences or name no body.
_NOT_BODY = frozenset("""The A An It Its This That These Those He She They We In On At By For From With As
When While After Before Since Of And But Or If Who What Which Where Why How""".split())


def _clean(name: str) -> str:
    words = name.split()
    while words and words[0] in _NOT_BODY:
        words = words[1:]
    while words and words[-1] in ("of", "&"):
        words = words[:-1]
    return " ".join(words)


def part_of_links(text: str) -> list[tuple[str, str, str]]:
    """``(part, whole, kind)`` triples the text states, names as written ("MOVEit", "Progress
    Software", "product"); kind is ``product`` or ``subsidiary``."""
    out: list[tuple[str, str, str]] = []
    for pattern, kind in _SPELLED:
        for m in pattern.finditer(text):
            x, y = _clean(m.group("x")), _clean(m.group("y"))
            if kind == "noun":
                kind_here = "product" if _PRODUCT_WORDS.match(m.group("noun")) else "subsidiary"
            else:
                kind_here = kind
            if x and y and x != y and (x, y, kind_here) not in out:
                out.append((x, y, kind_here))
    return out


@dataclass(frozen=True)
class Family:
    """An organisation's relatives among the known organisations.

    Attributes:
        members: whose words are the organisation's: itself, the maker of a product it names, and its
            own products.
        whole: who answers: the maker when the organisation asked about is a product, else itself.
        group: everyone in its corporate family (parents, subsidiaries, products): never "others".
        parent: its nearest known parent company, if any.
        names: every name, known to the index or not, linked to it through parts and wholes
            ("Orchard Lane Holdings", the parent no source lists): never "others" either.
    """

    members: frozenset[str]
    whole: str
    group: frozenset[str]
    parent: str | None
    names: frozenset[str] = frozenset()


def family(org: str, links: Iterable[tuple[str, str, str]], canonical: Callable[[str], str | None]) -> Family:
    """The known relatives of ``org`` through the ``(part, whole, kind)`` links of
    :func:`part_of_links`. A product's words are its maker's; a subsidiary speaks for itself (its
    parent's words are not its own, nor its own the parent's), but neither is "others" to the other.
    Siblings are never related. Unknown names may link known ones ("Change, a unit of Optum" and
    "Optum, a subsidiary of UnitedHealth Group")."""
    def key(name: str) -> str:
        return canonical(name) or name

    up: dict[str, set[tuple[str, str]]] = {}
    down: dict[str, set[tuple[str, str]]] = {}
    for part, whole_name, kind in links:
        p, w = key(part), key(whole_name)
        if p != w:
            up.setdefault(p, set()).add((w, kind))
            down.setdefault(w, set()).add((p, kind))

    def reach(start: str, edges: dict[str, set[tuple[str, str]]], kinds: tuple[str, ...]) -> list[str]:
        seen, todo = [start], [start]
        while todo:
            for nxt, kind in sorted(edges.get(todo.pop(), ())):
                if kind in kinds and nxt not in seen:
                    seen.append(nxt)
                    todo.append(nxt)
        return seen

    makers = [n for n in reach(org, up, ("product",))[1:] if canonical(n) is not None]
    whole = makers[-1] if makers else org
    members = {org, whole} | {n for n in reach(whole, down, ("product",)) if canonical(n) is not None}
    every = ("product", "subsidiary")
    linked = reach(whole, up, every) + reach(whole, down, every)
    group = {n for n in linked if canonical(n) is not None}
    parents = [n for n in reach(whole, up, ("subsidiary",))[1:] if canonical(n) is not None]
    return Family(frozenset(members), whole, frozenset(group | members), parents[0] if parents else None,
                  frozenset(linked))
