"""Domain records turned into the answers the API and the CLI write, one module per audience:
GPAS (``gpas``), the operator (``operator``), the ledger's reports (``ledger``). Each takes the
currency scales it needs as an argument: amounts leave as exact decimals, never floats."""
