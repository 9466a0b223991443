-- The people and machines who use the operator's side (walletsvc/access, docs/operators.md):
-- their roles, their API tokens, their requests to move money, and the audit log of what each
-- did. They live beside the ledger so that GPAS never touches them: no GPAS route reads
-- PostgreSQL.

CREATE TABLE operators (
    id            text PRIMARY KEY,
    name          text NOT NULL UNIQUE,              -- how they sign in and are shown
    email         text,
    kind          text NOT NULL CHECK (kind IN ('person', 'service')),
    roles         text[] NOT NULL DEFAULT '{}',
    password_hash text,                               -- argon2id, local accounts only
    totp_secret   text,                               -- base32; mandatory with a password
    oidc_subject  text UNIQUE,                        -- "issuer|sub" from the identity provider
    totp_last_step bigint,                            -- the TOTP time step last used: no replay
    session_generation integer NOT NULL DEFAULT 0,    -- signing out adds one: older sessions end
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text,
    disabled_at   timestamptz
);

CREATE TABLE operator_tokens (
    id           text PRIMARY KEY,
    operator_id  text NOT NULL REFERENCES operators (id),
    name         text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,               -- SHA-256 of the secret, never the secret
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz
);

-- A manual movement of money waits here for a second person (walletsvc/approvals): made by
-- one operator, approved (and then applied to the store under ``reference``) or rejected by
-- another, or closed unapproved once ``expires_at`` passes. ``seq`` orders the requests as they
-- were made (newest first in listings) and is the listing's page cursor.
CREATE TABLE money_requests (
    id          text PRIMARY KEY,
    seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('deposit', 'withdrawal', 'correction')),
    wallet_id   text NOT NULL,
    sub_wallet  text NOT NULL CHECK (sub_wallet IN ('real', 'bonus')),
    amount      bigint NOT NULL CHECK (amount <> 0),  -- minor units; a correction may be < 0
    currency    text NOT NULL,
    reason_code text NOT NULL,
    note        text NOT NULL,
    ticket      text NOT NULL,
    maker       text NOT NULL REFERENCES operators (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    state       text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'approved', 'rejected', 'expired', 'failed')),
    checker     text REFERENCES operators (id),
    decided_at  timestamptz,
    decision    text,                                 -- the checker's words, or the failure
    reference   text NOT NULL UNIQUE,                 -- the movement's reference in the store
    movement_id text,                                 -- the store's movement, once approved
    CHECK (checker IS NULL OR checker <> maker)       -- four eyes, whatever the code does
);
CREATE INDEX money_requests_pending ON money_requests (created_at) WHERE state = 'pending';
CREATE INDEX money_requests_wallet ON money_requests (wallet_id, seq);

-- Every operator action and every view of a player's data, hash-chained: each entry's hash
-- covers its fields and the hash before it (walletsvc/access/audit_log.py), so `walletsvc
-- audit verify` finds an entry changed, inserted or removed. Nothing updates or deletes it.
CREATE TABLE operator_audit (
    seq         bigint PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,                        -- the operator's id ('' when unknown)
    actor_name  text NOT NULL,
    roles       text[] NOT NULL,
    address     text NOT NULL,
    request_id  text NOT NULL,
    action      text NOT NULL,
    target      text NOT NULL,
    outcome     integer NOT NULL,                     -- the HTTP status answered (0: command)
    reason      text NOT NULL,
    before      jsonb,
    after       jsonb,
    prev_hash   text NOT NULL,
    hash        text NOT NULL
);
CREATE INDEX operator_audit_at ON operator_audit (at);
CREATE INDEX operator_audit_target ON operator_audit (target, seq);
CREATE INDEX operator_audit_actor ON operator_audit (actor, seq);

CREATE FUNCTION operator_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'operator_audit is append-only';
END $$;
CREATE TRIGGER operator_audit_append_only BEFORE UPDATE OR DELETE ON operator_audit
    FOR EACH ROW EXECUTE FUNCTION operator_audit_append_only();
CREATE TRIGGER operator_audit_no_truncate BEFORE TRUNCATE ON operator_audit
    FOR EACH STATEMENT EXECUTE FUNCTION operator_audit_append_only();
