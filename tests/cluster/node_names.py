"""The name each node gives (``SparkWeb-Node``, Openfire's node id). Only callers with a valid
token see it (attack S6-A5), so it is read from ``POST /renew``, which runs where it arrives
(never forwarded) and starts no session."""
import httpx

NODE_HEADER = "SparkWeb-Node"


def node_name(target, token):
    with httpx.Client(base_url=target.rest_url, timeout=30,
                      headers={"Authorization": token}) as client:
        response = client.post("/renew")
    assert response.status_code == 200, (response.status_code, response.text)
    return response.headers.get(NODE_HEADER)
