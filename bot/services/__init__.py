"""Use cases shared by the Discord cogs and the command-line interface."""
