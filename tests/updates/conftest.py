from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# The loopback Autotask tenant of the backend tests (Alice and Bob contacts, Tess technician).
from tests.backends.conftest import (  # noqa: E402
    _no_outside_settings,  # noqa: F401
    at,  # noqa: F401
    clock,  # noqa: F401
    fake,  # noqa: F401
    swagger_models,  # noqa: F401
)
