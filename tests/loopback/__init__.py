"""A loopback stand-in for Discord, and participants that drive the real bot process against it.

``discord_stub`` serves Discord's REST v10 and gateway on 127.0.0.1; ``launch_bot`` and
``floor_bot`` run the unmodified bot (or a bare client that answers "ok") against it;
``voters`` sets up an event through slash commands, runs a burst of voters and checks what was
stored. Nothing here talks to the real Discord.
"""
