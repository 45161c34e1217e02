"""Thin Discord cogs: parse the interaction, call a service, render the reply."""
