"""Wallet rules that are not atomic concerns: parsing, tokens, games, orchestration."""
