"""Python side of ``scripts/services.sh``: start, stop and query the real services.

Each function runs the script and parses the ``NAME=HOST:PORT`` lines it prints.
``state_dir`` selects a private set of services (its own ports and data), e.g. a
broker that one test stops and restarts without disturbing the shared one.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from flowengine.demo.brokers import Endpoint, services_endpoints

__all__ = [
    "REPO",
    "SCRIPT",
    "Endpoint",
    "ServiceError",
    "service_down",
    "service_status",
    "service_up",
]

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "services.sh"

#: First start: apt-get install mosquitto / Maven resolves Kafka's jars; then readiness.
UP_TIMEOUT = 900.0
DOWN_TIMEOUT = 120.0


class ServiceError(RuntimeError):
    """``scripts/services.sh`` failed; the message carries its output."""


def _run(
    action: str, service: str, state_dir: Path | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if state_dir is not None:
        env["FLOWENGINE_SERVICES_DIR"] = str(state_dir)
    return subprocess.run(
        ["bash", str(SCRIPT), action, service],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def service_up(service: str, state_dir: Path | None = None) -> Endpoint:
    """Start ``service`` (``mosquitto`` or ``kafka``) if needed; return its endpoint."""
    result = _run("up", service, state_dir, UP_TIMEOUT)
    found = services_endpoints(result.stdout)
    if result.returncode != 0 or service not in found:
        raise ServiceError(
            f"services.sh up {service} failed (exit {result.returncode}):\n"
            f"{result.stdout}\n{result.stderr[-4000:]}"
        )
    return found[service]


def service_down(service: str, state_dir: Path | None = None) -> None:
    """Stop ``service``; nothing of it keeps running."""
    result = _run("down", service, state_dir, DOWN_TIMEOUT)
    if result.returncode != 0:
        raise ServiceError(
            f"services.sh down {service} failed (exit {result.returncode}):\n{result.stderr}"
        )


def service_status(service: str, state_dir: Path | None = None) -> Endpoint | None:
    """The endpoint of ``service`` when it runs, else None."""
    result = _run("status", service, state_dir, 60)
    if result.returncode != 0:
        return None
    return services_endpoints(result.stdout).get(service)
