"""A dogdriver load test: the same scenario runs against any deployment of the service.

dogdriver sets DOGDRIVER_ENDPOINT (the service's endpoint from dogdriver.config.json), DOGDRIVER_SERVICE,
DOGDRIVER_ENV and DOGDRIVER_VERSION; molotov.json's "env" adds DOGDRIVER_PATH here.
"""
import os

import molotov

ENDPOINT = os.environ.get("DOGDRIVER_ENDPOINT", "http://127.0.0.1:8080").rstrip("/")
PATH = os.environ.get("DOGDRIVER_PATH", "/")


@molotov.scenario(weight=100)
async def get_root(session):
    async with session.get(ENDPOINT + PATH) as resp:
        assert resp.status < 500, resp.status
