"""The sandbox answers only requests addressed to the loopback names (a DNS-rebinding guard)."""

from __future__ import annotations

import aiohttp
import pytest

from bot.sandbox.server import SandboxServer, host_name


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("127.0.0.1:8081", "127.0.0.1"),
        ("LOCALHOST", "localhost"),
        ("[::1]:80", "::1"),
        ("evil.example", "evil.example"),
    ],
)
def test_host_name_drops_the_port(header: str, name: str) -> None:
    assert host_name(header) == name


async def test_only_loopback_host_headers_are_answered() -> None:
    async with SandboxServer(initial_users=[]) as server, aiohttp.ClientSession() as http:

        async def status(method: str, path: str, host: str) -> int:
            async with http.request(method, f"{server.base_url}{path}", headers={"Host": host}) as response:
                return response.status

        port = server.port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}"):
            assert await status("GET", "/", host) == 200, host
            assert await status("POST", "/bot123:abc/getMe", host) == 200, host
        for host in (f"rebound.example:{port}", "attacker.test", f"127.0.0.1.nip.io:{port}", ""):
            assert await status("GET", "/", host) == 421, host
            assert await status("GET", "/sandbox/api/state", host) == 421, host
            assert await status("POST", "/bot123:abc/getMe", host) == 421, host
            assert await status("POST", "/sandbox/api/users", host) == 421, host
