-- What the support console looks up, each through an index rather than a scan of the table.

-- An operator's tokens, newest first (the console's token pages, GET
-- /admin/operators/<id>/tokens and /admin/me/tokens).
CREATE INDEX operator_tokens_operator ON operator_tokens (operator_id, created_at);

-- An operator's movement (a deposit or withdrawal: no parent system) by its reference alone,
-- whatever its wallet (the console's search, walletsvc/ledger/lookup.py). The index that
-- `ledger verify` groups adjustments with (ledger_entries_adjustment, 0002) leads with the
-- wallet; this one's condition is one verify's queries never imply, so their plans stay as
-- they are. A GPAS reference is found through ledger_entries_reference (0002).
CREATE INDEX ledger_entries_operator_reference ON ledger_entries (reference)
    WHERE parent_system IS NULL;
