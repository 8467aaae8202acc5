DROP INDEX users_display_name_folded_idx;
DROP INDEX users_names_trigrams_idx;
DROP INDEX messages_trigrams_idx;
DROP INDEX messages_words_idx;
DROP FUNCTION natter_words(text);
DROP FUNCTION natter_fold(text);
