"""Slack adapter: a Bolt ``AsyncApp`` that translates Slack payloads into the core's neutral
events and renders the core's replies as Block Kit.

``translate`` (payload -> events), ``blocks`` / ``modals`` / ``home`` (pure rendering),
``delivery`` (posting replies), ``listeners`` (the Bolt listeners), ``app`` (building it all),
``http`` (the ``/slack/events`` route) and ``socket_mode``.
"""
