"""The loopback servers of the check tests, shared with the frozen smoke suite."""

from tests.checks.conftest import http_server, test_ca, tls_servers

__all__ = ["http_server", "test_ca", "tls_servers"]
