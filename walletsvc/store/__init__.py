"""Redis storage: key layout, Lua scripts, the WalletStore that writes and the AuditTrail."""

from walletsvc.store.audit_trail import AuditTrail
from walletsvc.store.client import RedisClient, connect
from walletsvc.store.wallet_store import WalletStore

__all__ = ["AuditTrail", "RedisClient", "WalletStore", "connect"]
