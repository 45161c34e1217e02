-- prioritybot schema, version 3: attendance (who took part) and the post-event feedback survey.

-- One row per person, day, room and way of taking part; the unique index makes every sighting
-- after the first a no-op, so a member who joins a room ten times is counted once. Ballots are
-- not copied here: they are read from ballot_audit and ballots when attendance is counted.
CREATE TABLE attendance (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,                -- str(Discord user id), as ballots.voter
    day        TEXT NOT NULL,                -- 'YYYY-MM-DD' (UTC)
    room_id    INTEGER REFERENCES rooms(id), -- NULL: a check-in outside the breakout rooms
    source     TEXT NOT NULL CHECK (source IN ('voice', 'checkin')),
    first_seen TEXT NOT NULL
);
CREATE UNIQUE INDEX attendance_once ON attendance(event_id, user_id, day, IFNULL(room_id, 0), source);

-- The roles a member held when the bot last saw them (a voice join, a check-in, any interaction).
-- Staff and interpreters are told apart at count time, with the event's current role settings,
-- so roles configured after the event started still exclude the right people.
CREATE TABLE attendee_roles (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL,
    role_ids TEXT NOT NULL,                  -- JSON list of role ids
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (event_id, user_id)
);

-- One survey per event. questions is NULL for the built-in questions (the 2020 report's).
CREATE TABLE feedback_surveys (
    event_id   INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    questions  TEXT,                         -- JSON of the validated question set
    source     TEXT NOT NULL DEFAULT '',     -- the uploaded file's name
    status     TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    opened_at  TEXT,
    closes_at  TEXT,                         -- scheduled automatic close (UTC ISO-8601)
    closed_at  TEXT,
    channel_id INTEGER,                      -- the message carrying the Give feedback button
    message_id INTEGER
);

-- Complete responses only: a response exists once its last modal page was submitted.
CREATE TABLE feedback_responses (
    event_id           INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id            TEXT NOT NULL,        -- never exported: exports use the event's pseudonym
    answers            TEXT NOT NULL,        -- JSON: question id -> text
    rating             INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    first_submitted_at TEXT NOT NULL,
    submitted_at       TEXT NOT NULL,        -- the latest submission (answers are editable)
    PRIMARY KEY (event_id, user_id)
);

-- Answers of the first page(s) of a survey longer than one modal, until the last page is sent.
CREATE TABLE feedback_drafts (
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    answers    TEXT NOT NULL,                -- JSON: input id -> text (the rating as text)
    updated_at TEXT NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
