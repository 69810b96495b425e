-- migrate:up
CREATE TABLE authors (
	id SERIAL NOT NULL,
	name VARCHAR(80) NOT NULL,
	bio TEXT,
	PRIMARY KEY (id)
);
CREATE TABLE posts (
	id SERIAL NOT NULL,
	author_id INTEGER NOT NULL,
	title VARCHAR(200) NOT NULL,
	body TEXT,
	PRIMARY KEY (id),
	FOREIGN KEY(author_id) REFERENCES authors (id)
);

-- migrate:down
DROP TABLE posts;
DROP TABLE authors;
