"""Microsoft Teams through the Bot Framework SDK (botbuilder): ``POST /api/messages``, Adaptive
Cards and the Teams app package.

Everything botbuilder-specific lives in this package (the SDK is archived; a move to the
Microsoft 365 Agents SDK should touch only this folder)."""
