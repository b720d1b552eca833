"""The ``disclosure-bot`` command line: ingest, ask, sources, forget, demo (and serve, from ``bot``).

This module is a composition root: it reads settings, configures logging and opens the knowledge
base once per command. ``bot.cli`` adds the ``serve`` command on top; this package never imports
``discord``.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from knowledge.errors import KnowledgeError, SourceError
from knowledge.feeds import cli as feeds_cli
from knowledge.loaders import make_meta
from knowledge.progress import ingest_progress, summary
from knowledge.records import (
    SOURCE_KINDS,
    Answer,
    AnswerItem,
    IngestReport,
    SourceRef,
    Statement,
)
from knowledge.service import KnowledgeBase, open_knowledge_base
from knowledge.settings import Settings, load_settings
from knowledge.snippets import excerpt
from knowledge.watch import new_words_lines
from knowledge.web.ingest import read_url_list

log = logging.getLogger(__name__)

EXAMPLES_DIR = Path(__file__).parent / "examples" / "harborline"
DEMO_QUESTION = "What did Harborline Market actually say?"

#: An extra sub-command: ``(name, help, add_arguments, run)``; ``run(settings, args) -> exit code``.
Command = tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[Settings, argparse.Namespace], int]]


# --- rendering ---------------------------------------------------------------------------------

def _cite(ref: SourceRef, page: int | None = None) -> str:
    parts = [ref.title]
    if ref.publisher:
        parts.append(ref.publisher)
    if ref.date:
        parts.append(ref.date.isoformat())
    parts.append(ref.kind)
    if page is not None:
        parts.append(f"p. {page}")
    if ref.gone:  # its URL answers 404/410 now
        parts.append("gone")
    if ref.retrieved_at is not None:
        parts.append(f"retrieved {ref.retrieved_at.date().isoformat()}")
    return ", ".join(parts)


#: Longer items are shown as the sentences that match the question (``--json`` has every word).
CLI_TEXT_MAX = 700
#: Carriers named after "carried by N sources (also …)".
CARRIERS_NAMED = 5


def _words(text: str, terms: Sequence[str]) -> str:
    """The item's words, or for a long one the sentences matching the question with "…" around."""
    return excerpt(text, terms, CLI_TEXT_MAX).render()


def _item(item: AnswerItem, quoted: bool, terms: Sequence[str] = ()) -> Text:
    line = Text()
    if quoted:
        line.append(f"“{_words(item.text, terms)}”", style="bold")
    else:
        line.append(f"{item.kind}: ", style="italic")
        line.append(_words(item.text, terms))
    speaker = item.speaker or "unknown"
    line.append(f"\n   — {speaker}", style="cyan")
    if item.speaker_role not in ("organization",):
        line.append(f" ({item.speaker_role})", style="cyan")
    if item.cue:
        line.append(f" · {item.cue}", style="dim")
    line.append(f"\n   {_cite(item.source, item.page)}", style="green")
    if item.second_hand:
        by = item.source.publisher or ("an article" if item.source.kind == "article" else
                                       f"an {item.source.kind} piece")
        line.append(f" · second-hand: quoted by {by}", style="yellow")
    if item.disputed:
        line.append(" · disputed (a misquote report was confirmed)", style="bold red")
    if item.source.url:
        line.append(f"\n   {item.source.url}", style="blue underline")
    return line


def _statement(statement: Statement, terms: Sequence[str] = ()) -> Text:
    line = _item(statement.canonical, quoted=True, terms=terms)
    when = f", first {statement.first_date.isoformat()}" if statement.first_date else ""
    line.append(f"\n   {statement.channel}{when}", style="magenta")
    carriers = statement.carriers or len(statement.sources)
    if carriers > 1:
        named = [s.publisher or s.title for s in statement.sources[1:1 + CARRIERS_NAMED]]
        rest = len(statement.sources) - 1 - len(named)
        also = ", ".join(named) + (f" and {rest} more" if rest > 0 else "")
        line.append(f" · carried by {carriers} sources (also {also})", style="magenta")
    for variant in statement.variants:
        line.append(f"\n   variant in {variant.source.publisher or variant.source.title}: ", style="yellow")
        line.append(f"“{_words(variant.text, terms)}” ({variant.differs})", style="yellow")
    for change in statement.changed:
        when = f" ({change.source.date.isoformat()})" if change.source.date else ""
        line.append(f"\n   {'changed later' if change.newer else 'other version'}{when}: {change.differs}",
                    style="yellow")
    return line


def render_answer(answer: Answer) -> Group:
    """The terminal form of an answer (rich renderables; text is never parsed as markup)."""
    blocks: list[object] = []
    org = answer.organization or "the organisation"
    if answer.abstained:
        blocks.append(Text(f"No answer: {answer.reason or 'nothing in the index supports one'}.",
                           style="bold yellow"))
        if answer.sources:
            blocks.append(Text("Closest sources:", style="bold"))
            blocks += [Text(f" • {_cite(s)}" + (f" — {s.url}" if s.url else "")) for s in answer.sources]
        return Group(*blocks)
    n_sources = len(answer.sources)
    n = len(answer.statements)
    title = f"What {org} said — {n} statement{'s' * (n != 1)}, {n_sources} source{'s' * (n_sources != 1)}"
    body = [_statement(st, answer.terms) for st in answer.statements] or [Text("No direct quotes.", style="dim")]
    if answer.finding:
        blocks.append(Text(answer.finding, style="bold"))
    blocks.append(Panel(Group(*_numbered(body)), title=Text(title, style="bold"), title_align="left"))
    if answer.reported:
        blocks.append(Panel(Group(*_numbered([_item(r, quoted=False, terms=answer.terms) for r in answer.reported])),
                            title=f"Reported (indirect speech, not {org}'s exact words)", title_align="left"))
    if answer.not_disclosed:
        blocks.append(Panel(Group(*_numbered([_item(d.evidence, quoted=False, terms=answer.terms)
                                              for d in answer.not_disclosed])),
                            title="Not disclosed", title_align="left"))
    if answer.others:
        blocks.append(Panel(Group(*_numbered([_item(o, quoted=True, terms=answer.terms) for o in answer.others])),
                            title=f"Others quoted (never {org}'s words)", title_align="left"))
    if answer.dropped_unverified:
        blocks.append(Text(f"{answer.dropped_unverified} extracted quote(s) failed the verbatim check "
                           "and were left out.", style="dim"))
    return Group(*blocks)


def _numbered(items: Sequence[Text]) -> list[Text]:
    out = []
    for i, item in enumerate(items, 1):
        line = Text(f"{i}. ")
        line.append_text(item)
        out.append(line)
    return out


def render_sources(kb: KnowledgeBase) -> Table:
    table = Table(title="Indexed sources", title_justify="left")
    for column in ("id", "kind", "date", "title", "publisher", "organizations", "chunks", "retrieved"):
        table.add_column(column, overflow="fold")
    counts = kb.catalog.chunk_counts()
    for s in kb.sources():
        retrieved = s.retrieved_at.date().isoformat() if s.retrieved_at else ""
        table.add_row(s.id, s.kind, s.date.isoformat() if s.date else "", s.title, s.publisher or "",
                      ", ".join(s.organizations), str(counts.get(s.id, 0)),
                      f"{retrieved} (gone)" if s.gone else retrieved)
    return table


# --- commands ----------------------------------------------------------------------------------

def _override(args: argparse.Namespace) -> dict[str, object]:
    fields: dict[str, object] = {}
    for key in ("title", "url", "publisher", "date", "kind"):
        if getattr(args, key, None):
            fields[key] = getattr(args, key)
    if args.org:
        fields["organizations"] = args.org
    return fields


_URL = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*://")


def _is_url(arg: str) -> bool:
    """Any ``scheme://`` argument is a URL (``file://`` and ``ftp://`` are then refused as such)."""
    return _URL.match(arg) is not None


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    urls = [a.strip() for a in args.paths if _is_url(a)]
    paths = [Path(a) for a in args.paths if not _is_url(a)]
    if args.from_file is not None:
        try:
            urls += read_url_list(Path(args.from_file).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: cannot read --from-file {args.from_file}: {getattr(exc, 'strerror', None) or exc}",
                  file=sys.stderr)
            return 2
    if not urls and not paths:
        print("error: give files, folders or URLs to ingest (or --from-file with URLs)", file=sys.stderr)
        return 2
    if urls and args.url:
        print("error: --url names one file's source; a fetched page's URL is its own", file=sys.stderr)
        return 2
    try:
        override = make_meta(_override(args), "command line")
    except SourceError as exc:
        print(f"error: {exc.reason}", file=sys.stderr)
        return 2
    report = IngestReport()
    errors: list[SourceError] = []
    with open_knowledge_base(settings.knowledge) as kb:
        if paths:
            with ingest_progress(sys.stdout, "files", enabled=not args.json) as progress:
                report, errors = kb.ingest_paths(paths, override, progress=progress)
        if urls:
            with ingest_progress(sys.stdout, "URLs", enabled=not args.json) as progress:
                part, part_errors = kb.ingest_urls(urls, override, progress=progress)
            report = _joined(report, part)
            errors += part_errors
        counts = kb.counts()
    for exc in errors:
        print(f"failed {exc}", file=sys.stderr)  # one line per file or URL, never wrapped
    if args.json:
        print(json.dumps({**report.model_dump(mode="json"), "errors": [str(e) for e in errors], "index": counts},
                         indent=2))
    else:
        print(summary(report, len(errors), counts))  # one line, never wrapped (scripts read it)
        for line in report.attachments:
            print(f"not indexed: the attachments of {line}")
        for line in new_words_lines(report.new_words):
            print(line)  # never wrapped: one line per quote
    return 1 if errors else 0


def _joined(first: IngestReport, second: IngestReport) -> IngestReport:
    data = first.model_dump()
    for key, value in second.model_dump().items():
        data[key] = data[key] + value
    return IngestReport(**data)


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    with open_knowledge_base(settings.knowledge) as kb:
        answer = kb.ask(args.question, args.org)
    if args.json:
        print(answer.model_dump_json(indent=2))
    else:
        Console().print(render_answer(answer))
    return 0


def cmd_sources(settings: Settings, args: argparse.Namespace) -> int:
    with open_knowledge_base(settings.knowledge) as kb:
        if args.json:
            counts = kb.catalog.chunk_counts()
            rows = [{**s.model_dump(mode="json", exclude={"text"}), "chunks": counts.get(s.id, 0)}
                    for s in kb.sources()]
            print(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            Console().print(render_sources(kb))
    return 0


def cmd_forget(settings: Settings, args: argparse.Namespace) -> int:
    with open_knowledge_base(settings.knowledge) as kb:
        source = kb.resolve(args.source_id)
        chunks = kb.catalog.chunk_counts().get(source.id, 0)
        quotes = len(kb.catalog.attributions([source.id])[source.id])
        where = source.url or source.path or source.locator
        print(f"will remove {source.id}: {source.title} ({where}), {chunks} chunks, {quotes} attributions")
        if not args.yes and sys.stdin.isatty() and not _confirm("Remove it? [y/N] "):
            print("nothing removed", file=sys.stderr)
            return 1
        kb.forget(source.id)
    print(f"forgot {source.id} ({source.title}) and its chunks and quotes")
    return 0


def _confirm(prompt: str) -> bool:
    try:
        return input(prompt).strip().casefold() in ("y", "yes")
    except EOFError:
        return False


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    console = Console()
    with open_knowledge_base(settings.knowledge) as kb:
        report, errors = kb.ingest_paths([EXAMPLES_DIR])
        console.print(Text(f"Example corpus (fictional): {len(report.added) + len(report.updated)} sources "
                           f"indexed, {len(report.unchanged)} already there, in {settings.knowledge.data_dir}",
                           style="dim"))
        console.print(Text(f"Q: {args.question}", style="bold"))
        answer = kb.ask(args.question)
    console.print(render_answer(answer))
    return 1 if errors else 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge import evaluation

    files = [(Path(p), evaluation.load_eval_file(Path(p))) for p in args.files]
    groups: dict[Path | None, list[evaluation.EvalQuestion]] = {}
    for path, eval_file in files:
        groups.setdefault(evaluation.corpus_dir(path, eval_file), []).extend(eval_file.questions)
    totals = {"system": evaluation.Tally(), "baseline": evaluation.Tally()}
    recall = {mode: evaluation.RecallTally() for mode in ("hybrid", "dense")}  # retrieval alone
    err = Console(stderr=True)
    for corpus, questions in groups.items():
        if corpus is None:
            kb_context = open_knowledge_base(settings.knowledge)
            tmp = None
        else:
            tmp = evaluation.temporary_data_dir()
            # a temporary embedded index, also in server mode: an evaluation corpus never reaches the server
            kb_context = open_knowledge_base(settings.knowledge.model_copy(
                update={"data_dir": Path(tmp.name), "chroma_host": None}))
        with kb_context as kb:
            if corpus is not None:
                report, errors = kb.ingest_paths([corpus])
                for exc in errors:
                    print(f"skipped {exc}", file=sys.stderr)
                err.print(Text(f"indexed {len(report.added)} sources from {corpus}", style="dim"))
            tallies = evaluation.evaluate(kb, questions)
            for mode, tally in recall.items():
                tally.add(evaluation.source_recall(kb, questions, mode))
        if tmp is not None:
            tmp.cleanup()
        for name, tally in tallies.items():
            totals[name].add(tally)
    metrics = {name: tally.metrics() for name, tally in totals.items()}
    retrieval = {mode: tally.metrics(mode) for mode, tally in recall.items()}
    if args.json:
        print(json.dumps({**metrics, "retrieval": retrieval}, indent=2))
    else:
        table = Table(title="Attribution evaluation", title_justify="left")
        table.add_column("metric")
        for name in metrics:
            table.add_column(name, justify="right")
        for key in metrics["system"]:
            table.add_row(key.replace("_", " "), *(
                "—" if metrics[n][key] is None else str(metrics[n][key]) for n in metrics))
        Console().print(table)
        recall_table = Table(title="Retrieval: source recall", title_justify="left")
        for column in ("retrieval", "questions", *(f"@{k}" for k in evaluation.RECALL_KS)):
            recall_table.add_column(column, justify="left" if column == "retrieval" else "right")
        for row in retrieval.values():
            recall_table.add_row(*("—" if v is None else str(v) for v in row.values()))
        Console().print(recall_table)
        if args.verbose:
            for line in totals["system"].misses:
                Console().print(Text(line))
            rules = Table(title="Organisation's quotes shown, per attribution rule", title_justify="left")
            for column in ("rule", "shown", "with a forbidden phrase"):
                rules.add_column(column, justify="left" if column == "rule" else "right")
            for rule, (shown, wrong) in sorted(totals["system"].rules.items(), key=lambda kv: -kv[1][0]):
                rules.add_row(rule, str(shown), str(wrong))
            Console().print(rules)
    if args.json and args.verbose:
        print(json.dumps({"rules": totals["system"].rules, "misses": totals["system"].misses}, indent=2))
    return 0


def build_parser(extra: Sequence[Command] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="disclosure-bot",
        description="Answer disclosure questions with the organisation's own, verified words.")
    parser.add_argument("--data-dir", type=Path, help="index folder (overrides KB_DATA_DIR)")
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env, if present)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="index files, folders and web pages (.txt, .md, .html, .pdf, .eml, URLs)")
    p.add_argument("paths", nargs="*", metavar="PATH_OR_URL",
                   help="files, folders (recursively) and http(s) URLs (pages, PDFs, text)")
    p.add_argument("--from-file", metavar="URLS.txt",
                   help="a file of URLs to fetch and index, one per line (# starts a comment)")
    p.add_argument("--kind", choices=SOURCE_KINDS, help="source kind for every file")
    p.add_argument("--org", action="append", default=[], metavar="ORG",
                   help="organisation the source is about or speaks for (repeatable)")
    p.add_argument("--url")
    p.add_argument("--publisher")
    p.add_argument("--date", help="publication date, ISO 8601 (YYYY-MM-DD)")
    p.add_argument("--title")
    p.add_argument("--json", action="store_true", help="print the ingest report as JSON")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question such as 'What did X actually say?'")
    p.add_argument("question")
    p.add_argument("--org", help="the organisation (default: the one the question names)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser("sources", help="list indexed sources")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_sources)

    p = sub.add_parser("forget", help="remove a source and everything derived from it")
    p.add_argument("source_id", help="a source id, a unique prefix of one ('src_' and at least 6 more "
                                     "characters), its URL or its file path")
    p.add_argument("--yes", "-y", action="store_true",
                   help="do not ask for confirmation (it is only asked when input is a terminal)")
    p.set_defaults(run=cmd_forget)

    p = sub.add_parser("demo", help="index the bundled fictional example corpus and answer a question")
    p.add_argument("question", nargs="?", default=DEMO_QUESTION)
    p.set_defaults(run=cmd_demo)

    p = sub.add_parser("eval", help="score attribution on evaluation files (YAML) against a baseline")
    p.add_argument("files", nargs="+", metavar="FILE.yaml")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--verbose", action="store_true", help="list every missed phrase and misattribution")
    p.set_defaults(run=cmd_eval)

    feeds_cli.add_parser(sub)  # feeds add|list|remove|poll

    for name, help_text, add_arguments, run in extra:
        p = sub.add_parser(name, help=help_text)
        add_arguments(p)
        p.set_defaults(run=run)
    return parser


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("chromadb", "httpx", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def main(argv: Sequence[str] | None = None, extra: Sequence[Command] = ()) -> int:
    """Run one command; returns the process exit code (0 ok, 1 failed, 2 usage or configuration)."""
    args = build_parser(extra).parse_args(argv)
    env_file: str | None = args.env_file
    if not Path(args.env_file).is_file():
        if args.env_file != ".env":
            print(f"error: settings file {args.env_file} not found", file=sys.stderr)
            return 2
        env_file = None
    try:
        settings = load_settings(env_file)
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"error: invalid setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}", file=sys.stderr)
        return 2
    if args.data_dir is not None:
        settings.knowledge.data_dir = args.data_dir
    configure_logging(settings.log.level)
    try:
        return int(args.run(settings, args))
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C: what was committed stays, and a new run finishes the rest
        print("interrupted: what an ingest had committed stays; run the same command again to finish",
              file=sys.stderr)
        return 130
    except OSError as exc:  # a data folder that is a file, a disk that is full
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
