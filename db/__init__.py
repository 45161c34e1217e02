"""The SQLite store: connection, migrations and repositories. The only package that writes SQL."""
