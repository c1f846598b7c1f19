"""Updates in the chat on the platforms: senders, the background job and the webhook route."""
