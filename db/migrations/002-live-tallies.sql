-- prioritybot schema, version 2: live tally messages (/tally post), kept here rather than in
-- memory so they resume updating after a restart of the bot.

CREATE TABLE live_tallies (
    message_id   INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    event_id     INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    round_id     INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    room_id      INTEGER REFERENCES rooms(id),  -- NULL for the whole round
    scope        TEXT NOT NULL CHECK (scope IN ('round', 'room')),
    posted_at    TEXT NOT NULL,                -- edits stop working on old messages: refreshed at 55 min
    last_version TEXT NOT NULL DEFAULT '',     -- the ballot version the message last showed
    active       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX live_tallies_active ON live_tallies(channel_id) WHERE active = 1;
