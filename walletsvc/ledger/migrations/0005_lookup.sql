-- The support console finds a player's wallets by the player's id (walletsvc/ledger/lookup.py,
-- docs/console.md); a movement's reference is found through ledger_entries_reference (0002).
CREATE INDEX ledger_wallets_player ON ledger_wallets (player_id);
