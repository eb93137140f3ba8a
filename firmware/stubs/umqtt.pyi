# UIFlow 2's umqtt (MicroPython): the subset the IoTKit program uses. Subscriptions take a
# handler that receives (topic, message); check_msg() runs handlers for what has arrived.
from collections.abc import Callable
from typing import Any

class MQTTException(Exception): ...

class MQTTClient:
    def __init__(
        self,
        client_id: str,
        server: str,
        port: int = 0,
        user: str | None = None,
        password: str | None = None,
        keepalive: int = 0,
        ssl: bool = False,
        ssl_params: dict[str, Any] = ...,
    ) -> None: ...
    def connect(self, clean_session: bool = True) -> bool: ...
    def disconnect(self) -> None: ...
    def ping(self) -> None: ...
    def publish(
        self, topic: str | bytes, msg: str | bytes, retain: bool = False, qos: int = 0
    ) -> None: ...
    def subscribe(
        self, topic: str | bytes, handler: Callable[[tuple[bytes, bytes]], None], qos: int = 0
    ) -> None: ...
    def check_msg(self) -> None: ...
    def wait_msg(self) -> None: ...
