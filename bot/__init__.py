"""prioritybot: prioritisation votes for large online events, in Discord and offline."""

__version__ = "0.1.0"
