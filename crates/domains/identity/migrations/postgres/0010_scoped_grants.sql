-- Grants scoped to one object, PostgreSQL dialect. Keep in step with ../sqlite/0010_scoped_grants.sql.
-- A role held on one object only (a jury, an assessment campaign, a data-sharing agreement):
-- such a grant counts only for the slice actions that admit it on that object.
ALTER TABLE user_roles ADD COLUMN object_id UUID;
CREATE INDEX user_roles_object ON user_roles (object_id);
