"""Signed, time-limited tokens for e-mail links; no table needed, nothing to clean up."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer

CONFIRM_MAX_AGE = 7 * 24 * 3600
RESET_MAX_AGE = 2 * 3600


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"parvis-{purpose}")


def make_token(secret: str, purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(secret, purpose).dumps(payload)


def read_token(secret: str, purpose: str, token: str, max_age: int) -> dict[str, Any] | None:
    try:
        data = _serializer(secret, purpose).loads(token, max_age=max_age)
    except BadData:
        return None
    return data if isinstance(data, dict) else None
