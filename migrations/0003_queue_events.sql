-- The moderator console's live queue: every change that adds a message to the review queue,
-- takes one out of it, or claims or releases one, announces itself on the channel
-- 'gatehouse_queue'. A trigger, not the code paths that make the changes, so nothing that moves a
-- status (receipts, moderators, the deadline sweeper, DeletedPendingMessage, whatever comes next)
-- can forget to. NOTIFY is delivered at commit, to listeners on every replica; the WHEN clauses
-- keep the hook path's cost at one comparison for messages that are never held.
CREATE FUNCTION gatehouse_notify_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'claims' THEN
    IF TG_OP = 'DELETE' THEN
      PERFORM pg_notify('gatehouse_queue', json_build_object('kind', 'claim', 'id', OLD.message_id)::text);
    ELSE
      PERFORM pg_notify('gatehouse_queue', json_build_object('kind', 'claim', 'id', NEW.message_id)::text);
    END IF;
  ELSIF TG_OP = 'INSERT' THEN
    PERFORM pg_notify('gatehouse_queue', json_build_object('kind', 'held', 'id', NEW.id)::text);
  ELSE
    PERFORM pg_notify('gatehouse_queue', json_build_object('kind', 'left', 'id', NEW.id, 'status', NEW.status)::text);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER messages_held_notify AFTER INSERT ON messages
  FOR EACH ROW WHEN (NEW.status = 'held') EXECUTE FUNCTION gatehouse_notify_queue();
--> statement-breakpoint
CREATE TRIGGER messages_left_queue_notify AFTER UPDATE OF status ON messages
  FOR EACH ROW WHEN (OLD.status = 'held' AND NEW.status IS DISTINCT FROM 'held') EXECUTE FUNCTION gatehouse_notify_queue();
--> statement-breakpoint
CREATE TRIGGER claims_notify AFTER INSERT OR UPDATE OR DELETE ON claims
  FOR EACH ROW EXECUTE FUNCTION gatehouse_notify_queue();
