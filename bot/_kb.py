"""What the bot needs from the knowledge base, as a structural type.

``knowledge.service.KnowledgeBase`` satisfies it; tests pass a fake. Both methods block, so bot code
calls them through :func:`bot._threads.run_blocking`; they are safe to call from several worker
threads at once (questions are answered in parallel; an ingest or forget holds them only while it
writes).
"""

from __future__ import annotations

from typing import Protocol

from knowledge.records import Answer


class KnowledgeBase(Protocol):
    """Answers disclosure questions and lists the organisations it knows."""

    def ask(self, question: str, organization: str | None = None) -> Answer:
        """Answer ``question``, optionally about one organisation.

        Raises:
            knowledge.errors.KnowledgeError: with a message that may be shown to the user.
        """
        ...

    def organizations(self) -> list[str]:
        """Names of the organisations the index knows."""
        ...
