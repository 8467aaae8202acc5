-- Search. Messages are found by word forms (the 'russian' configuration stems Cyrillic
-- words with the Russian stemmer and Latin ones with the English stemmer) and by any part of
-- a word, link, host name or id (trigrams); people by any part of their username or display
-- name. Both ignore case and ё/е. Every index is on an expression of the row itself, so an
-- edit or a delete changes what is found in the same transaction.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- a text as search compares it: lower case, ё as е
CREATE FUNCTION natter_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN translate(lower(t), 'ё', 'е');

-- the word forms of a text
CREATE FUNCTION natter_words(t text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN to_tsvector('russian'::regconfig, natter_fold(t));

-- Whole-table indexes, not partial ones: tombstones (deleted for everyone) and service
-- messages have empty text, so they add no entries, and the planner uses the statistics
-- ANALYZE keeps of an index's expression only for indexes without a predicate. Without them
-- it guessed a Cyrillic word as rare (its selectivity guess shrinks with every byte of the
-- pattern) and read 170,000 rows instead of intersecting with the caller's chats.
CREATE INDEX messages_words_idx ON messages USING gin (natter_words(text));
CREATE INDEX messages_trigrams_idx ON messages USING gin (natter_fold(text) gin_trgm_ops);
-- A finer sample of their expressions (1,000 rather than 100 values): with 100, a word in 3 %
-- of all messages was often in none of them, taken for a rare one, and read without the
-- caller's chats to narrow it (58,000 rows, 420 ms instead of 29 ms).
ALTER INDEX messages_words_idx ALTER COLUMN 1 SET STATISTICS 1000;
ALTER INDEX messages_trigrams_idx ALTER COLUMN 1 SET STATISTICS 1000;

-- people: any part of the username or the display name; for one or two characters, the
-- start of the display name (usernames have the prefix index of the accounts migration)
CREATE INDEX users_names_trigrams_idx ON users
    USING gin (natter_fold(username || ' ' || coalesce(display_name, '')) gin_trgm_ops);
CREATE INDEX users_display_name_folded_idx ON users (natter_fold(display_name) text_pattern_ops);
