DROP TABLE join_requests;
DROP TABLE chat_links;
