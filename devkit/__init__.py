"""What development runs beside walletsvc: local servers (Redis, PostgreSQL, nginx and its
certificates) for ``make run``, the tests and the benchmark, and clients that speak to the app
as GPAS and an operator do. Never imported by the service (walletsvc/)."""
