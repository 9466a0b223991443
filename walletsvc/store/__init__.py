"""Redis storage: key layout, Lua scripts and the WalletStore."""

from walletsvc.store.client import RedisClient, connect
from walletsvc.store.wallet_store import WalletStore

__all__ = ["RedisClient", "WalletStore", "connect"]
