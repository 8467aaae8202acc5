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

-- only what search can find: neither tombstones (deleted for everyone) nor service messages
CREATE INDEX messages_words_idx ON messages USING gin (natter_words(text))
    WHERE deleted_at IS NULL AND service IS NULL;
CREATE INDEX messages_trigrams_idx ON messages USING gin (natter_fold(text) gin_trgm_ops)
    WHERE deleted_at IS NULL AND service IS NULL;

-- people: any part of the username or the display name
CREATE INDEX users_names_trigrams_idx ON users
    USING gin (natter_fold(username || ' ' || coalesce(display_name, '')) gin_trgm_ops);
