"""The harness's ports: a dead service's port is never one a server can take."""
import socket

from bench.stack import HOST, PORT_RANGE, dead_port, free_port


def test_a_dead_port_is_outside_the_servers_range_and_refuses_connections():
    # A server picking the dead port made the database "reachable" through gunicorn, which
    # then never answered psycopg's start-up packet (a flaky 30-s timeout in CI).
    ports = {dead_port() for _ in range(50)}
    assert not ports & set(PORT_RANGE)
    with socket.socket() as sock:
        sock.settimeout(2)
        assert sock.connect_ex((HOST, ports.pop())) != 0


def test_free_port_stays_in_the_servers_range():
    assert free_port() in PORT_RANGE
