"""Pure domain rules: catalogue, ballots and the tally. No Discord, no database."""
