"""Trust recipe for Python `requests`: verify the mock's certificate with the PEM it serves.

    python3 requests_client.py BASE_URL CERT_PEM [ADDRESS]

POSTs a SmarterU getUserGroups package to BASE_URL/apiv2/ with verify=CERT_PEM and prints the
answer; exits non-zero unless it is a Success. With ADDRESS, BASE_URL's host name is resolved to
that address inside this process only (a test's stand-in for a DNS or hosts entry), so the TLS
check still runs against the name in the URL.
"""
import socket
import sys
from urllib.parse import urlsplit

import requests

base, pem = sys.argv[1], sys.argv[2]
if len(sys.argv) > 3:
    name, address = urlsplit(base).hostname, sys.argv[3]
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        return real_getaddrinfo(address if host == name else host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo

package = (
    "<SmarterU><AccountAPI>demo-account-key</AccountAPI><UserAPI>admin-user-key</UserAPI>"
    "<Method>getUserGroups</Method><Parameters><User><ID>106</ID></User></Parameters></SmarterU>"
)
answer = requests.post(f"{base}/apiv2/", data={"Package": package}, verify=pem, timeout=10)
print(answer.text)
sys.exit(0 if "<Result>Success</Result>" in answer.text else 1)
