"""Provisions the local stack's Keystone for BlockStore; safe to run again.

    keystone-provision.py <keystone v3 url> <api url>

Passwords come from the environment: KEYSTONE_PASSWORD (the bootstrap admin, and the users demo and reader) and
KEYSTONE_SERVICE_PASSWORD (BlockStore's service user). Makes:
  - the role `service`; the projects `demo` and `service`;
  - the users `demo` (member of demo), `reader` (reader of demo) and `blockstore` (service in service, which lets it
    validate tokens);
  - the catalog: BlockStore's volume API as `block-storage` and `volumev3` (<api url>/v3/%(project_id)s) and its image
    registry as `image` (<api url>/v2: / is the volume API's version document), public, in RegionOne.
Uses only the standard library, so that it runs with Debian's python3 as the stack's other helpers do.
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

KEYSTONE, API = sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/")
PASSWORD, SERVICE_PASSWORD = os.environ["KEYSTONE_PASSWORD"], os.environ["KEYSTONE_SERVICE_PASSWORD"]
DOMAIN = "default"
REGION = "RegionOne"


def call(method, path, body=None, token=None):
    request = urllib.request.Request(KEYSTONE + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("X-Auth-Token", token)
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return response.headers, (json.loads(text) if text else None)


def login():
    body = {"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"name": "admin", "domain": {"id": DOMAIN}, "password": PASSWORD}}},
        "scope": {"project": {"name": "admin", "domain": {"id": DOMAIN}}}}}
    headers, _ = call("POST", "/auth/tokens", body)
    return headers["X-Subject-Token"]


def find(token, collection, **filters):
    _, listed = call("GET", f"/{collection}?" + urllib.parse.urlencode(filters), token=token)
    return listed[collection]


def ensure(token, collection, kind, filters, body):
    found = find(token, collection, **filters)
    if found:
        return found[0]["id"]
    _, made = call("POST", f"/{collection}", {kind: body}, token)
    return made[kind]["id"]


def main():
    token = login()
    roles = {name: ensure(token, "roles", "role", {"name": name}, {"name": name}) for name in ("member", "reader", "service")}
    projects = {name: ensure(token, "projects", "project", {"name": name, "domain_id": DOMAIN},
                             {"name": name, "domain_id": DOMAIN}) for name in ("demo", "service")}
    for user, password, project, role in (("demo", PASSWORD, "demo", "member"), ("reader", PASSWORD, "demo", "reader"),
                                          ("blockstore", SERVICE_PASSWORD, "service", "service")):
        user_id = ensure(token, "users", "user", {"name": user, "domain_id": DOMAIN},
                         {"name": user, "domain_id": DOMAIN, "password": password, "default_project_id": projects[project]})
        call("PUT", f"/projects/{projects[project]}/users/{user_id}/roles/{roles[role]}", token=token)
    for kind, name, url in (("block-storage", "blockstore", f"{API}/v3/%(project_id)s"),
                            ("volumev3", "blockstore-volumev3", f"{API}/v3/%(project_id)s"),
                            ("image", "blockstore-images", f"{API}/v2")):
        service = ensure(token, "services", "service", {"type": kind}, {"type": kind, "name": name, "enabled": True})
        endpoints = find(token, "endpoints", service_id=service, interface="public")
        if endpoints and endpoints[0]["url"] != url:  # the API moved to another port: point the catalog at it
            call("PATCH", f"/endpoints/{endpoints[0]['id']}", {"endpoint": {"url": url}}, token)
        elif not endpoints:
            call("POST", "/endpoints", {"endpoint": {"service_id": service, "interface": "public", "url": url,
                                                     "region_id": REGION}}, token)


if __name__ == "__main__":
    try:
        main()
    except urllib.error.HTTPError as e:
        sys.exit(f"keystone-provision: {e.method if hasattr(e, 'method') else ''} {e.url}: {e.code} {e.read().decode(errors='replace')}")
