"""Discord front end: parses slash commands, calls the knowledge base, renders its answers.

Run it with ``python -m bot``; nothing here reads the environment or connects at import time.
"""
