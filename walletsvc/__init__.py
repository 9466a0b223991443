"""walletsvc: the operator wallet (OAS) that the GPAS aggregator calls."""

from walletsvc.app import create_app

__all__ = ["create_app"]
