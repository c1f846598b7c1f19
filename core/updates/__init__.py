"""Ticket updates back in the chat: sources say a ticket was touched, the change detector reads
it and compares with what the person last saw, and the changes are delivered (once, coalesced)
to the conversation the ticket belongs to."""
