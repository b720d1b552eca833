"""Fictional texts the end-to-end tests upload, serve or ingest (Harborline Market is made up)."""

from __future__ import annotations

#: A new statement of the fictional organisation, uploaded with /ingest.
NEW_WORDS = ("We have completed our review, and every configuration change now needs a second check "
             "before it reaches our live systems.")
NEW_STATEMENT = f"""---
title: Our review is complete (fictional)
url: https://harborline.example/news/review-complete
publisher: Harborline Market
date: 2025-03-20
organizations: [Harborline Market]
---

# Our review is complete

{NEW_WORDS} We thank our customers for their patience.
"""
ARTICLE = """<!doctype html><html><head><meta charset="utf-8">
<title>Harborline offers vouchers after order-history exposure (fictional)</title>
<meta property="og:site_name" content="Example Gazette"><meta name="date" content="2025-03-25"></head>
<body><article><h1>Harborline offers vouchers after order-history exposure (fictional)</h1>
<p>Harborline Market will send a voucher to every customer whose order history could be seen by others,
the grocer said on Tuesday.</p>
<p>"We are sending every affected customer a voucher as an apology for the refund delays," a Harborline
Market spokesperson said.</p>
<p>The company did not say how many customers would receive one.</p></article></body></html>
"""
FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Harborline news (fictional)</title><link>https://harborline.example/</link>
<description>Fictional feed</description>
<item><title>Our review is complete</title><link>https://harborline.example/news/review-complete</link>
<pubDate>Thu, 20 Mar 2025 09:00:00 GMT</pubDate></item>
</channel></rss>
"""


def long_notice() -> str:
    """A long fictional notice (about 40 KB, every paragraph different) whose ingest takes seconds."""
    paragraphs = [f"Update {n}: on day {n} of the review, Harborline Market checked {n * 7} configuration "
                  f"changes in store region {n % 13} and found {n % 5} that needed a second look; "
                  f"ticket HM-{1000 + n} records what was changed and who approved it." for n in range(200)]
    head = ("---\ntitle: Daily review log (fictional)\nurl: https://harborline.example/news/review-log\n"
            "publisher: Harborline Market\ndate: 2025-04-01\nkind: notice\norganizations: [Harborline Market]\n---\n\n")
    return head + "\n\n".join(paragraphs) + "\n"
