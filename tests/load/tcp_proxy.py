"""A TCP forwarder on 127.0.0.1 that can cut every connection: a database "outage" on demand."""
import socket
import threading


class TcpProxy:
    """Forward 127.0.0.1:`port` to `upstream`; `cut()` drops all connections and refuses new ones."""

    def __init__(self, port, upstream):
        self.port = port
        self.upstream = upstream
        self._listener = None
        self._sockets = set()
        self._lock = threading.Lock()
        self._running = False

    def start(self):
        """Listen (again) on the same port."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.1)
        self._listener = listener
        self._running = True
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()
        return self

    def _accept_loop(self, listener):
        while self._running:
            try:
                client, _ = listener.accept()
            except (socket.timeout, OSError):
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self._sockets.update((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()
        listener.close()

    def _pump(self, source, target):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                self._drop(sock)

    def _drop(self, sock):
        with self._lock:
            self._sockets.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def cut(self):
        """Close the listener and every open connection, as a database that went away."""
        self._running = False
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._drop(sock)

    stop = cut
