#!/usr/bin/python3
"""AMQP 0-9-1 readiness probe: log in and open a virtual host, as a client would.

    amqp-probe.py HOST PORT USER PASSWORD VHOST

Exit 0 once Connection.Open-Ok arrives; otherwise exit 1 with the reason on stderr.
Standard library only: it runs before anything else is installed.
"""
import socket
import struct
import sys


def shortstr(s: bytes) -> bytes:
    return struct.pack("B", len(s)) + s


def longstr(s: bytes) -> bytes:
    return struct.pack(">I", len(s)) + s


def method(class_id: int, method_id: int, args: bytes) -> bytes:
    payload = struct.pack(">HH", class_id, method_id) + args
    return struct.pack(">BHI", 1, 0, len(payload)) + payload + b"\xce"


def read_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the broker closed the connection")
        data += chunk
    return data


def read_method(sock: socket.socket) -> tuple[int, int, bytes]:
    """Next method frame on channel 0, skipping heartbeats."""
    while True:
        kind, _channel, size = struct.unpack(">BHI", read_exact(sock, 7))
        payload = read_exact(sock, size + 1)[:-1]
        if kind == 1:
            class_id, method_id = struct.unpack(">HH", payload[:4])
            if (class_id, method_id) == (10, 50):  # Connection.Close: the broker says why
                code = struct.unpack(">H", payload[4:6])[0]
                text = payload[7 : 7 + payload[6]].decode(errors="replace")
                raise ConnectionError(f"broker refused: {code} {text}")
            return class_id, method_id, payload[4:]


def expect(sock: socket.socket, class_id: int, method_id: int, name: str) -> bytes:
    got = read_method(sock)
    if got[:2] != (class_id, method_id):
        raise ConnectionError(f"expected {name}, got method {got[0]}.{got[1]}")
    return got[2]


def probe(host: str, port: int, user: str, password: str, vhost: str) -> None:
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"AMQP\x00\x00\x09\x01")
        expect(sock, 10, 10, "Connection.Start")
        # Ask for an explicit Connection.Close on a bad login instead of a silent hang-up.
        caps = shortstr(b"authentication_failure_close") + b"t\x01"
        props = shortstr(b"capabilities") + b"F" + longstr(caps)
        sock.sendall(method(10, 11, longstr(props) + shortstr(b"PLAIN")
                            + longstr(b"\x00" + user.encode() + b"\x00" + password.encode())
                            + shortstr(b"en_US")))
        channel_max, frame_max, heartbeat = struct.unpack(">HIH", expect(sock, 10, 30, "Connection.Tune")[:8])
        sock.sendall(method(10, 31, struct.pack(">HIH", channel_max, frame_max, 0)))
        sock.sendall(method(10, 40, shortstr(vhost.encode()) + shortstr(b"") + b"\x00"))
        expect(sock, 10, 41, "Connection.Open-Ok")
        sock.sendall(method(10, 50, struct.pack(">H", 200) + shortstr(b"probe done") + struct.pack(">HH", 0, 0)))
        expect(sock, 10, 51, "Connection.Close-Ok")


def main() -> int:
    if len(sys.argv) != 6:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    host, port, user, password, vhost = sys.argv[1:]
    try:
        probe(host, int(port), user, password, vhost)
    except (OSError, ConnectionError, struct.error) as e:
        print(f"amqp://{user}@{host}:{port}/{vhost}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
