-- The schema of ticketbot 0.1 (before migrations) on postgresql, as create_all made it.
CREATE TABLE audit_log (
	id SERIAL NOT NULL, 
	at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	action VARCHAR(64) NOT NULL, 
	outcome TEXT NOT NULL, 
	platform VARCHAR(32) NOT NULL, 
	user_id VARCHAR(255) NOT NULL, 
	user_email VARCHAR(320), 
	conversation VARCHAR(1024) NOT NULL, 
	ticket VARCHAR(64), 
	request_id VARCHAR(64), 
	detail TEXT NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_audit_log_action ON audit_log (action);

CREATE INDEX ix_audit_log_at ON audit_log (at);

CREATE INDEX ix_audit_log_user_at ON audit_log (user_id, at);

CREATE INDEX ix_audit_log_user_email ON audit_log (user_email);

CREATE TABLE conversations (
	id SERIAL NOT NULL, 
	platform VARCHAR(32) NOT NULL, 
	tenant_id VARCHAR(255) NOT NULL, 
	channel_id VARCHAR(255) NOT NULL, 
	thread_id VARCHAR(255) NOT NULL, 
	delivery_ref TEXT, 
	pending_action TEXT, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_conversation UNIQUE (platform, tenant_id, channel_id, thread_id)
);

CREATE TABLE local_tickets (
	id INTEGER NOT NULL, 
	number VARCHAR(20) NOT NULL, 
	title VARCHAR(255) NOT NULL, 
	description TEXT NOT NULL, 
	status VARCHAR(32) NOT NULL, 
	priority VARCHAR(16) NOT NULL, 
	requester_email VARCHAR(320) NOT NULL, 
	requester_name VARCHAR(255) NOT NULL, 
	assignee VARCHAR(255), 
	queue VARCHAR(64) NOT NULL, 
	idempotency_key VARCHAR(64), 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	last_activity_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (number), 
	UNIQUE (idempotency_key)
);

CREATE INDEX ix_local_tickets_requester_email ON local_tickets (requester_email);

CREATE INDEX ix_local_tickets_status ON local_tickets (status);

CREATE TABLE processed_events (
	event_id VARCHAR(255) NOT NULL, 
	processed_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (event_id)
);

CREATE INDEX ix_processed_events_processed_at ON processed_events (processed_at);

CREATE TABLE rate_buckets (
	key VARCHAR(255) NOT NULL, 
	tokens DOUBLE PRECISION NOT NULL, 
	updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (key)
);

CREATE TABLE local_ticket_notes (
	id SERIAL NOT NULL, 
	ticket_id INTEGER NOT NULL, 
	author VARCHAR(255) NOT NULL, 
	text TEXT NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(ticket_id) REFERENCES local_tickets (id) ON DELETE CASCADE
);

CREATE INDEX ix_local_ticket_notes_ticket_id ON local_ticket_notes (ticket_id);

CREATE TABLE turns (
	id SERIAL NOT NULL, 
	conversation_id INTEGER NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	text TEXT NOT NULL, 
	intent VARCHAR(32), 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	llm_calls INTEGER NOT NULL, 
	prompt_tokens INTEGER NOT NULL, 
	completion_tokens INTEGER NOT NULL, 
	llm_latency_ms DOUBLE PRECISION NOT NULL, 
	llm_model VARCHAR(128), 
	llm_outcome VARCHAR(64), 
	PRIMARY KEY (id), 
	FOREIGN KEY(conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
);

CREATE INDEX ix_turns_conversation_id_id ON turns (conversation_id, id);

CREATE INDEX ix_turns_created_at ON turns (created_at);
