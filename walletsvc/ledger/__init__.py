"""The ledger: every change Redis makes, kept in PostgreSQL for years (the system of record).

Each wallet script appends its change to its shard's outbox stream in the same atomic step
(``store/lua/common.lua``); the exporter (``walletsvc ledger export``) reads the 256 outboxes with
one consumer group, inserts what it reads idempotently and acknowledges it only after
PostgreSQL committed. Reports, ``verify`` and ``restore`` read the ledger; the web service never
needs PostgreSQL to answer GPAS.
"""
