"""Player protection: limits, pauses and self-exclusion (docs/player-protection.md).

The rules for changing them live here in plain Python (``rules``); the checks at the bet are
atomic and live in the store's scripts (store/lua/protection.lua), judged against the settings
these rules wrote and the calendar periods ``periods`` computes.
"""
