#!/usr/bin/env python3
"""Prints every Art-Net and sACN (E1.31) packet seen, one JSON line each, for the LED facade tests.

A receiver-side decoder nobody on the quai project wrote: sACN data and sync packets are decoded by
the PyPI `sacn` library (1.11: `DataPacket.make_data_packet`, `SyncPacket.make_sync_packet`);
Art-Net has no decoding library worth the name (`stupidArtnet` 1.6 only checks the ArtDmx header,
`StupidArtnetServer.validate_header`, which is used here), so ArtDmx / ArtSync fields are read
straight from the Art-Net 4 layout below.

Modes (--mode):
  sniff  an AF_PACKET socket (needs root or CAP_NET_RAW) sees the packets without taking the UDP
         port, so it runs next to an olad that holds 6454/5568. Default when root.
  bind   binds UDP 6454 / 5568 with SO_REUSEADDR. Linux gives a unicast datagram to ONE of the
         sockets sharing a port, so never run this next to olad (it would steal olad's packets).
  auto   sniff when root, else bind (default).

Output, one line per packet, flushed:
  {"ready": true, "mode": "sniff", "protocols": ["artnet", "sacn"]}            (first line, once listening)
  {"proto": "sacn", "kind": "data", "t": 12.3, "src": "127.0.0.1:40997", "dst": "127.0.0.1:5568",
   "universe": 1, "sequence": 0, "priority": 100, "source_name": "quai", "cid": "…", "sync_address": 0,
   "preview": false, "terminated": false, "force_sync": false, "start_code": 0, "slots": 512,
   "channels": [first N values]}
  {"proto": "sacn", "kind": "sync", …, "sequence": 3, "sync_address": 7, "cid": "…"}
  {"proto": "sacn", "kind": "discovery" | "other", …, "vector": [...]}
  {"proto": "artnet", "kind": "dmx", …, "universe": 1 (15-bit port-address), "net": 0, "subnet": 0,
   "sub_uni": 1, "sequence": 0, "physical": 0, "protver": 14, "length": 512, "channels": [...]}
  {"proto": "artnet", "kind": "sync", …, "protver": 14}
  {"proto": "artnet", "kind": "op_0x2000", …}                                  (other opcodes)
  {"proto": ..., "kind": "invalid", "error": "…", "len": 12}                   (undecodable)
"t" is seconds since the capture started. Exits after --seconds (0: until killed) or --count.
"""

import argparse
import json
import os
import select
import socket
import struct
import sys
import time

ARTNET_PORT = 6454
SACN_PORT = 5568
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
ARPHRD_ETHER, ARPHRD_LOOPBACK = 1, 772


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def decode_sacn(payload, nch):
    from sacn.messages.data_packet import DataPacket
    from sacn.messages.sync_packet import SyncPacket

    raw = list(payload)
    root_vector = tuple(raw[18:22])
    if root_vector == (0, 0, 0, 4):  # VECTOR_ROOT_E131_DATA
        try:
            p = DataPacket.make_data_packet(raw)
        except (TypeError, ValueError) as e:
            return {"kind": "invalid", "error": f"sacn: {e}", "len": len(raw)}
        # the library pads dmxData to 512: the slot count comes from the DMP property value count
        slots = (raw[123] << 8 | raw[124]) - 1 if len(raw) >= 125 else None
        return {
            "kind": "data",
            "universe": p.universe,
            "sequence": p.sequence,
            "priority": p.priority,
            "source_name": p.sourceName,
            "cid": bytes(raw[22:38]).hex(),
            "sync_address": p.syncAddr,
            "preview": p.option_PreviewData,
            "terminated": p.option_StreamTerminated,
            "force_sync": p.option_ForceSync,
            "start_code": p.dmxStartCode,
            "slots": slots,
            "channels": list(p.dmxData[:nch]),
        }
    if root_vector == (0, 0, 0, 8):  # VECTOR_ROOT_E131_EXTENDED: sync (1) or discovery (2)
        framing_vector = tuple(raw[40:44])
        if framing_vector == (0, 0, 0, 1):
            try:
                p = SyncPacket.make_sync_packet(raw)
            except (TypeError, ValueError) as e:
                return {"kind": "invalid", "error": f"sacn sync: {e}", "len": len(raw)}
            return {"kind": "sync", "sequence": p.sequence, "sync_address": p.syncAddr,
                    "cid": bytes(raw[22:38]).hex()}
        if framing_vector == (0, 0, 0, 2):
            return {"kind": "discovery", "cid": bytes(raw[22:38]).hex(), "vector": list(framing_vector)}
        return {"kind": "other", "vector": list(framing_vector), "len": len(raw)}
    return {"kind": "invalid", "error": "not an E1.31 root layer", "len": len(raw)}


def decode_artnet(payload, nch):
    if len(payload) < 10 or payload[:8] != b"Art-Net\x00":
        return {"kind": "invalid", "error": "no Art-Net ID", "len": len(payload)}
    opcode = struct.unpack_from("<H", payload, 8)[0]
    if opcode == 0x5000:
        from stupidArtnet.StupidArtnetServer import StupidArtnetServer

        if len(payload) < 18:
            return {"kind": "invalid", "error": "short ArtDmx", "len": len(payload)}
        protver = struct.unpack_from(">H", payload, 10)[0]
        seq, phys, sub_uni, net = payload[12], payload[13], payload[14], payload[15]
        length = struct.unpack_from(">H", payload, 16)[0]
        data = payload[18:18 + length]
        return {
            "kind": "dmx",
            # stupidArtnet's check: ID, OpDmx and protocol version 14 (0x000e)
            "header_ok": StupidArtnetServer.validate_header(payload),
            "protver": protver,
            "sequence": seq,
            "physical": phys,
            "universe": ((net & 0x7F) << 8) | sub_uni,
            "net": net & 0x7F,
            "subnet": sub_uni >> 4,
            "sub_uni": sub_uni,
            "length": length,
            "data_len": len(data),
            "channels": list(data[:nch]),
        }
    if opcode == 0x5200:
        protver = struct.unpack_from(">H", payload, 10)[0] if len(payload) >= 12 else None
        return {"kind": "sync", "protver": protver, "len": len(payload)}
    return {"kind": f"op_0x{opcode:04x}", "len": len(payload)}


def decode(port, payload, nch):
    if port == SACN_PORT:
        return dict(proto="sacn", **decode_sacn(payload, nch))
    return dict(proto="artnet", **decode_artnet(payload, nch))


def parse_frame(frame, hatype):
    """Returns (src_ip, sport, dst_ip, dport, udp_payload) for an IPv4 UDP frame, else None."""
    if hatype in (ARPHRD_ETHER, ARPHRD_LOOPBACK):
        off, ethertype = 14, struct.unpack_from(">H", frame, 12)[0] if len(frame) >= 14 else 0
        while ethertype in (0x8100, 0x88A8) and len(frame) >= off + 4:
            ethertype = struct.unpack_from(">H", frame, off + 2)[0]
            off += 4
        if ethertype != 0x0800:
            return None
    else:  # ARPHRD_NONE (tun) and friends: raw IP
        off = 0
    if len(frame) < off + 20 or frame[off] >> 4 != 4 or frame[off + 9] != 17:
        return None
    ihl = (frame[off] & 0x0F) * 4
    frag = struct.unpack_from(">H", frame, off + 6)[0]
    if frag & 0x1FFF:  # a later fragment: no UDP header here
        return None
    src, dst = socket.inet_ntoa(frame[off + 12:off + 16]), socket.inet_ntoa(frame[off + 16:off + 20])
    u = off + ihl
    if len(frame) < u + 8:
        return None
    sport, dport, ulen = struct.unpack_from(">HHH", frame, u)
    return src, sport, dst, dport, frame[u + 8:u + max(ulen, 8)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proto", choices=["sacn", "artnet", "both"], default="both")
    ap.add_argument("--mode", choices=["auto", "sniff", "bind"], default="auto")
    ap.add_argument("--iface", default="", help="sniff only on this interface (default: all)")
    ap.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until killed)")
    ap.add_argument("--count", type=int, default=0, help="stop after this many packets (0: no limit)")
    ap.add_argument("--channels", type=int, default=8, help="channel values printed per packet")
    ap.add_argument("--universe", type=int, action="append",
                    help="print only packets of this universe / port-address (repeatable; sync packets always)")
    args = ap.parse_args()

    ports = {"sacn": [SACN_PORT], "artnet": [ARTNET_PORT], "both": [ARTNET_PORT, SACN_PORT]}[args.proto]
    mode = args.mode
    if mode == "auto":
        mode = "sniff" if os.geteuid() == 0 else "bind"

    socks = []
    if mode == "sniff":
        try:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        except PermissionError as e:
            sys.exit(f"led_capture: --mode sniff needs root or CAP_NET_RAW ({e}); use --mode bind without olad")
        if args.iface:
            s.bind((args.iface, ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        socks.append(s)
    else:
        for port in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            try:
                s.bind(("", port))
            except OSError as e:
                sys.exit(f"led_capture: cannot bind UDP {port} ({e}); is olad (or another receiver) holding it?")
            socks.append(s)

    out({"ready": True, "mode": mode, "protocols": sorted({"sacn" if p == SACN_PORT else "artnet" for p in ports}),
         "pid": os.getpid()})
    t0 = time.monotonic()
    deadline = t0 + args.seconds if args.seconds > 0 else None
    seen = 0
    while True:
        timeout = 0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))
        if deadline is not None and time.monotonic() >= deadline:
            break
        ready, _, _ = select.select(socks, [], [], timeout)
        for s in ready:
            if mode == "sniff":
                frame, addr = s.recvfrom(65535)
                ifname, _proto, pkttype, hatype = addr[0], addr[1], addr[2], addr[3]
                # loopback frames show up twice (outgoing and incoming): keep the incoming copy. On
                # other interfaces the outgoing copy is the only one of a locally sent multicast.
                if ifname == "lo" and pkttype == PACKET_OUTGOING:
                    continue
                parsed = parse_frame(frame, hatype)
                if parsed is None:
                    continue
                src, sport, dst, dport, payload = parsed
                if dport not in ports:
                    continue
                meta = {"src": f"{src}:{sport}", "dst": f"{dst}:{dport}", "iface": ifname}
            else:
                payload, (src, sport) = s.recvfrom(65535)
                dport = s.getsockname()[1]
                meta = {"src": f"{src}:{sport}", "dst": f"*:{dport}"}
            rec = decode(dport, bytes(payload), args.channels)
            if args.universe and "universe" in rec and rec["universe"] not in args.universe:
                continue
            rec["t"] = round(time.monotonic() - t0, 6)
            rec.update(meta)
            out(rec)
            seen += 1
            if args.count and seen >= args.count:
                return


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        pass
