#!/usr/bin/env python3
"""Loads N typical users into a SCIM server through /Bulk and writes the ids
and userNames it created, one per line, for the wrk scripts to pick from.

    load_users.py BASE_URL N OUT_DIR [TOKEN]

Users look like what Okta provisions: userName, name, emails, displayName,
locale, externalId, active. Stdlib only.
"""
import http.client
import json
import sys
import time
import urllib.parse

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def user(i):
    return {
        "schemas": [USER],
        "userName": f"user{i:06d}@example.com",
        "externalId": f"00u{i:08x}",
        "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
        "displayName": f"Given{i} Family{i}",
        "emails": [{"value": f"user{i:06d}@example.com", "type": "work", "primary": True}],
        "locale": "en-US",
        "active": True,
    }


def main():
    base, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    token = sys.argv[4] if len(sys.argv) > 4 else None
    url = urllib.parse.urlsplit(base)
    headers = {"Content-Type": "application/scim+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    batch = 500
    ids, names = [], []
    started = time.monotonic()
    for start in range(0, n, batch):
        ops = [
            {"method": "POST", "path": "/Users", "bulkId": str(i), "data": user(i)}
            for i in range(start, min(start + batch, n))
        ]
        # A fresh connection per batch: some servers speak HTTP/1.0 only.
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
        conn.request("POST", url.path + "/Bulk", json.dumps({"schemas": [BULK], "Operations": ops}), headers)
        resp = conn.getresponse()
        body = json.loads(resp.read())
        conn.close()
        if resp.status != 200:
            sys.exit(f"Bulk answered {resp.status}: {body}")
        for op in body["Operations"]:
            if op["status"] != "201":
                sys.exit(f"Bulk operation failed: {op}")
            i = int(op["bulkId"])
            ids.append(op["location"].rstrip("/").rsplit("/", 1)[1])
            names.append(user(i)["userName"])
    elapsed = time.monotonic() - started
    with open(f"{out}/ids.txt", "w") as f:
        f.write("\n".join(ids) + "\n")
    with open(f"{out}/names.txt", "w") as f:
        f.write("\n".join(names) + "\n")
    print(f"{n} users in {elapsed:.1f}s ({n / elapsed:.0f}/s)")


if __name__ == "__main__":
    main()
