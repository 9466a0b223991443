"""Four eyes on manual money: a person asks for a movement, another person approves it.

Every deposit, withdrawal or correction a person makes is a request (``requests``: the rows of
``money_requests``), which waits for a second operator (``rules``: who may approve what) and is
applied, when approved, through the same idempotent store script as the cashier's movements,
under a reference derived from the request (``desk``). The request's states:

    pending -> approved | rejected | failed | expired

``failed``: the store refused the movement when it was approved (insufficient funds, a limit),
and nothing moved. ``expired``: nobody decided before WALLETSVC_MONEY_REQUEST_HOURS passed.
Routes: walletsvc/api/approvals.py; documentation: docs/money-requests.md.
"""
