-- An operator's tokens are listed newest first (the console's token pages, GET
-- /admin/operators/<id>/tokens and /admin/me/tokens): read through an index rather than the
-- whole table, however many tokens services and people have made over the years.
CREATE INDEX operator_tokens_operator ON operator_tokens (operator_id, created_at);
