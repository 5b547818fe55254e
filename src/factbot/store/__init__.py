"""The SQLite file: connection, transactions, schema migrations, meta and revision, backups."""
