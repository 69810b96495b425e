-- migrate:up
ALTER TABLE authors ADD COLUMN email VARCHAR(200);
ALTER TABLE posts ADD COLUMN published_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE authors ADD UNIQUE (email);
CREATE INDEX ix_posts_published_at ON posts (published_at);

-- migrate:down
DROP INDEX ix_posts_published_at;
ALTER TABLE authors DROP CONSTRAINT authors_email_key;
ALTER TABLE posts DROP COLUMN published_at;
ALTER TABLE authors DROP COLUMN email;
