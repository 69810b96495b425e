-- migrate:up
CREATE TYPE post_status AS ENUM ('draft', 'published');
CREATE TABLE tags (
	id SERIAL NOT NULL,
	label VARCHAR(40) NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (label)
);
CREATE TABLE post_tags (
	post_id INTEGER NOT NULL,
	tag_id INTEGER NOT NULL,
	PRIMARY KEY (post_id, tag_id),
	FOREIGN KEY(post_id) REFERENCES posts (id) ON DELETE CASCADE,
	FOREIGN KEY(tag_id) REFERENCES tags (id) ON DELETE CASCADE
);
-- gino-edge: review: column posts.body is read as renamed to content (same type; if it is not a rename, replace this with a drop and an add)
ALTER TABLE posts RENAME COLUMN body TO content;
ALTER TABLE posts ADD COLUMN status post_status DEFAULT 'draft' NOT NULL;
-- gino-edge: destructive: column authors.bio is in the database, not in the model (its values would be lost)
ALTER TABLE authors DROP COLUMN bio;

-- migrate:down
ALTER TABLE authors ADD COLUMN bio text;
ALTER TABLE posts DROP COLUMN status;
ALTER TABLE posts RENAME COLUMN content TO body;
DROP TABLE post_tags;
DROP TABLE tags;
DROP TYPE post_status;
