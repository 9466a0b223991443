"""The walletsvc test suite."""

import pytest

# The shared checks in tests/support explain a failed assert as a test's own assert does.
pytest.register_assert_rewrite("tests.support")
