"""Storage behind small interfaces: the database (SQLite or PostgreSQL) and the media store."""
