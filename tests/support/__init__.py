"""What the tests share, and no test.

- settings.py: the parent systems, keys and clock every test app is built with;
- gpas.py: the one signed GPAS client (``signed_headers``, ``GpasClient``), over Flask's
  test client or, through service.py's ``HttpClient``, over HTTP;
- calls.py: one well-formed call per GPAS endpoint, and the faults the error tests put in it;
- admin.py: the admin API client, and the funded wallets and open sessions it sets up;
- answers.py: what comes back: exact JSON, the GPAS error shape, refusals that change nothing;
- store.py: fakeredis as walletsvc needs it, every key on every node, snapshots, typed reads;
- service.py: walletsvc under gunicorn, and the HTTP client that speaks to it;
- traffic.py: generated GPAS traffic over days, and the report it should produce;
- writes.py: every call that writes, for the tests of a store that refuses writes.
"""
