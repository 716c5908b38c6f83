#!/usr/bin/env python3
"""Browse mDNS for a service type with python-zeroconf (a client nobody on this project wrote) and
print each instance found as one JSON line: {"name", "port", "addresses"}. Stops once an instance
whose name contains NEEDLE is found, or after SECONDS.

usage: mdns_browse.py TYPE NEEDLE SECONDS      e.g. mdns_browse.py _oscjson._tcp.local. quai 10
"""
import json
import socket
import sys
import time

from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

kind, needle, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
found = []


class Listener(ServiceListener):
    def add_service(self, zc, type_, name):
        info = zc.get_service_info(type_, name, timeout=3000)
        if info is None:
            return
        addresses = [socket.inet_ntop(socket.AF_INET6 if len(a) == 16 else socket.AF_INET, a) for a in info.addresses]
        print(json.dumps({"name": name, "port": info.port, "addresses": addresses}), flush=True)
        if needle in name:
            found.append(name)

    def update_service(self, zc, type_, name):
        pass

    def remove_service(self, zc, type_, name):
        pass


zc = Zeroconf()
ServiceBrowser(zc, kind, Listener())
end = time.time() + seconds
while not found and time.time() < end:
    time.sleep(0.1)
zc.close()
sys.exit(0 if found else 1)
