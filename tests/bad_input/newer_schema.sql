-- A run store written by a future mnemo (schema version 99): this mnemo must refuse it and
-- leave it untouched.
CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, future_column TEXT);
INSERT INTO runs VALUES (1, 'from the future', 'x');
PRAGMA user_version = 99;
