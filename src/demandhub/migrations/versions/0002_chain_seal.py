"""demandhub_seal: the commit-order writes in one round trip on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

See demandhub/chain.py. Links are sha256("{seq}:{prev_hash}:{content_hash}") in hex, the
same as chain.link_hash; content hashes are computed in Python before the call.
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEAL = r"""
CREATE FUNCTION demandhub_seal(audit jsonb, outbox jsonb, numbers jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
  last_hash text;
  link text;
  e jsonb;
  n bigint;
  value text;
  assigned jsonb := '[]'::jsonb;
BEGIN
  PERFORM pg_advisory_xact_lock(1145392456);  -- the chain lock (demandhub.chain.CHAIN_LOCK_KEY)
  IF jsonb_array_length(audit) > 0 THEN
    SELECT seq, hash INTO last_seq, last_hash FROM audit_entries ORDER BY seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
      last_seq := 0;
      last_hash := repeat('0', 64);
    END IF;
    FOR e IN SELECT x FROM jsonb_array_elements(audit) WITH ORDINALITY AS t(x, i) ORDER BY i LOOP
      last_seq := last_seq + 1;
      link := encode(sha256(convert_to(last_seq::text || ':' || last_hash || ':' || (e->>'content_hash'), 'UTF8')), 'hex');
      INSERT INTO audit_entries (seq, at, actor, action, entity_type, entity_id, details, prev_hash, hash)
      VALUES (last_seq, (e->>'at')::timestamptz, e->>'actor', e->>'action', e->>'entity_type', e->>'entity_id',
              (e->>'details')::json, last_hash, link);
      last_hash := link;
    END LOOP;
  END IF;
  INSERT INTO outbox_events (at, topic, kind, payload)
  SELECT (x->>'at')::timestamptz, x->>'topic', x->>'kind', (x->'payload')::json
  FROM jsonb_array_elements(outbox) WITH ORDINALITY AS t(x, i) ORDER BY i;
  FOR e IN SELECT x FROM jsonb_array_elements(numbers) WITH ORDINALITY AS t(x, i) ORDER BY i LOOP
    INSERT INTO reference_counters (day, last) VALUES (e->>'counter', 1)
    ON CONFLICT (day) DO UPDATE SET last = reference_counters.last + 1
    RETURNING last INTO n;
    value := (e->>'prefix') || lpad(n::text, greatest(4, length(n::text)), '0');
    EXECUTE format('UPDATE %I SET %I = $1 WHERE id = $2', e->>'table', e->>'column') USING value, (e->>'row_id')::bigint;
    assigned := assigned || to_jsonb(value);
  END LOOP;
  RETURN assigned;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SEAL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS demandhub_seal(jsonb, jsonb, jsonb)")
