"""Smoke cases: the simplest flows, to check the recorder and replay plumbing."""

from __future__ import annotations

from .builder import Case, FlowBuilder, prop


def cases() -> list[Case]:
    out: list[Case] = []
    f = FlowBuilder()
    f.inject("inj", ["dbg"], prop("payload", "hello", "str"), prop("topic", "greeting", "str"))
    f.debug("dbg")
    out.append(f.case("smoke_inject_debug", "inject a string, debug the whole message", ["inj"]))
    return out
