"""The scratch PostgreSQL server of the SQL tests (harness/postgres.py): absent PostgreSQL is a
skip with the reason, or a failure where SPARKWEB_REQUIRE_POSTGRESQL demands it (CI); a server
that started leaves nothing behind."""
import os

import pytest

from harness import postgres


def test_no_postgresql_is_a_skip_with_the_reason_unless_required(monkeypatch):
    monkeypatch.setattr(postgres, "_binaries", lambda: None)
    monkeypatch.delenv(postgres.REQUIRE_SWITCH, raising=False)
    verdict, reason = postgres.problem()
    assert verdict == "skip" and "not installed" in reason, (verdict, reason)
    monkeypatch.setenv(postgres.REQUIRE_SWITCH, "1")
    verdict, reason = postgres.problem()
    assert verdict == "fail" and "not installed" in reason, (verdict, reason)


def test_a_started_server_answers_on_loopback_and_leaves_nothing_behind():
    if postgres.problem() is not None:
        pytest.skip(postgres.problem()[1])
    server = postgres.ScratchPostgres().start()
    directory = server.directory
    try:
        assert server.psql("SELECT 40 + 2").strip() == "42", "the server did not answer"
        assert server.psql("SHOW listen_addresses").strip() == "127.0.0.1", \
            "the server listens beyond loopback"
    finally:
        server.stop()
    assert not os.path.exists(directory), "the server's directory was left behind"
