"""Testcontainers for Python: one membermock container for the test session.

    pip install testcontainers pytest requests
    MEMBERMOCK_IMAGE=membermock pytest -q examples/testcontainers/python

The fixture starts the image, waits for its `membermock ready` log line, saves the certificate
it serves and hands tests the two base URLs. Tests seed their own tenant (see docs/testing.md).
"""
import os

import pytest
import requests
from testcontainers.core.container import DockerContainer
from testcontainers.core.waiting_utils import wait_for_logs

IMAGE = os.environ.get("MEMBERMOCK_IMAGE", "membermock")


@pytest.fixture(scope="session")
def membermock(tmp_path_factory):
    container = DockerContainer(IMAGE).with_exposed_ports(8080, 8443)
    with container:
        wait_for_logs(container, "membermock ready", timeout=30)
        host = container.get_container_host_ip()
        http = f"http://{host}:{container.get_exposed_port(8080)}"
        https = f"https://{host}:{container.get_exposed_port(8443)}"
        pem = tmp_path_factory.mktemp("membermock") / "membermock.pem"
        pem.write_text(requests.get(f"{http}/_mock/tls/cert.pem", timeout=10).text)
        yield {"http": http, "https": https, "ca": str(pem)}


def test_health(membermock):
    health = requests.get(f"{membermock['http']}/_mock/health", timeout=10).json()
    assert health["status"] == "ok"


def test_smarteru_over_https_trusting_the_served_certificate(membermock):
    package = (
        "<SmarterU><AccountAPI>demo-account-key</AccountAPI><UserAPI>admin-user-key</UserAPI>"
        "<Method>getUserGroups</Method><Parameters><User><ID>106</ID></User></Parameters></SmarterU>"
    )
    answer = requests.post(
        f"{membermock['https']}/apiv2/",
        data={"Package": package},
        verify=membermock["ca"],
        timeout=10,
    )
    assert "<Result>Success</Result>" in answer.text
