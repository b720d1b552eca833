"""RSS 2.0 and Atom feeds: a registry stored beside the index, polled with conditional GET and
back-off, whose new or changed entries are ingested as sources.

- :mod:`.parsing`: a feed document into entries (feedparser, with a fallback for odd dates);
- :mod:`.registry`: the feeds and their seen entries (``DATA_DIR/feeds.sqlite3``);
- :mod:`.polling`: one poll: fetch, compare, ingest, record, back off.

:class:`~knowledge.service.KnowledgeBase` exposes them as ``add_feed``, ``feeds``, ``remove_feed``
and ``poll_feeds``.
"""

from knowledge.feeds.parsing import FeedEntry, ParsedFeed, parse_feed, parse_loose_date
from knowledge.feeds.polling import Backoff, FeedOutcome, FeedPoller, FeedPollResult
from knowledge.feeds.registry import FILE_NAME, Feed, FeedRegistry, feed_id_for

__all__ = ["FILE_NAME", "Backoff", "Feed", "FeedEntry", "FeedOutcome", "FeedPollResult", "FeedPoller",
           "FeedRegistry", "ParsedFeed", "feed_id_for", "parse_feed", "parse_loose_date"]
