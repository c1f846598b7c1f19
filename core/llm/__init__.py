"""Understanding free-form messages with an OpenAI-compatible model (optional).

:class:`core.llm.classifier.LlmClassifier` implements :class:`core.ports.Classifier`: one chat
completion per message, the answer validated and grounded, and the offline classifier as the
fallback whenever anything goes wrong.
"""
