DROP TABLE chat_list_stale;
