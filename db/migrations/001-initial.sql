-- prioritybot schema, version 1. Every row belongs to an event, and every event to a guild
-- (guild_id 0 = offline events created by the CLI), so every query can be scoped by guild.

CREATE TABLE catalogues (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,              -- "builtin:..." or the uploaded file name
    metadata    TEXT NOT NULL DEFAULT '{}'  -- JSON
);

CREATE TABLE recommendations (
    catalogue_id INTEGER NOT NULL REFERENCES catalogues(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    title        TEXT NOT NULL,
    titles       TEXT NOT NULL DEFAULT '{}', -- JSON: language code -> title
    PRIMARY KEY (catalogue_id, number)
);

CREATE TABLE initiatives (
    catalogue_id          INTEGER NOT NULL REFERENCES catalogues(id) ON DELETE CASCADE,
    number                INTEGER NOT NULL,
    recommendation_number INTEGER NOT NULL,
    position              INTEGER NOT NULL,
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    titles                TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (catalogue_id, number),
    FOREIGN KEY (catalogue_id, recommendation_number) REFERENCES recommendations(catalogue_id, number)
);

CREATE TABLE events (
    id                   INTEGER PRIMARY KEY,
    guild_id             INTEGER NOT NULL,
    name                 TEXT NOT NULL,
    catalogue_id         INTEGER NOT NULL REFERENCES catalogues(id),
    status               TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    language             TEXT NOT NULL DEFAULT 'en',
    organiser_role_id    INTEGER,
    facilitator_role_id  INTEGER,
    staff_role_id        INTEGER,
    interpreter_role_id  INTEGER,
    staff_may_vote       INTEGER NOT NULL DEFAULT 0,
    pseudonym_key        TEXT NOT NULL,  -- per-event secret: stable pseudonyms in exports
    created_at           TEXT NOT NULL,
    closed_at            TEXT,
    UNIQUE (guild_id, name)
);
-- One active event per guild (offline events in guild 0 are exempt: the CLI handles many).
CREATE UNIQUE INDEX one_active_event_per_guild ON events(guild_id) WHERE status = 'active' AND guild_id != 0;

CREATE TABLE merge_rules (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    source   INTEGER NOT NULL,
    target   INTEGER NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    PRIMARY KEY (event_id, source, target),
    CHECK (source != target)
);

CREATE TABLE rooms (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    channel_id INTEGER,                      -- NULL for rooms known only from imports
    UNIQUE (event_id, name),
    UNIQUE (event_id, channel_id)
);

CREATE TABLE rounds (
    id                 INTEGER PRIMARY KEY,
    event_id           INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    min_picks          INTEGER NOT NULL DEFAULT 1 CHECK (min_picks >= 0),
    max_picks          INTEGER CHECK (max_picks IS NULL OR max_picks >= 1),
    status             TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    results_visibility TEXT NOT NULL DEFAULT 'live' CHECK (results_visibility IN ('live', 'hidden')),
    opened_at          TEXT NOT NULL,
    closes_at          TEXT,                 -- scheduled automatic close (UTC ISO-8601)
    closed_at          TEXT,
    UNIQUE (event_id, name)
);
-- At most one open round per event.
CREATE UNIQUE INDEX one_open_round_per_event ON rounds(event_id) WHERE status = 'open';

CREATE TABLE ballots (
    id         INTEGER PRIMARY KEY,
    round_id   INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    voter      TEXT NOT NULL,                -- Discord user id, or an imported ballot id
    room_id    INTEGER REFERENCES rooms(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (round_id, voter)
);

CREATE TABLE ballot_picks (
    ballot_id  INTEGER NOT NULL REFERENCES ballots(id) ON DELETE CASCADE,
    initiative INTEGER NOT NULL,
    PRIMARY KEY (ballot_id, initiative)
) WITHOUT ROWID;
CREATE INDEX ballot_picks_by_initiative ON ballot_picks(initiative);

-- Every change to a ballot, kept for transparency (and never exported with Discord ids).
CREATE TABLE ballot_audit (
    id        INTEGER PRIMARY KEY,
    round_id  INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    voter     TEXT NOT NULL,
    room_id   INTEGER REFERENCES rooms(id),
    action    TEXT NOT NULL,                 -- cast, change, pick, unpick, import
    picks     TEXT NOT NULL,                 -- JSON list of the picks after the change
    at        TEXT NOT NULL
);

-- Organiser actions worth recording (e.g. an export that reveals voter ids).
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL
);

-- Messages carrying a persistent Vote button.
CREATE TABLE panels (
    message_id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    round_id   INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE
);

-- Picks being chosen in an open ballot message, before Submit (kept here, not in a View, so a
-- half-filled ballot survives a restart of the bot).
CREATE TABLE ballot_drafts (
    round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    voter    TEXT NOT NULL,
    picks    TEXT NOT NULL,                  -- JSON list
    PRIMARY KEY (round_id, voter)
);

-- A member's chosen language (/language), overriding their Discord client's locale.
CREATE TABLE user_languages (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    language TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
