"""Requests and answers of signing in (walletsvc/api/signin.py, docs/signin.md)."""

from __future__ import annotations

from marshmallow import Schema, fields

from walletsvc.schemas.fields import text


class LocalSignInRequestSchema(Schema):
    """Body of ``POST /admin/signin/local``: the name, the password and the authenticator's
    current code."""

    name = text(100)
    password = text(1024)
    totp = text(16)


class SignedInSchema(Schema):
    """The signed-in session: who, with which roles, until when, and the CSRF token every
    change made with the session's cookie sends as ``X-CSRF-Token``."""

    operatorId = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    roles = fields.List(fields.String(), dump_only=True)
    via = fields.String(dump_only=True, metadata={"description": "oidc or local"})
    signedInAt = fields.String(dump_only=True)
    idleUntil = fields.String(dump_only=True)
    expiresAt = fields.String(dump_only=True)
    csrfToken = fields.String(dump_only=True)
