"""Who may act on the operator's side, and the record of what each did (docs/operators.md).

``roles`` names the roles and which each kind of action needs; ``directory`` keeps operators
and their API tokens in PostgreSQL; ``administration`` holds the rules of changing them;
``guard`` makes every operator route declare its roles and audit action and enforces both;
``audit_log`` is the hash-chained, append-only record. The CLI's side is
walletsvc/commands/acting.py; people's sign-in is walletsvc/signin/.
"""
